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
/// no allocation per line.
public final class Splitter {
    public let configuration: SplitterConfiguration
    public private(set) var counters = SplitCounters()
    let diagnostics: any Diagnostics
    let debug: (any Diagnostics)?
    let tree: SafeTree
    let budget: PendingBudget
    /// Reads the clock (seconds since the epoch, before `timeOffset`); replaceable for tests.
    let clock: () -> Int

    // Sites: index 0 is the only site without --site-field, and the fallback site with it.
    var sites: [Site] = []
    var siteSlots: [Int32]
    let siteNameBuffer: UnsafeMutableRawBufferPointer

    var files: [FileKey: OutputFile] = [:]
    var openFileCount = 0
    var useTick: UInt64 = 0
    var touchedFiles: [OutputFile] = []

    // The line that did not fit in the read buffer and is being written in pieces.
    var longLineFile: OutputFile? = nil

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
        let bytes: [UInt8]
        /// The file lines arriving now go to (arrival time), while `now < switchAt`.
        var arrivalFile: OutputFile? = nil
        var lastLinkedPath: String? = nil
        init(name: String) {
            self.name = name
            bytes = Array(name.utf8)
        }
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
        var slotCount = 16
        while slotCount < configuration.maxSites * 2 { slotCount <<= 1 }
        siteSlots = [Int32](repeating: -1, count: slotCount)
        siteNameBuffer = .allocate(byteCount: SiteName.defaultMaxLength, alignment: 1)
        sites.append(Site(name: configuration.siteField ? configuration.fallbackSite : ""))
        touchedFiles.reserveCapacity(64)
    }

    deinit {
        siteNameBuffer.deallocate()
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
        _ = clinux_set_pipe_size(input, 1 << 20)  // absorb bursts so Apache children do not block (pipes only)
        return run { buffer in read(input, buffer.baseAddress, buffer.count) }
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
        var drainDeadline: Int? = nil
        var status = ExitStatus.ok

        reading: while true {
            now = currentTime
            if SignalState.takeStatsRequest() { reportStats() }
            if SignalState.draining && drainDeadline == nil {
                drainDeadline = now + configuration.drainTimeout
                timersDirty = true
                diagnostics.report("signal received: reading the rest of the input until EOF (at most \(configuration.drainTimeout) s), then exiting")
            }
            if let deadline = drainDeadline, now >= deadline {
                diagnostics.report("drain timeout reached: stopping before EOF; lines still in the pipe are not read")
                break reading
            }
            serviceTimers()
            armTimer(drainDeadline: drainDeadline)

            let n = read(UnsafeMutableRawBufferPointer(start: buffer.baseAddress! + used, count: capacity - used))
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                diagnostics.report("cannot read standard input: \(String(cString: strerror(errno)))")
                status = .readError
                break reading
            }
            if n == 0 { break reading }
            now = currentTime
            used += n
            let consumed = process(UnsafeRawBufferPointer(start: buffer.baseAddress, count: used), full: used == capacity)
            if consumed < used {
                if consumed > 0 {
                    (buffer.baseAddress! + 0).copyMemory(from: buffer.baseAddress! + consumed, byteCount: used - consumed)
                }
            }
            used -= consumed
        }

        // EOF (or deadline): the last line may lack its newline; it is still written.
        now = currentTime
        if used > 0 {
            processFinalLine(UnsafeRawBufferPointer(start: buffer.baseAddress, count: used))
        }
        let flushed = finish(deadline: drainDeadline ?? (now + configuration.drainTimeout))
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
            counters.bytes += end
            counters.lines += 1
            counters.longLines += 1
            longLineFile = nil
            start = end
        }
        let consumed: Int
        if configuration.siteField || configuration.lineTime {
            consumed = routeLines(chunk, from: start)
        } else {
            consumed = writeWholeLines(chunk, from: start)
        }
        if consumed == 0 && full {
            // No newline in a full buffer: start writing this long line in pieces to its file.
            let file = destination(forLine: chunk)
            let content = lineContent(chunk, file: file)
            deliver(content, lines: 0, to: file)
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
        var position = start
        var lines = 0
        var longLines = 0
        while position < chunk.count, let nl = memchr(base + position, 10, chunk.count - position) {
            let end = base.distance(to: UnsafeRawPointer(nl)) + 1
            if end - position > SplitCounters.pipeBuf { longLines += 1 }
            lines += 1
            position = end
        }
        guard position > start else { return start }
        let file = arrivalFile(site: 0)
        deliver(UnsafeRawBufferPointer(start: base + start, count: position - start), lines: lines, to: file)
        counters.lines += lines
        counters.bytes += position - start
        counters.longLines += longLines
        return position
    }

    /// Site and line-time modes: each line is routed, staged per file, and every touched file is written once.
    func routeLines(_ chunk: UnsafeRawBufferPointer, from start: Int) -> Int {
        let base = chunk.baseAddress!
        var position = start
        while position < chunk.count, let nl = memchr(base + position, 10, chunk.count - position) {
            let end = base.distance(to: UnsafeRawPointer(nl)) + 1
            let line = UnsafeRawBufferPointer(start: base + position, count: end - position)
            if line.count > SplitCounters.pipeBuf { counters.longLines += 1 }
            counters.lines += 1
            counters.bytes += line.count
            let file = destination(forLine: line)
            file.stage(lineContent(line, file: file), splitter: self)
            position = end
        }
        for file in touchedFiles {
            file.touched = false
            file.flushStaging(splitter: self)
        }
        touchedFiles.removeAll(keepingCapacity: true)
        return position
    }

    func processFinalLine(_ rest: UnsafeRawBufferPointer) {
        if let file = longLineFile {
            deliver(rest, lines: 1, to: file)
            longLineFile = nil
            counters.longLines += 1
        } else {
            let file = destination(forLine: rest)
            deliver(lineContent(rest, file: file), lines: 1, to: file)
            if rest.count > SplitCounters.pipeBuf { counters.longLines += 1 }
        }
        counters.lines += 1
        counters.bytes += rest.count
    }

    // MARK: - Routing

    /// The bytes of `line` to write: without the site field when the line was routed by it.
    @inline(__always)
    func lineContent(_ line: UnsafeRawBufferPointer, file: OutputFile) -> UnsafeRawBufferPointer {
        guard configuration.siteField, file.site != 0, let space = memchr(line.baseAddress!, 32, line.count) else {
            return line
        }
        let skip = line.baseAddress!.distance(to: UnsafeRawPointer(space)) + 1
        return UnsafeRawBufferPointer(start: line.baseAddress! + skip, count: line.count - skip)
    }

    /// The file a line belongs to (its site; its own time in line-time mode, else arrival time).
    @inline(__always)
    func destination(forLine line: UnsafeRawBufferPointer) -> OutputFile {
        let site = configuration.siteField ? siteIndex(of: line) : 0
        if configuration.lineTime {
            return timedFile(site: site, line: line)
        }
        return arrivalFile(site: site)
    }

    @inline(__always)
    func arrivalFile(site: Int) -> OutputFile {
        let entry = sites[site]
        if let file = entry.arrivalFile, now < file.switchAt {
            return file
        }
        let start = configuration.period.start(containing: now, in: configuration.zone)
        let file = file(site: site, periodStart: start)
        entry.arrivalFile = file
        return file
    }

    func timedFile(site: Int, line: UnsafeRawBufferPointer) -> OutputFile {
        guard let t = LineTimestamp.instant(in: line), t <= now + configuration.futureTolerance else {
            counters.untimedLines += 1
            return arrivalFile(site: site)
        }
        if let current = sites[site].arrivalFile, t >= current.periodStart, t < current.nextStart, now < current.switchAt {
            return current
        }
        let start = configuration.period.start(containing: t, in: configuration.zone)
        if let file = files[FileKey(site: site, periodStart: start)] {
            if now < file.closeAt { return file }
        } else {
            let next = configuration.period.nextStart(after: start, in: configuration.zone)
            if now < next + configuration.delay + configuration.lateWindow {
                return file(site: site, periodStart: start, nextStart: next)
            }
        }
        counters.lateLines += 1
        return arrivalFile(site: site)
    }

    /// The index of the line's site, registering a new one; 0 (the fallback) for bad or surplus names.
    @inline(__always)
    func siteIndex(of line: UnsafeRawBufferPointer) -> Int {
        let limit = min(line.count, SiteName.defaultMaxLength + 1)
        guard let space = memchr(line.baseAddress!, 32, limit) else {
            counters.fallbackSites += 1
            return 0
        }
        let fieldLength = line.baseAddress!.distance(to: UnsafeRawPointer(space))
        guard let length = SiteName.sanitise(
            UnsafeRawBufferPointer(start: line.baseAddress!, count: fieldLength), into: siteNameBuffer)
        else {
            counters.fallbackSites += 1
            return 0
        }
        let name = UnsafeRawBufferPointer(start: siteNameBuffer.baseAddress!, count: length)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let mask = siteSlots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let index = Int(siteSlots[slot])
            if index < 0 { break }
            let known = sites[index].bytes
            if known.count == length, known.withUnsafeBytes({ memcmp($0.baseAddress!, name.baseAddress!, length) == 0 }) {
                return index
            }
            slot = (slot + 1) & mask
        }
        guard sites.count <= configuration.maxSites else {
            counters.fallbackSites += 1
            return 0
        }
        let site = Site(name: String(decoding: name, as: UTF8.self))
        if site.name == configuration.fallbackSite { return 0 }
        siteSlots[slot] = Int32(sites.count)
        sites.append(site)
        return sites.count - 1
    }

    func file(site: Int, periodStart: Int, nextStart known: Int? = nil) -> OutputFile {
        let key = FileKey(site: site, periodStart: periodStart)
        if let existing = files[key], now < existing.closeAt { return existing }
        let period = configuration.period
        let next = known ?? period.nextStart(after: periodStart, in: configuration.zone)
        let switchAt = next == Int.max ? Int.max : next + configuration.delay
        let closeAt = configuration.lineTime && switchAt != Int.max ? switchAt + configuration.lateWindow : switchAt
        let path = render(site: site, periodStart: periodStart)
        if let old = files[key] { retire(old) }
        let file = OutputFile(
            site: site, path: path, periodStart: periodStart, nextStart: next, switchAt: switchAt, closeAt: closeAt)
        files[key] = file
        timersDirty = true
        debug?.report("using log file \(path) for the period starting at \(periodStart) until \(switchAt == Int.max ? "never" : String(switchAt))")
        return file
    }

    func render(site: Int, periodStart: Int) -> String {
        do {
            return try configuration.template.render(
                periodStart: periodStart, site: configuration.siteField ? sites[site].name : nil, zone: configuration.zone)
        } catch {
            // Checked at start with the longest site name, so only a pathological zone gets here.
            diagnostics.report("\(error)")
            return configuration.root + "/logsplit-name-too-long"
        }
    }

    // MARK: - Writing, faults, retries

    /// Writes whole lines (or a piece of a long line, `lines == 0`) to `file`, or queues them while it fails.
    func deliver(_ bytes: UnsafeRawBufferPointer, lines: Int, to file: OutputFile) {
        useTick &+= 1
        file.lastUse = useTick
        if file.fd < 0 && !file.inFault { _ = open(file) }
        if file.hasPending || file.fd < 0 {
            if file.hasPending && now >= file.nextRetry { retry(file) }
            if file.hasPending || file.fd < 0 {
                enqueue(bytes, lines: lines, to: file)
                return
            }
        }
        let written = file.writeAll(bytes)
        if written == bytes.count { return }
        let error = errno
        // Part of the data is on disk; the rest (starting with the remainder of a torn line) waits.
        let rest = UnsafeRawBufferPointer(start: bytes.baseAddress! + written, count: bytes.count - written)
        let completeLinesWritten = countNewlines(UnsafeRawBufferPointer(start: bytes.baseAddress!, count: written))
        startFault(file, error: error, operation: "write to")
        enqueue(rest, lines: max(0, lines - completeLinesWritten), to: file, force: written > 0)
    }

    func enqueue(_ bytes: UnsafeRawBufferPointer, lines: Int, to file: OutputFile, force: Bool = false) {
        if !force && budget.used + bytes.count > budget.limit {
            counters.droppedLines += lines
            counters.droppedBytes += bytes.count
            file.episodeDroppedLines += lines
            file.episodeDroppedBytes += bytes.count
            return
        }
        file.appendPending(bytes, lines: lines)
        budget.used += bytes.count
    }

    func startFault(_ file: OutputFile, error: Int32, operation: String) {
        counters.writeErrors += 1
        timersDirty = true
        if file.faultSince == nil {
            file.faultSince = now
            file.backoff = 1
            diagnostics.report(
                "cannot \(operation) \(file.path): \(String(cString: strerror(error))); keeping whole lines in memory "
                    + "(up to \(configuration.bufferLimit) bytes in all) and retrying; input is still read")
        }
        file.nextRetry = now + file.backoff
        file.backoff = min(file.backoff * 2, 30)
    }

    /// Opens the file for appending under the trusted root and takes the shared "open" mark.
    @discardableResult
    func open(_ file: OutputFile) -> Bool {
        if openFileCount >= configuration.maxOpenFiles { closeLeastRecentlyUsed() }
        let fd: Int32
        do {
            fd = try tree.openForAppend(file.path) { message in
                counters.refusedPaths += 1
                diagnostics.report(message)
            }
        } catch {
            counters.writeErrors += 1
            timersDirty = true
            if file.faultSince == nil {
                file.faultSince = now
                file.backoff = 1
                diagnostics.report("\(error); keeping whole lines in memory and retrying; input is still read")
            }
            file.nextRetry = now + file.backoff
            file.backoff = min(file.backoff * 2, 30)
            return false
        }
        if flock(fd, LOCK_SH | LOCK_NB) != 0 {
            // A dumper holds the file exclusively (it is shipping it): do not write into a file about to go.
            close(fd)
            startFault(file, error: EWOULDBLOCK, operation: "take the shared lock on")
            return false
        }
        file.fd = fd
        timersDirty = true
        openFileCount += 1
        counters.filesOpened += 1
        if configuration.link != nil, file.periodStart == sites[file.site].arrivalFile?.periodStart ?? file.periodStart {
            updateLink(for: file)
        }
        return true
    }

    func retry(_ file: OutputFile) {
        timersDirty = true
        if file.fd < 0 && !open(file) { return }
        while file.hasPending {
            let bytes = file.pending.withUnsafeBytes { all in
                UnsafeRawBufferPointer(rebasing: all[file.pendingHead..<all.count])
            }
            let written = file.writeAll(bytes)
            if written == bytes.count {
                budget.used -= bytes.count
                file.consumePending(bytes.count, lines: file.pendingLines)
                break
            }
            let error = errno
            let done = countNewlines(UnsafeRawBufferPointer(start: bytes.baseAddress!, count: written))
            budget.used -= written
            file.consumePending(written, lines: min(done, file.pendingLines))
            counters.writeErrors += 1
            file.nextRetry = now + file.backoff
            file.backoff = min(file.backoff * 2, 30)
            _ = error
            return
        }
        if let since = file.faultSince {
            var message = "writing to \(file.path) resumed after \(max(0, now - since)) s"
            if file.episodeDroppedLines > 0 || file.episodeDroppedBytes > 0 {
                message += "; \(file.episodeDroppedLines) lines (\(file.episodeDroppedBytes) bytes) were dropped while the buffer was full"
            } else {
                message += "; no line was lost"
            }
            diagnostics.report(message)
            file.faultSince = nil
            file.episodeDroppedLines = 0
            file.episodeDroppedBytes = 0
            file.backoff = 1
        }
    }

    func countNewlines(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        var count = 0
        var position = 0
        while position < bytes.count, let nl = memchr(base + position, 10, bytes.count - position) {
            count += 1
            position = base.distance(to: UnsafeRawPointer(nl)) + 1
        }
        return count
    }

    // MARK: - Timers: closing idle files, retrying

    /// Closes files whose period is over (even with no traffic) and retries files in fault.
    func serviceTimers() {
        guard now >= timerDue, !files.isEmpty else { return }
        timersDirty = true
        var expired: [OutputFile] = []
        for file in files.values {
            if file.hasPending && now >= file.nextRetry { retry(file) }
            if now >= file.closeAt && !file.hasPending && file !== longLineFile { expired.append(file) }
        }
        for file in expired { retire(file) }
    }

    func retire(_ file: OutputFile) {
        if file.fd >= 0 { openFileCount -= 1 }
        file.closeDescriptor()
        let key = FileKey(site: file.site, periodStart: file.periodStart)
        if files[key] === file { files[key] = nil }
        if sites[file.site].arrivalFile === file { sites[file.site].arrivalFile = nil }
    }

    func closeLeastRecentlyUsed() {
        var victim: OutputFile? = nil
        for file in files.values where file.fd >= 0 && !file.hasPending && file !== longLineFile && !file.touched {
            if victim == nil || file.lastUse < victim!.lastUse { victim = file }
        }
        guard let victim else { return }
        victim.closeDescriptor()
        openFileCount -= 1
    }

    /// Arms SIGALRM for the earliest instant the loop must wake up without input.
    func armTimer(drainDeadline: Int?) {
        guard timersDirty || (drainDeadline ?? Int.max) < armedWakeUp else { return }
        timersDirty = false
        var wake = Int.max
        for file in files.values {
            if file.fd >= 0 || file.hasPending { wake = min(wake, file.closeAt) }
            if file.hasPending { wake = min(wake, file.nextRetry) }
        }
        timerDue = wake
        if let drainDeadline { wake = min(wake, drainDeadline) }
        if wake == armedWakeUp { return }
        armedWakeUp = wake
        if wake == Int.max {
            alarm(0)
        } else {
            alarm(UInt32(clamping: max(1, wake - now)))
        }
    }

    /// At the end: write what is pending, retrying until the deadline; true when nothing is left unwritten.
    func finish(deadline: Int) -> Bool {
        alarm(0)
        while true {
            now = currentTime
            var left = 0
            var nextRetry = deadline
            for file in files.values where file.hasPending {
                if now >= file.nextRetry { retry(file) }  // the back-off still applies while draining
                if file.hasPending {
                    left += file.pendingLines
                    nextRetry = min(nextRetry, file.nextRetry)
                }
            }
            if left == 0 { break }
            if now >= deadline {
                var lostLines = 0, lostBytes = 0
                for file in files.values where file.hasPending {
                    lostLines += max(file.pendingLines, 1)
                    lostBytes += file.pendingCount
                    diagnostics.report("giving up on \(file.path): \(file.pendingLines) lines (\(file.pendingCount) bytes) could not be written before the drain deadline")
                }
                counters.droppedLines += lostLines
                counters.droppedBytes += lostBytes
                return false
            }
            usleep(UInt32(clamping: max(100_000, min(1_000_000, (nextRetry - now) * 1_000_000))))
        }
        for file in Array(files.values) { retire(file) }
        return true
    }

    func reportStats() {
        diagnostics.report("stats " + counters.summary)
    }

    // MARK: - Links

    func updateLink(for file: OutputFile) {
        guard let link = configuration.link else { return }
        let site = sites[file.site]
        guard site.lastLinkedPath != file.path else { return }
        let siteName = configuration.siteField ? site.name : nil
        let linkPath = siteName.map { link.path.replacingAll(Template.sitePlaceholder, with: $0) } ?? link.path
        let previous = link.previous.map { p in siteName.map { p.replacingAll(Template.sitePlaceholder, with: $0) } ?? p }
        do {
            try LinkUpdater(tree: tree).update(
                link: linkPath, kind: link.kind, target: file.path, fd: file.fd, previous: previous) { message in
                    counters.refusedPaths += 1
                    diagnostics.report(message)
                }
            site.lastLinkedPath = file.path
        } catch {
            diagnostics.report("\(error) (the log file itself is written normally)")
        }
    }
}
