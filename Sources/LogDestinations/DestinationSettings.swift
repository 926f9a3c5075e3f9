/// The `[destination]` section of the configuration, one case per `type`.
public enum DestinationSettings: Sendable, Equatable {
    /// `type = "directory"`: a local disk or a mounted NFS share; `path` must exist.
    case directory(path: String)
    /// `type = "s3"`: an S3-compatible object store (AWS, SeaweedFS, MinIO, Ceph RGW).
    case s3(S3Settings)
    /// `type = "rsync"`: a central host reached with rsync over ssh.
    case rsync(RsyncSettings)

    /// The `type` values the configuration accepts.
    public static let types = ["directory", "s3", "rsync"]
}

/// How `verify` proves an S3 copy before its original may be removed.
public enum S3VerifyMode: String, Sendable, Equatable, CaseIterable {
    /// The server's SHA-256 checksum (`HEAD` with `x-amz-checksum-mode: ENABLED`).
    case checksum
    /// The object is downloaded and hashed here (servers without checksum support).
    case download
}

/// `[destination]` with `type = "s3"`. Secrets are never here: they are looked up when the destination is
/// built (environment, `credentials_file`, `~/.aws/credentials`).
public struct S3Settings: Sendable, Equatable {
    /// `https://s3.eu-west-1.amazonaws.com`, `http://127.0.0.1:8333` (http only for loopback).
    public var endpoint: String
    public var region: String
    public var bucket: String
    /// Put before every key (`"archive/"`); keys never escape it.
    public var prefix: String
    /// Path-style (`endpoint/bucket/key`) or virtual-hosted (`bucket.endpoint/key`); nil = path-style for
    /// custom endpoints, virtual-hosted for AWS.
    public var pathStyle: Bool?
    public var storageClass: String?
    public var credentialsFile: String?
    public var profile: String
    /// CA bundle for TLS (default: the system store).
    public var caFile: String?
    /// Objects larger than this go up in parts of this size (at least 5 MiB).
    public var partSize: Int
    public var verify: S3VerifyMode
    public var connectTimeoutSeconds: Int
    public var requestTimeoutSeconds: Int
    /// Attempts per request for 5xx, 429/SlowDown, timeouts and resets, with exponential backoff and jitter.
    public var maxAttempts: Int
    /// Requests of one batch in flight at once (`S3Destination+Batch`).
    public var concurrentRequests: Int

    public init(endpoint: String, region: String = "us-east-1", bucket: String, prefix: String = "", pathStyle: Bool? = nil,
                storageClass: String? = nil, credentialsFile: String? = nil, profile: String = "default", caFile: String? = nil,
                partSize: Int = 16 << 20, verify: S3VerifyMode = .checksum, connectTimeoutSeconds: Int = 10,
                requestTimeoutSeconds: Int = 300, maxAttempts: Int = 5, concurrentRequests: Int = 4) {
        self.endpoint = endpoint
        self.region = region
        self.bucket = bucket
        self.prefix = prefix
        self.pathStyle = pathStyle
        self.storageClass = storageClass
        self.credentialsFile = credentialsFile
        self.profile = profile
        self.caFile = caFile
        self.partSize = partSize
        self.verify = verify
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.requestTimeoutSeconds = requestTimeoutSeconds
        self.maxAttempts = maxAttempts
        self.concurrentRequests = concurrentRequests
    }
}

/// `[destination]` with `type = "rsync"`: the system's rsync and ssh, host key checked, one ssh connection per run.
public struct RsyncSettings: Sendable, Equatable {
    public var host: String
    public var user: String?
    public var port: Int
    /// The directory on the far side that keys are relative to; it must exist.
    public var path: String
    public var identityFile: String?
    /// The known_hosts file with the host's key (`StrictHostKeyChecking=yes`).
    public var knownHosts: String?
    /// Where the shared connection's ControlPath socket lives (the state directory).
    public var controlDirectory: String
    public var connectTimeoutSeconds: Int

    public init(host: String, user: String? = nil, port: Int = 22, path: String, identityFile: String? = nil,
                knownHosts: String? = nil, controlDirectory: String, connectTimeoutSeconds: Int = 10) {
        self.host = host
        self.user = user
        self.port = port
        self.path = path
        self.identityFile = identityFile
        self.knownHosts = knownHosts
        self.controlDirectory = controlDirectory
        self.connectTimeoutSeconds = connectTimeoutSeconds
    }
}

/// Builds the destination a configuration names.
public enum DestinationFactory {
    public static func make(_ settings: DestinationSettings) throws(DestinationError) -> any Destination {
        switch settings {
        case let .directory(path): DirectoryDestination(root: path)
        case let .s3(s3): try S3Destination.make(s3)
        case let .rsync(settings): try RsyncDestination(settings: settings)
        }
    }
}
