import LinuxSystem
import LogShipCore
import LogSplitCore

#if canImport(Glibc)
import Glibc
#endif

/// `logdump status`: per container and site, how many files are open, closed (ready), pending (in the
/// middle of their steps), shipped, failed; and what the last run did.
public struct StatusReport {
    public struct Row: Sendable {
        public var container: String
        public var site: String
        public var open = 0
        public var closed = 0
        public var pending = 0
        public var shipped = 0
        public var failed = 0
        public var oldestWaiting: Int? = nil
        /// With `[tail]`: files on disk that `logdump tail` streamed to their end, and the bytes it has not sent yet.
        public var streamed = 0
        public var tailLagBytes: Int64 = 0
        /// With `[tail]`: how long the oldest byte not yet acknowledged has waited at most, over the site's files
        /// (seconds; 0 when nothing waits; nil when tail never saved a checkpoint, so nothing is known).
        public var tailWaitSeconds: Int? = 0
    }

    public var rows: [Row]
    public var lastRun: RunSummary?
    public var warnings: [String]
    /// With `[tail]`: when tail last saved its checkpoints (nil: never); without `[tail]`, no tail columns.
    public var tailConfigured = false
    public var tailSavedAt: Int? = nil
    /// With `[tail]`: when the tail that saved the checkpoints started, and what it counted since.
    public var tailStartedAt: Int? = nil
    public var tailCounters: TailCounters? = nil
    public var now = 0

    /// How long the oldest byte of one file not yet acknowledged by tail has waited, at most (seconds), from its
    /// checkpoint `entry` (nil: tail has none for this file) in a document saved at `savedAt` (nil: never).
    /// While tail was behind on the file, since the `waitingSince` it saved; when it was caught up, or does not
    /// know the file yet, the waiting bytes came after its last save, so since `savedAt`. 0 when nothing waits.
    public static func tailWaitSeconds(lagBytes: Int64, entry: TailCheckpoint?, savedAt: Int?, now: Int) -> Int? {
        guard lagBytes > 0 else { return 0 }
        guard let savedAt else { return nil }
        return max(0, now - (entry?.waitingSince ?? savedAt))
    }

    public static func gather(configuration: DumpConfiguration, now: Int = WallClock.seconds()) throws -> StatusReport {
        let scanner = try SourceScanner(configuration: configuration)
        let store = try? StateStore(directory: configuration.stateDirectory, create: false)
        let records = store?.allRecords().records ?? []
        var byID: [String: FileRecord] = [:]
        for r in records { byID[r.id] = r }
        let (files, warnings) = scanner.scan()
        // The same rule as `run`, lock probe included: status never calls a file closed that run would not take.
        let closure = ClosureCheck(rule: configuration.closedFileRule, now: now)
        var rows: [String: Row] = [:]
        func row(_ c: String?, _ s: String?) -> String {
            let key = "\(c ?? "_")/\(s ?? "_")"
            if rows[key] == nil { rows[key] = Row(container: c ?? "_", site: s ?? "_") }
            return key
        }
        var seen = Set<String>()
        let tailDocument = configuration.tail == nil ? nil : try? TailCheckpointFile.load(stateDirectory: configuration.stateDirectory)
        var checkpoints: [String: TailCheckpoint] = [:]
        for entry in tailDocument?.files ?? [] { checkpoints[entry.path] = entry }
        for file in files {
            let id = FileRecord.id(for: file.path)
            seen.insert(id)
            let k = row(file.container, file.site)
            if configuration.tail != nil {
                let entry = checkpoints[file.path.description].flatMap { $0.device == file.device && $0.inode == file.inode ? $0 : nil }
                let sent = entry?.offset ?? 0
                if entry?.finished == true && sent >= Int64(file.size) { rows[k]!.streamed += 1 }
                let lag = max(0, Int64(file.size) - sent)
                rows[k]!.tailLagBytes += lag
                let wait = tailWaitSeconds(lagBytes: lag, entry: entry, savedAt: tailDocument?.savedAt, now: now)
                if let current = rows[k]!.tailWaitSeconds { rows[k]!.tailWaitSeconds = wait.map { max($0, current) } }
            }
            let record = byID[id]
            if let record, record.lastError != nil, record.step != .removed {
                rows[k]!.failed += 1
            } else if let record, record.step > .closed, record.step < .removed {
                rows[k]!.pending += 1
            } else if closure.isClosed(file) {
                rows[k]!.closed += 1
                rows[k]!.oldestWaiting = min(rows[k]!.oldestWaiting ?? file.periodStart, file.periodStart)
            } else {
                rows[k]!.open += 1
            }
        }
        for r in records {
            let k = row(r.container, r.site)
            rows[k]!.shipped += r.shipped.count
            if !seen.contains(r.id) && r.step != .removed {
                if r.lastError != nil { rows[k]!.failed += 1 } else { rows[k]!.pending += 1 }
            }
        }
        return StatusReport(rows: rows.values.sorted { ($0.container, $0.site) < ($1.container, $1.site) },
                            lastRun: store?.lastRun(), warnings: warnings, tailConfigured: configuration.tail != nil,
                            tailSavedAt: tailDocument?.savedAt, tailStartedAt: tailDocument?.startedAt,
                            tailCounters: tailDocument?.counters, now: now)
    }

    public func render(zone: CivilTimeZone) -> String {
        var lines: [String] = []
        var header = ["CONTAINER", "SITE", "OPEN", "CLOSED", "PENDING", "SHIPPED", "FAILED"]
        if tailConfigured { header += ["STREAMED", "TAIL LAG", "TAIL WAIT"] }
        header.append("OLDEST WAITING")
        var table = [header]
        for r in rows {
            var line = [r.container, r.site, "\(r.open)", "\(r.closed)", "\(r.pending)", "\(r.shipped)", "\(r.failed)"]
            if tailConfigured { line += ["\(r.streamed)", "\(r.tailLagBytes) B", r.tailWaitSeconds.map { "\($0) s" } ?? "-"] }
            line.append(r.oldestWaiting.flatMap { zone.format("%Y-%m-%d %H:%M", at: $0) } ?? "-")
            table.append(line)
        }
        var widths = Array(repeating: 0, count: header.count)
        for line in table { for (i, cell) in line.enumerated() { widths[i] = max(widths[i], cell.count) } }
        for line in table {
            lines.append(line.enumerated().map { i, cell in
                i < 2 || i == line.count - 1 ? cell.padding(widths[i]) : String(repeating: " ", count: widths[i] - cell.count) + cell
            }.joined(separator: "  "))
        }
        if rows.isEmpty { lines.append("(no files under the configured roots)") }
        if let run = lastRun {
            let when = zone.format("%Y-%m-%d %H:%M:%S %Z", at: run.finishedAt) ?? "\(run.finishedAt)"
            lines.append("")
            lines.append("last run: \(when), \(run.finishedAt - run.startedAt)s, exit \(run.exitCode), \(run.shipped) shipped, "
                + "\(run.failed) failed, \(run.bytesIn) bytes in, \(run.bytesOut) bytes out")
            for m in run.messages { lines.append("  " + m) }
        } else {
            lines.append("")
            lines.append("last run: never")
        }
        if tailConfigured {
            lines.append(tailSavedAt.map { "tail: checkpoints saved \(max(0, now - $0)) s ago" + (now - $0 > TailRemovalGate.staleSeconds
                ? " (logdump tail seems stopped: run keeps the originals it has not streamed)" : "") }
                ?? "tail: no checkpoint saved yet (is logdump tail running?)")
            if let counters = tailCounters {
                let since = tailStartedAt.flatMap { zone.format("%Y-%m-%d %H:%M:%S %Z", at: $0) } ?? "its start"
                lines.append("tail since \(since): \(counters.linesRead) lines read (\(counters.bytesRead) bytes), "
                    + "\(counters.linesSent) sent, \(counters.linesAcknowledged) acknowledged (\(counters.bytesAcknowledged) bytes), "
                    + "\(counters.linesResent) resent, \(counters.linesSplit) split, \(counters.reconnects) reconnects, "
                    + "\(counters.outages) outages")
            }
        }
        for w in warnings { lines.append("warning: " + w) }
        return lines.map { $0.trimmingTrailingSpaces }.joined(separator: "\n") + "\n"
    }
}

extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}

extension String {
    var trimmingTrailingSpaces: String {
        var s = self[...]
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
