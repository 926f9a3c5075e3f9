/// What the splitter has done since it started; printed on SIGUSR1 and at exit as one `key=value` line.
public struct SplitCounters: Sendable, Equatable {
    public var lines = 0
    public var bytes = 0
    public var filesOpened = 0
    /// `--line-time`: lines whose period's file had closed beyond the late window (written to the arrival-time file).
    public var lateLines = 0
    /// `--line-time`: lines without a parseable `[%t]` or too far in the future (written to the arrival-time file).
    public var untimedLines = 0
    /// Lines longer than PIPE_BUF (4096 bytes): Apache cannot write them atomically, so concurrent
    /// children may have interleaved them.
    public var longLines = 0
    public var writeErrors = 0
    public var droppedLines = 0
    public var droppedBytes = 0
    /// Symlinks or special files found where a log file or directory should be, and moved aside.
    public var refusedPaths = 0
    /// `--site-field`: lines sent to the fallback site (bad site name, or too many sites).
    public var fallbackSites = 0

    public init() {}

    public static let pipeBuf = 4096

    /// Adds a read's worth of lines in one mutation (one exclusivity check on the hot path, not three).
    @inline(__always)
    public mutating func add(lines: Int, bytes: Int, longLines: Int) {
        self.lines += lines
        self.bytes += bytes
        self.longLines += longLines
    }

    public var summary: String {
        "lines=\(lines) bytes=\(bytes) files_opened=\(filesOpened) late_lines=\(lateLines) "
            + "untimed_lines=\(untimedLines) long_lines=\(longLines) write_errors=\(writeErrors) "
            + "dropped_lines=\(droppedLines) dropped_bytes=\(droppedBytes) refused_paths=\(refusedPaths) "
            + "fallback_sites=\(fallbackSites)"
    }
}
