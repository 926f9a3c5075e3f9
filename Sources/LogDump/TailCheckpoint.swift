/// How far `logdump tail` has streamed one hour file: the receiver acknowledged every byte before `offset`.
///
/// The file is named by its path and identified by its device, inode and a SHA-256 of its first
/// `headLength` bytes (at most 1024; fewer while the file is shorter), so that a file removed and re-created
/// under the same name, or a new file that reused the inode number, is recognised and read from its start.
public struct TailCheckpoint: Codable, Sendable, Equatable {
    /// The file's full path (below a root; walked without following links when opened).
    public var path: String
    public var container: String?
    public var site: String?
    public var device: UInt64
    public var inode: UInt64
    /// How many leading bytes `headSHA256` covers.
    public var headLength: Int
    public var headSHA256: String
    /// Every byte before this offset was acknowledged by the receiver (always at a line boundary, or at the
    /// end of a closed file whose last line has no newline).
    public var offset: Int64
    /// The file is closed (the handoff rules of `run`) and every byte up to its size was acknowledged.
    public var finished: Bool
    /// The file's size when last seen, for the lag shown by `status`.
    public var size: Int64
    /// When the receiver last acknowledged a line of this file (seconds since the epoch), 0 = never.
    public var acknowledgedAt: Int
    /// How far lines were handed to the receiver (beyond `offset` while acknowledgements are awaited or after a
    /// failed delivery); nil = not beyond `offset`. A tail restarted from this checkpoint counts the lines it
    /// sends again below it as resent.
    public var sentOffset: Int64?
    /// While the file has bytes not yet acknowledged: when tail last saw every byte of it acknowledged (seconds
    /// since the epoch), so the oldest waiting byte has waited at most since then; nil when it was caught up.
    public var waitingSince: Int?

    public init(path: String, container: String?, site: String?, device: UInt64, inode: UInt64, headLength: Int,
                headSHA256: String, offset: Int64, finished: Bool, size: Int64, acknowledgedAt: Int,
                sentOffset: Int64? = nil, waitingSince: Int? = nil) {
        self.path = path
        self.container = container
        self.site = site
        self.device = device
        self.inode = inode
        self.headLength = headLength
        self.headSHA256 = headSHA256
        self.offset = offset
        self.finished = finished
        self.size = size
        self.acknowledgedAt = acknowledgedAt
        self.sentOffset = sentOffset
        self.waitingSince = waitingSince
    }

    /// Leading bytes hashed to recognise a file (Filebeat's fingerprint uses the same 1 KiB).
    public static let headLimit = 1024
}

/// The whole checkpoint file, `<state_directory>/v1/tail/checkpoints.json`.
public struct TailCheckpointDocument: Codable, Sendable, Equatable {
    public static let currentVersion = 1

    public var version: Int
    /// When `tail` last wrote the file (it does at least once a minute while running): `run` tells a stopped
    /// tail from a slow one by this.
    public var savedAt: Int
    public var files: [TailCheckpoint]
    /// When the tail that wrote the file started, and what it counted since (for `logdump status`); absent in
    /// files written before the counters existed.
    public var startedAt: Int?
    public var counters: TailCounters?

    public init(version: Int = Self.currentVersion, savedAt: Int, files: [TailCheckpoint], startedAt: Int? = nil,
                counters: TailCounters? = nil) {
        self.version = version
        self.savedAt = savedAt
        self.files = files
        self.startedAt = startedAt
        self.counters = counters
    }
}
