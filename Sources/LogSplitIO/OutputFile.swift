#if canImport(Glibc)
import Glibc
#endif
import LogSplitCore

/// One log file the splitter writes: its period, its descriptor, and the lines waiting to be written.
///
/// Normal path: whole lines are written straight from the read buffer (or from a small staging buffer
/// when lines are routed per site or per line time), one `write` per file per read.
/// Fault path: when a write or an open fails, the unwritten bytes move into `pending` (bounded by the
/// shared `PendingBudget`), the first failure of an episode is reported once with the path and error,
/// and the splitter retries with back-off (1 s doubling to 30 s). When the budget is full, new lines are
/// dropped and counted (the oldest are kept: a torn line's remainder is always at the head and is written
/// first when the file accepts data again). The file is never truncated.
final class OutputFile {
    let site: Int
    /// Where the file is opened: the rendered name resolved lexically (`a/2026/../b` is `a/b`).
    let path: String
    /// What a `-S` link points to: the name exactly as the template rendered it, as cronolog's links do,
    /// unless it passes through `..` (logsplit does not create the directory it steps out of).
    let linkTarget: String
    let periodStart: Int
    let nextStart: Int
    /// From this instant on, lines arriving now go to the next period's file.
    let switchAt: Int
    /// When the file is closed by the timer (switchAt, plus the late window in line-time mode).
    let closeAt: Int

    var fd: Int32 = -1
    var lastUse: UInt64 = 0
    var linked = false

    // Staging for routed modes: lines copied here, written once per read (see `Splitter.stage`).
    var staging: UnsafeMutableRawBufferPointer? = nil
    var stagedBytes = 0
    var stagedLines = 0
    var touched = false
    var holdsStaging = false
    /// Index in `Splitter.openFiles` while the descriptor is open.
    var openIndex = -1

    // Fault state.
    var pending: [UInt8] = []
    var pendingHead = 0
    var pendingLines = 0
    var faultSince: Int? = nil
    var nextRetry = 0
    var backoff = 1
    var episodeDroppedLines = 0
    var episodeDroppedBytes = 0

    init(site: Int, path: String, linkTarget: String? = nil, periodStart: Int, nextStart: Int, switchAt: Int, closeAt: Int) {
        self.site = site
        self.path = path
        self.linkTarget = linkTarget ?? path
        self.periodStart = periodStart
        self.nextStart = nextStart
        self.switchAt = switchAt
        self.closeAt = closeAt
    }

    deinit {
        staging?.deallocate()
        if fd >= 0 { close(fd) }
    }

    var pendingCount: Int { pending.count - pendingHead }
    var hasPending: Bool { pendingCount > 0 }
    var inFault: Bool { faultSince != nil }

    /// Writes all of `bytes`; returns how many were written before an error (errno is left set).
    func writeAll(_ bytes: UnsafeRawBufferPointer) -> Int {
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return offset
            }
            if n == 0 {
                errno = EIO
                return offset
            }
            offset += n
        }
        return offset
    }

    func appendPending(_ bytes: UnsafeRawBufferPointer, lines: Int) {
        if pendingHead > 0 && pendingHead * 2 >= pending.count {
            pending.removeFirst(pendingHead)
            pendingHead = 0
        }
        pending.append(contentsOf: bytes)
        pendingLines += lines
    }

    func consumePending(_ count: Int, lines: Int) {
        pendingHead += count
        pendingLines -= lines
        if pendingHead == pending.count {
            pending.removeAll(keepingCapacity: false)
            pendingHead = 0
            pendingLines = 0
        }
    }

    func closeDescriptor() {
        if fd >= 0 {
            close(fd)  // also releases the shared flock: the dumper may take the file now
            fd = -1
        }
    }

    func releaseStaging() -> Int {
        guard let buffer = staging else { return 0 }
        buffer.deallocate()
        staging = nil
        return buffer.count
    }
}

/// The bound on bytes held in memory for files that cannot be written, shared by all files.
final class PendingBudget {
    let limit: Int
    var used = 0
    init(limit: Int) { self.limit = limit }
}
