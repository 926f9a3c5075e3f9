/// An object as the destination holds it, read back.
public struct StoredObject: Sendable, Equatable {
    public var size: Int
    public var sha256: String
}

/// Why a destination operation failed.
public enum DestinationError: Error, Sendable, CustomStringConvertible {
    /// `put` without `replace` found the key taken.
    case exists(key: String)
    /// The destination is not there (unmounted share, missing directory, unreachable host).
    case unavailable(String)
    case failed(String)

    public var description: String {
        switch self {
        case let .exists(key): "\(key) already exists at the destination"
        case let .unavailable(message): message
        case let .failed(message): message
        }
    }
}

/// Central storage for compressed hour files. One implementation per kind of storage (a directory now;
/// rsync over ssh and S3-compatible object stores fit the same shape).
///
/// Every implementation guarantees:
/// - `put` is atomic: a reader (and `stat`) sees either no object under the key or the complete one, never
///   a partial upload, and a completed `put` is durable (fsync, or the server's acknowledgement).
/// - `put` with `replace: false` never overwrites an existing key: it throws `.exists` instead.
/// - `stat` reports the object as stored — for a directory, by reading it back and hashing it; for S3, from
///   a server-side checksum — so a copy damaged after writing is seen as different.
/// - An interrupted `put` leaves nothing that `stat` reports, and the next `put` of the same key cleans
///   up whatever temporary data it left (temporary names are deterministic per key).
/// - Keys are lists of plain components (no empty, `.`, `..` or `/`), already validated by the caller.
public protocol Destination: Sendable, CustomStringConvertible {
    /// Throws `.unavailable` when the destination cannot be used at all (checked once before a run).
    func checkAvailable() throws(DestinationError)
    /// The object under `key`, or nil when there is none.
    func stat(key: [String]) throws(DestinationError) -> StoredObject?
    /// Stores the local file `localPath` (a trusted spool file) under `key`.
    func put(key: [String], localPath: String, replace: Bool) throws(DestinationError)
}
