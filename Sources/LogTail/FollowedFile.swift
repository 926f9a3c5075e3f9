import LinuxSystem
import LogDump
import LogShipCore
import SyslogWire

#if canImport(Glibc)
import Glibc
#endif

/// One hour file being followed: what the scan saw, its checkpoint, and its descriptor while it is read.
/// Opened the way `run` opens files: every directory below the trusted base with `O_NOFOLLOW`, the file
/// `O_NOFOLLOW|O_NONBLOCK` and then required (`fstat`) to be the regular file the scan found.
final class FollowedFile {
    var source: SourceFile
    var checkpoint: TailCheckpoint
    let origin: LineOrigin
    /// The open descriptor, -1 while closed (finished files are not held open).
    private(set) var descriptor: Int32 = -1
    /// Bytes after `checkpoint.offset` already looked at without finding a whole line: nothing to read until
    /// the file grows past this.
    var examinedUpTo: Int64 = 0
    /// The handoff rules said "closed": a last line without newline may go out as it is.
    var isClosed = false
    /// When the closed-file rule was last asked (seconds), so it is asked at most once a second.
    var closureAskedAt: Int?
    /// A read error already reported (reported once until the file reads again).
    var reportedError: String?
    /// How far lines were handed to the transport (at least `checkpoint.offset`): lines sent again below it
    /// count as resent.
    var sentUpTo: Int64
    /// How long the bytes not yet acknowledged have waited.
    var lag: LagClock

    var key: String { checkpoint.path }

    init(source: SourceFile, checkpoint: TailCheckpoint, lag: LagClock) {
        self.source = source
        self.checkpoint = checkpoint
        self.lag = lag
        origin = LineOrigin(container: source.container ?? "-", site: source.site ?? "-", file: source.path.name)
        examinedUpTo = checkpoint.offset
        sentUpTo = max(checkpoint.offset, checkpoint.sentOffset ?? 0)
    }

    /// The checkpoint as saved: with how far lines were sent and since when bytes wait.
    var persisted: TailCheckpoint {
        var saved = checkpoint
        saved.sentOffset = sentUpTo > checkpoint.offset ? sentUpTo : nil
        saved.waitingSince = lag.waitingSince
        return saved
    }

    deinit { closeDescriptor() }

    /// A first checkpoint for a file never seen: offset 0, nothing hashed yet.
    static func freshCheckpoint(for source: SourceFile) -> TailCheckpoint {
        TailCheckpoint(path: source.path.description, container: source.container, site: source.site,
                       device: source.device, inode: source.inode, headLength: 0, headSHA256: "", offset: 0,
                       finished: false, size: Int64(source.size), acknowledgedAt: 0)
    }

    var isOpen: Bool { descriptor >= 0 }

    /// Unsent bytes as far as known.
    var backlog: Int64 { checkpoint.finished ? 0 : max(0, Int64(source.size) - checkpoint.offset) }

    func closeDescriptor() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }

    /// Opens the file without following links and checks it is the regular file the scan found.
    func open() throws(SystemError) {
        closeDescriptor()
        let path = source.path
        let parent = try SafeDirectory.open(base: path.base, components: path.components.dropLast(), missing: .fail)!
        let file = try parent.open(path.name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, displayPath: path.description)
        let info = try file.status(path: path.description)
        guard FileKind(info) == .regular else {
            throw SystemError("follow (a \(FileKind(info)), not a regular file; not followed)", path: path.description, code: EINVAL)
        }
        guard UInt64(info.st_dev) == source.device, UInt64(info.st_ino) == source.inode else {
            throw SystemError("follow (replaced since the scan; taken up at the next scan)", path: path.description, code: ESTALE)
        }
        descriptor = file.take()
    }

    /// `fstat` of the open descriptor: size and modification time, for growth and the closed-file rule.
    func refresh() throws(SystemError) {
        var info = stat()
        _ = try Syscall.retrying("stat", path: source.path.description) { fstat(descriptor, &info) }
        source.size = Int(info.st_size)
        source.modified = min(max(Int(info.st_mtim.tv_sec), -315_569_520_000), 315_569_520_000)
        checkpoint.size = Int64(info.st_size)
    }

    /// Reads up to `buffer.count` bytes at `offset`.
    func read(into buffer: inout [UInt8], at offset: Int64, limit: Int? = nil) throws(SystemError) -> Int {
        let fd = descriptor
        let path = source.path.description
        let wanted = min(buffer.count, limit ?? buffer.count)
        let result: Result<Int, SystemError> = buffer.withUnsafeMutableBytes { raw in
            Result { () throws(SystemError) in
                try Syscall.retrying("read", path: path) { pread(fd, raw.baseAddress, wanted, off_t(offset)) }
            }
        }
        return try result.get()
    }

    /// SHA-256 of the first `length` bytes, or nil when the file has fewer.
    func headSHA256(length: Int) -> String? {
        guard length > 0 else { return "" }
        var head = [UInt8](repeating: 0, count: length)
        guard let count = try? read(into: &head, at: 0), count == length else { return nil }
        var hasher = SHA256Hasher()
        hasher.update(head)
        return hasher.hexDigest()
    }

    /// Hashes more of the head while it is shorter than `TailCheckpoint.headLimit` and the file has grown.
    func extendHead() {
        let wanted = min(Int(checkpoint.offset), TailCheckpoint.headLimit)
        guard wanted > checkpoint.headLength, let digest = headSHA256(length: wanted) else { return }
        checkpoint.headLength = wanted
        checkpoint.headSHA256 = digest
    }

    /// Starts over from the beginning (a replaced or truncated file).
    func restartFromBeginning() {
        checkpoint.offset = 0
        checkpoint.headLength = 0
        checkpoint.headSHA256 = ""
        checkpoint.finished = false
        checkpoint.device = source.device
        checkpoint.inode = source.inode
        examinedUpTo = 0
        sentUpTo = 0
        isClosed = false
    }
}
