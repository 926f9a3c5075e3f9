#if canImport(Glibc)
import Glibc
#endif
import LogSplitCore

/// Deciding which file a line belongs to: its site (`--site-field`) and its period (arrival time, or the
/// line's own `[%t]` with `--line-time`).
extension Splitter {
    /// The file for `line` and how many leading bytes to strip from it (the site field and its space).
    @inline(__always)
    func route(line: UnsafeRawBufferPointer) -> (OutputFile, strip: Int) {
        var site = 0
        var strip = 0
        if configuration.siteField {
            (site, strip) = siteOf(line: line)
        }
        if configuration.lineTime {
            return (timedFile(site: site, line: line), strip)
        }
        return (arrivalFile(site: site), strip)
    }

    /// The line's site and the length of its first field plus the space; (0, 0) for the fallback site,
    /// which keeps the line whole so nothing of a bad line is lost.
    @inline(__always)
    func siteOf(line: UnsafeRawBufferPointer) -> (Int, Int) {
        let limit = min(line.count, SiteName.defaultMaxLength + 1)
        guard let space = memchr(line.baseAddress!, 32, limit) else {
            counters.fallbackSites += 1
            return (0, 0)
        }
        let length = line.baseAddress!.distance(to: UnsafeRawPointer(space))
        let site = siteTable.site(of: UnsafeRawBufferPointer(start: line.baseAddress!, count: length))
        if site == 0 {
            counters.fallbackSites += 1
            return (0, 0)
        }
        if site == sites.count { sites.append(Site(name: siteTable.names[site])) }
        return (site, length + 1)
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

    /// --line-time: the file of the period the line's `[%t]` falls in, while that file still takes late
    /// lines; else the arrival-time file (counted as late or untimed).
    func timedFile(site: Int, line: UnsafeRawBufferPointer) -> OutputFile {
        guard let t = lineInstant(line), t <= now + configuration.futureTolerance else {
            counters.untimedLines += 1
            return arrivalFile(site: site)
        }
        let entry = sites[site]
        if let cached = entry.timedFile, t >= cached.periodStart, t < cached.nextStart, now < cached.closeAt {
            return cached
        }
        let start = configuration.period.start(containing: t, in: configuration.zone)
        var chosen: OutputFile? = nil
        if let file = files[FileKey(site: site, periodStart: start)] {
            if now < file.closeAt { chosen = file }
        } else {
            let next = configuration.period.nextStart(after: start, in: configuration.zone)
            // Saturating: with -o the next start is Int.max.
            if now < next.addingSaturated(configuration.delay).addingSaturated(configuration.lateWindow) {
                chosen = file(site: site, periodStart: start, nextStart: next)
            }
        }
        guard let chosen else {
            counters.lateLines += 1
            return arrivalFile(site: site)
        }
        entry.timedFile = chosen
        return chosen
    }

    /// The instant of the line's `[%t]`, reusing the last one when the timestamp text is the same.
    @inline(__always)
    func lineInstant(_ line: UnsafeRawBufferPointer) -> Int? {
        let limit = min(line.count, 512)
        guard let bracket = memchr(line.baseAddress!, 91, limit) else { return nil }  // "["
        let offset = line.baseAddress!.distance(to: UnsafeRawPointer(bracket)) + 1
        guard line.count - offset >= LineTimestamp.length else { return nil }
        let stamp = line.baseAddress! + offset
        if let cached = lastStampInstant, memcmp(lastStamp.baseAddress!, stamp, LineTimestamp.length) == 0 {
            return cached
        }
        let instant = LineTimestamp.parse(UnsafeRawBufferPointer(start: stamp, count: LineTimestamp.length))
        if let instant {
            lastStamp.baseAddress!.copyMemory(from: stamp, byteCount: LineTimestamp.length)
            lastStampInstant = instant
        }
        return instant
    }

    func file(site: Int, periodStart: Int, nextStart known: Int? = nil) -> OutputFile {
        let key = FileKey(site: site, periodStart: periodStart)
        if let existing = files[key], now < existing.closeAt { return existing }
        let period = configuration.period
        let next = known ?? period.nextStart(after: periodStart, in: configuration.zone)
        let switchAt = next.addingSaturated(configuration.delay)
        let closeAt = configuration.lineTime ? switchAt.addingSaturated(configuration.lateWindow) : switchAt
        let rendered = render(site: site, periodStart: periodStart)
        let path = Template.lexicallyNormalised(rendered)
        let linkTarget = rendered.split(separator: "/").contains("..") ? path : rendered
        if let old = files[key] { retire(old) }
        let file = OutputFile(
            site: site, path: path, linkTarget: linkTarget, periodStart: periodStart, nextStart: next,
            switchAt: switchAt, closeAt: closeAt)
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
}

extension Int {
    /// `self + other`, clamped to `Int.min...Int.max`: deadlines built from user-given durations never trap.
    @inline(__always)
    func addingSaturated(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? Int.max : Int.min) : sum
    }
}
