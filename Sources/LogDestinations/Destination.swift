/// A compressed file ready to go out: where it is on local disk, its size and its SHA-256 (hex). Every
/// destination proves its copy against these.
public struct LocalObject: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var size: Int
    public var sha256: String

    public init(path: String, size: Int, sha256: String) {
        self.path = path
        self.size = size
        self.sha256 = sha256
    }

    public var description: String { "size \(size) sha256 \(sha256)" }
}

/// What a destination found under a key when asked to prove a copy.
public enum RemoteCopy: Sendable, Equatable {
    /// Nothing under the key.
    case missing
    /// The copy is byte for byte the local object.
    case matches
    /// Something else is there; the text says what was seen (size, checksum), for the operator.
    case differs(String)
}

/// Why a destination operation failed.
public enum DestinationError: Error, Sendable, CustomStringConvertible {
    /// `put` without `replace` found the key taken.
    case exists(key: String)
    /// The destination is not there (unmounted share, missing directory, unreachable host).
    case unavailable(String)
    /// The settings cannot work (wrong credentials, missing bucket, unknown host key): no retry helps.
    case misconfigured(String)
    case failed(String)

    public var description: String {
        switch self {
        case let .exists(key): "\(key) already exists at the destination"
        case let .unavailable(message), let .misconfigured(message), let .failed(message): message
        }
    }
}

/// Central storage for compressed hour files: a directory now; S3-compatible object stores and rsync over
/// ssh fit the same shape. `DestinationConformance` (tests) holds every implementation to these rules:
/// - `put` is atomic: nothing under the key, or the complete object; never a partial one. A completed `put` is
///   durable (fsync, or the server's acknowledgement).
/// - `put` with `replace: false` never overwrites: it throws `.exists` when the key is taken.
/// - `verify` proves the copy its own way (a directory reads it back and hashes it; S3 asks for the server's
///   checksum; rsync hashes it on the far side), so a copy damaged after writing is seen as different.
/// - An interrupted `put` leaves nothing `verify` reports as present, and the next `put` of the same key cleans
///   up whatever temporary data it left (temporary names are deterministic per key).
/// - Keys are lists of plain components (no empty, `.`, `..` or `/`), validated by the caller.
public protocol Destination: Sendable, CustomStringConvertible {
    /// Throws `.unavailable` (or `.misconfigured`) when the destination cannot be used at all; checked once
    /// before a run.
    func checkAvailable() throws(DestinationError)
    /// Stores `object` under `key`.
    func put(_ object: LocalObject, key: [String], replace: Bool) throws(DestinationError)
    /// Whether the copy under `key` is `expected`.
    func verify(key: [String], expected: LocalObject) throws(DestinationError) -> RemoteCopy
}
