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
/// - `putMany` and `verifyMany` keep every rule above for each request, and answer per request, in order: a
///   batch never fails as a whole without saying so for each of its requests. By default they loop over `put`
///   and `verify`; a backend whose round trips are dear (rsync over ssh) does a batch in a few of them.
/// - `putManyProving` may answer `verify`'s question for a copy it stored in the same round trip (rsync hashes
///   each copy on the far side right after linking it); a proof it gives is one `verify` would give.
public protocol Destination: Sendable, CustomStringConvertible {
    /// Throws `.unavailable` (or `.misconfigured`) when the destination cannot be used at all; checked once
    /// before a run.
    func checkAvailable() throws(DestinationError)
    /// Stores `object` under `key`.
    func put(_ object: LocalObject, key: [String], replace: Bool) throws(DestinationError)
    /// Whether the copy under `key` is `expected`.
    func verify(key: [String], expected: LocalObject) throws(DestinationError) -> RemoteCopy
    /// Stores each request's object under its key; `.failure(.exists)` for a create-only request whose key is taken.
    func putMany(_ requests: [PutRequest]) -> [Result<Void, DestinationError>]
    /// Whether the copy under each request's key is its expected object.
    func verifyMany(_ requests: [VerifyRequest]) -> [Result<RemoteCopy, DestinationError>]
    /// `putMany`, and for each copy stored, where the backend can prove it in the same round trip, the answer
    /// `verify` would give (read back from its key after it was stored and made durable, the backend's own way);
    /// nil where the caller must still ask `verifyMany`.
    func putManyProving(_ requests: [PutRequest]) -> [Result<RemoteCopy?, DestinationError>]
    /// `verifyMany` for candidate keys (is each free, or holding this very copy?). A backend may send each object
    /// ahead, in the same round trip, to where a put of that key stages it (never under the key itself): a
    /// later put of the same object to the same key then only moves it into place.
    func chooseMany(_ requests: [VerifyRequest]) -> [Result<RemoteCopy, DestinationError>]
}

/// One object of a batch put: what `put` takes, as a value.
public struct PutRequest: Sendable, Equatable {
    public var object: LocalObject
    public var key: [String]
    /// Overwrite what is under the key (only ever a run's own damaged copy); false: create-only.
    public var replace: Bool

    public init(object: LocalObject, key: [String], replace: Bool) {
        self.object = object
        self.key = key
        self.replace = replace
    }
}

/// One key of a batch verify: what `verify` takes, as a value.
public struct VerifyRequest: Sendable, Equatable {
    public var key: [String]
    public var expected: LocalObject

    public init(key: [String], expected: LocalObject) {
        self.key = key
        self.expected = expected
    }
}

extension Destination {
    /// One `put` after the other.
    public func putMany(_ requests: [PutRequest]) -> [Result<Void, DestinationError>] {
        requests.map { request in
            Result { () throws(DestinationError) in try put(request.object, key: request.key, replace: request.replace) }
        }
    }

    /// `putMany`, proving nothing: the caller asks `verifyMany`.
    public func putManyProving(_ requests: [PutRequest]) -> [Result<RemoteCopy?, DestinationError>] {
        putMany(requests).map { $0.map { nil } }
    }

    /// `verifyMany`: nothing is sent ahead.
    public func chooseMany(_ requests: [VerifyRequest]) -> [Result<RemoteCopy, DestinationError>] {
        verifyMany(requests)
    }

    /// One `verify` after the other.
    public func verifyMany(_ requests: [VerifyRequest]) -> [Result<RemoteCopy, DestinationError>] {
        requests.map { request in
            Result { () throws(DestinationError) -> RemoteCopy in try verify(key: request.key, expected: request.expected) }
        }
    }
}
