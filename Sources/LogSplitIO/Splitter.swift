#if canImport(Glibc)
import Glibc
#endif
import CLinuxShim
import LogSplitCore

/// The split loop: reads the input, frames whole lines, picks each line's file and writes it.
///
/// Guarantees: a line is never split across two files (the switch to the next period happens at a line
/// boundary; a line longer than the read buffer is written in pieces to one file and rotation waits for
/// its newline); every complete line read is written before the next blocking read; a last line without a
/// newline is written at EOF; the input is always read, whatever happens to the output (see `OutputFile`).
/// Hot path: one `read` into a buffer allocated once, `memchr` for newlines, one `write` per file per read,
/// no allocation per line. Routing lives in `Splitter+Routing`, writing and faults in `Splitter+Writing`,
/// timers in `Splitter+Timers`.
public final class Splitter {
    public let configuration: SplitterConfiguration
    public internal(set) var counters = SplitCounters()
    let diagnostics: any Diagnostics
    let debug: (any Diagnostics)?
    let tree: SafeTree
    let budget: PendingBudget
    /// Reads the clock (seconds since the epoch, before `timeOffset`); replaceable for tests.
    let clock: () -> Int

    /// Per-site state; index 0 is the only site without --site-field, and the fallback site with it.
    var sites: [Site] = []
    /// Made at the first routed line: a logger without --site-field never allocates it.
    lazy var siteTable = SiteTable(fallback: configuration.fallbackSite, maxSites: configuration.maxSites)

    var files: [FileKey: OutputFile] = [:]
    /// Files with an open descriptor, for the least-recently-used bound (scanning it is O(max open files)).
    var openFiles: [OutputFile] = []
    /// The most descriptors open at once (bounded by `maxOpenFiles`).
    public internal(set) var peakOpenFiles = 0
    var useTick: UInt64 = 0
    /// Files that staged lines during the current read; each is written once at the end of the read.
    var touchedFiles: [OutputFile] = []
    /// Files holding a staging buffer; buffers of files not touched in a read are freed after it.
    var stagingHolders: [OutputFile] = []
    var stagingBytes = 0
    /// Bound on staging memory across all files (a few KiB per file written in the same read).
    let stagingLimit = 2 << 20

    // The line that did not fit in the read buffer and is being written in pieces.
    var longLineFile: OutputFile? = nil

    // --line-time: the last `[%t]` parsed and its instant; consecutive lines often share the second.
    let lastStamp: UnsafeMutableRawBufferPointer
    var lastStampInstant: Int? = nil

    var armedWakeUp = 0
    /// The earliest instant a timer needs service; the file table is scanned only then (not per read).
    var timerDue = Int.max
    /// Set when files open, close or fail: the next `armTimer` recomputes `timerDue`.
    var timersDirty = false
    var now = 0

    struct FileKey: Hashable {
        let site: Int
        let periodStart: Int
    }

    final class Site {
        let name: String
        /// The file lines arriving now go to (arrival time), while `now < switchAt`.
        var arrivalFile: OutputFile? = nil
        /// --line-time: the file the last timed line of this site went to.
        var timedFile: OutputFile? = nil
        var lastLinkedPath: String? = nil
        init(name: String) { self.name = name }
    }

    public init(
        configuration: SplitterConfiguration, diagnostics: any Diagnostics = StandardErrorDiagnostics(),
        debug: (any Diagnostics)? = nil, clock: @escaping () -> Int = { Int(time(nil)) }
    ) {
        self.configuration = configuration
        self.diagnostics = diagnostics
        self.debug = debug
        self.clock = clock
        tree = SafeTree(root: configuration.root)
        budget = PendingBudget(limit: configuration.bufferLimit)
        sites.append(Site(name: configuration.siteField ? configuration.fallbackSite : ""))
        lastStamp = .allocate(byteCount: LineTimestamp.length, alignment: 8)
        touchedFiles.reserveCapacity(64)
    }

    deinit {
        lastStamp.deallocate()
    }

    var currentTime: Int { clock() + configuration.timeOffset }

    /// Exit statuses, documented in the README and `--help`.
    public enum ExitStatus: Int32, Sendable {
        case ok = 0
        case rootUnavailable = 2
        case readError = 4
        case linesLost = 5
    }

    // MARK: - The loop

    /// Reads `input` until EOF (or the drain deadline after SIGTERM), writing every line; returns the exit status.
    public func run(input: Int32) -> ExitStatus {
        if configuration.pipeSize > 0 {
            _ = clinux_set_pipe_size(input, Int32(clamping: configuration.pipeSize))  // absorb bursts (pipes only)
        }
        // Start-up memory goes back before the first read and again after the first read's lines are written
        // (the first line opens a file and formats a name: code and allocations the loop never needs again).
        Self.releaseStartupMemory()
        var reads = 0
        return run { buffer in
            reads += 1
            if reads == 2 { Self.releaseStartupMemory() }
            return read(input, buffer.baseAddress, buffer.count)
        }
    }

    /// Runs the loop over any byte source: `read` fills the buffer it is given and returns the byte count,
    /// 0 at EOF, or -1 with errno set (EINTR after a signal). Tests drip-feed input and step the clock with it.
    public func run(read: (UnsafeMutableRawBufferPointer) -> Int) -> ExitStatus {
        do {
            try tree.ensureRoot()
        } catch {
            diagnostics.report("\(error); create it or pass --root with a directory logsplit can use")
            return .rootUnavailable
        }
        let capacity = max(configuration.readBufferSize, 4096)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 64)
        defer { buffer.deallocate() }
        var used = 0
        // On the monotonic clock, in nanoseconds: at least the full --drain-timeout, whatever the wall clock does.
        var drainDeadline: UInt64? = nil
        var status = ExitStatus.ok

        now = currentTime
        reading: while true {
            // `now` was read when the last read returned (one clock read per read on the hot path).
            if SignalState.takeStatsRequest() { reportStats() }
            if SignalState.draining && drainDeadline == nil {
                drainDeadline = Self.drainDeadline(after: configuration.drainTimeout)
                timersDirty = true
                diagnostics.report("signal received: reading the rest of the input until EOF (at most \(configuration.drainTimeout) s), then exiting")
            }
            if let deadline = drainDeadline, Self.monotonicNanoseconds() >= deadline {
                diagnostics.report("drain timeout reached: stopping before EOF; lines still in the pipe are not read")
                break reading
            }
            serviceTimers()
            armTimer(drainDeadline: drainDeadline)

            let n = read(UnsafeMutableRawBufferPointer(start: buffer.baseAddress! + used, count: capacity - used))
            now = currentTime
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                diagnostics.report("cannot read standard input: \(String(cString: strerror(errno)))")
                status = .readError
                break reading
            }
            if n == 0 { break reading }
            used += n
            let consumed = process(UnsafeRawBufferPointer(start: buffer.baseAddress, count: used), full: used == capacity)
            if consumed > 0 && consumed < used {
                buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + consumed, byteCount: used - consumed)
            }
            used -= consumed
        }

        // EOF (or deadline): the last line may lack its newline; it is still written.
        now = currentTime
        if used > 0 {
            processFinalLine(UnsafeRawBufferPointer(start: buffer.baseAddress, count: used))
        }
        let flushed = finish(deadline: drainDeadline ?? Self.drainDeadline(after: configuration.drainTimeout))
        reportStats()
        if !flushed || counters.droppedLines > 0 { return status == .ok ? .linesLost : status }
        return status
    }

    /// Handles the complete lines at the front of `chunk`; returns how many bytes were consumed.
    /// `full` means the read buffer is full, so a line without newline must be written in pieces.
    func process(_ chunk: UnsafeRawBufferPointer, full: Bool) -> Int {
        let base = chunk.baseAddress!
        var start = 0
        if let file = longLineFile {
            // Continuation of a line longer than the buffer: it belongs to the file it started in.
            guard let nl = memchr(base, 10, chunk.count) else {
                deliver(chunk, lines: 0, to: file)
                counters.bytes += chunk.count
                return chunk.count
            }
            let end = base.distance(to: UnsafeRawPointer(nl)) + 1
            deliver(UnsafeRawBufferPointer(start: base, count: end), lines: 1, to: file)
            counters.add(lines: 1, bytes: end, longLines: 1)
            longLineFile = nil
            start = end
        }
        let consumed: Int
        if configuration.routesLines {
            consumed = routeLines(chunk, from: start)
        } else {
            consumed = writeWholeLines(chunk, from: start)
        }
        if consumed == 0 && full {
            // No newline in a full buffer: start writing this long line in pieces to its file.
            let (file, strip) = route(line: chunk)
            deliver(UnsafeRawBufferPointer(start: base + strip, count: chunk.count - strip), lines: 0, to: file)
            counters.bytes += chunk.count
            longLineFile = file
            return chunk.count
        }
        return consumed
    }

    /// Plain mode: every line goes to the current arrival-time file; one write for the whole run of lines.
    @inline(__always)
    func writeWholeLines(_ chunk: UnsafeRawBufferPointer, from start: Int) -> Int {
        let base = chunk.baseAddress!
        var lines = 0
        var mayHaveLongLines: Int32 = 0
        let cut = clinux_scan_lines(
            (base + start).assumingMemoryBound(to: UInt8.self), chunk.count - start, &lines, &mayHaveLongLines)
        guard cut > 0 else { return start }
        let position = start + cut
        var longLines = 0
        if mayHaveLongLines != 0 {
            longLines = countLongLines(UnsafeRawBufferPointer(start: base + start, count: cut))
        }
        let file = arrivalFile(site: 0)
        deliver(UnsafeRawBufferPointer(start: base + start, count: position - start), lines: lines, to: file)
        counters.add(lines: lines, bytes: position - start, longLines: longLines)
        return position
    }

    /// Site and line-time modes: each line is routed and staged per file; every touched file is written once.
    func routeLines(_ chunk: UnsafeRawBufferPointer, from start: Int) -> Int {
        let base = chunk.baseAddress!
        var position = start
        var lines = 0
        var longLines = 0
        while position < chunk.count, let nl = memchr(base + position, 10, chunk.count - position) {
            let end = base.distance(to: UnsafeRawPointer(nl)) + 1
            let line = UnsafeRawBufferPointer(start: base + position, count: end - position)
            if line.count > SplitCounters.pipeBuf { longLines += 1 }
            lines += 1
            let (file, strip) = route(line: line)
            stage(UnsafeRawBufferPointer(start: line.baseAddress! + strip, count: line.count - strip), in: file)
            position = end
        }
        counters.add(lines: lines, bytes: position - start, longLines: longLines)
        flushTouchedFiles()
        return position
    }

    /// Lines longer than PIPE_BUF among the whole lines of `bytes` (only called when some may be).
    func countLongLines(_ bytes: UnsafeRawBufferPointer) -> Int {
        let base = bytes.baseAddress!
        var position = 0
        var longLines = 0
        while position < bytes.count, let nl = memchr(base + position, 10, bytes.count - position) {
            let end = base.distance(to: UnsafeRawPointer(nl)) + 1
            if end - position > SplitCounters.pipeBuf { longLines += 1 }
            position = end
        }
        return longLines
    }

    func processFinalLine(_ rest: UnsafeRawBufferPointer) {
        if let file = longLineFile {
            deliver(rest, lines: 1, to: file)
            longLineFile = nil
            counters.longLines += 1
        } else {
            let (file, strip) = route(line: rest)
            deliver(UnsafeRawBufferPointer(start: rest.baseAddress! + strip, count: rest.count - strip), lines: 1, to: file)
            if rest.count > SplitCounters.pipeBuf { counters.longLines += 1 }
        }
        counters.lines += 1
        counters.bytes += rest.count
    }

    /// CLOCK_MONOTONIC in nanoseconds.
    static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// The monotonic instant `seconds` from now (a timeout of years saturates instead of trapping).
    static func drainDeadline(after seconds: Int) -> UInt64 {
        let nanos = UInt64(clamping: max(0, seconds)).multipliedReportingOverflow(by: 1_000_000_000)
        let (deadline, overflow) = monotonicNanoseconds().addingReportingOverflow(nanos.overflow ? UInt64.max : nanos.partialValue)
        return overflow ? UInt64.max : deadline
    }

    func reportStats() {
        diagnostics.report("stats " + counters.summary)
    }
}
