import ArgumentParser
import LogSplitCore
import LogSplitIO

#if canImport(Glibc)
import Glibc
#endif

/// The `logsplit` command line: cronolog's options, plus what a container host needs.
struct LogSplitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logsplit",
        abstract: "Split a log stream on stdin into time-named files; a drop-in for cronolog that never splits a line.",
        usage: "logsplit [options] TEMPLATE",
        discussion: """
            Apache pipes its access log in:
              CustomLog "|/usr/local/bin/logsplit /data/weblogs/www/access_log.%Y%m%d%H" combined
            writes /data/weblogs/www/access_log.2026112614, ...2026112615, one file per hour.

            TEMPLATE is strftime(3) of the period start in the local zone (or -z). The period is the finest
            unit the template names (%S second, %M minute, %H hour, %d day, %U/%W/%V week, %m month, %Y year),
            unless -p or -o says otherwise. Durations are a count and a unit: 30sec, 15min, 1hour, 1day, 1week.

            Lines are whole: the switch to the next file happens at a line boundary, every line read is written
            before the next read, and the last line is written at EOF even without a newline.

            Several sites on one pipe: put %v first in the LogFormat and use --site-field with {site}:
              LogFormat "%v %h %l %u %t \\"%r\\" %>s %b" vcombined
              CustomLog "|/usr/local/bin/logsplit --site-field /data/weblogs/{site}/access_log.%Y%m%d%H" vcombined

            Safety: below the trusted root (--root, default the template's fixed directory) no symlink is
            followed; a symlink or special file planted where a log file or directory belongs is moved aside
            to NAME.refused-KIND-UNIXTIME, reported on stderr, and replaced by a real one.
            Write errors (disk full, EIO, EFBIG, permissions) never block the input: whole lines wait in memory
            (--buffer-size), writes are retried with back-off, and dropped lines are counted and reported.

            Signals: SIGTERM, SIGINT, SIGHUP: keep reading until EOF (Apache's old children still write after a
            graceful restart), at most --drain-timeout, then exit. SIGUSR1: print counters on stderr.
            Handoff: logsplit holds flock(LOCK_SH) on each file it has open and closes it when the period ends
            (+ delay, + late window with --line-time), even without traffic.

            Exit status:
              0  end of input, every line written
              1  usage error (bad option, period or template)
              2  the trusted root directory cannot be opened or created
              4  error reading standard input
              5  some lines could not be written (counted as dropped_lines on stderr)
            """)

    @Option(name: [.customShort("H", allowingJoined: true), .customLong("hardlink")],
            help: ArgumentHelp("Maintain a hard link NAME to the current file.", valueName: "NAME"))
    var hardlink: String?

    @Option(name: [.customShort("S", allowingJoined: true), .customLong("symlink")],
            help: ArgumentHelp("Maintain a symbolic link NAME to the current file (moved atomically at each rotation).", valueName: "NAME"))
    var symlink: String?

    @Option(name: [.customShort("l", allowingJoined: true), .customLong("link")],
            help: ArgumentHelp("Same as --symlink.", valueName: "NAME"))
    var link: String?

    @Option(name: [.customShort("P", allowingJoined: true), .customLong("prev-symlink")],
            help: ArgumentHelp("Keep a link NAME to the previous file (needs -S, -l or -H; any order).", valueName: "NAME"))
    var previousLink: String?

    @Option(name: [.customShort("p", allowingJoined: true), .customLong("period")], parsing: .unconditional,
            help: ArgumentHelp("Rotation period, e.g. 1hour, 15min, 1day (default: inferred from TEMPLATE).", valueName: "PERIOD"))
    var period: String?

    @Option(name: [.customShort("d", allowingJoined: true), .customLong("delay")], parsing: .unconditional,
            help: ArgumentHelp("Switch files this long after the period ends (the name still shows the period start).", valueName: "DELAY"))
    var delay: String?

    @Option(name: [.customShort("s", allowingJoined: true), .customLong("start-time")],
            help: ArgumentHelp("Pretend the clock started at TIME (UTC), e.g. '26 Nov 2026 14:00:00'.", valueName: "TIME"))
    var startTime: String?

    @Option(name: [.customShort("z", allowingJoined: true), .customLong("time-zone")],
            help: ArgumentHelp("Time zone for names and boundaries, e.g. UTC, Asia/Kolkata (default: TZ).", valueName: "TZ"))
    var timeZone: String?

    @Flag(name: [.customShort("o"), .customLong("once-only")], help: "Write one file named from the start time; never rotate.")
    var onceOnly = false

    @Option(name: [.customShort("x", allowingJoined: true), .customLong("debug")],
            help: ArgumentHelp("Write debug messages to FILE ('-' for stderr).", valueName: "FILE"))
    var debugFile: String?

    @Flag(name: [.customShort("a"), .customLong("american")], help: "Read -s dates month first.")
    var american = false

    @Flag(name: [.customShort("e"), .customLong("european")], help: "Read -s dates day first (default).")
    var european = false

    @Flag(name: [.customShort("V"), .customLong("version")], help: "Print the version and exit.")
    var printVersion = false

    @Option(help: ArgumentHelp("Trusted root: nothing below it is followed (default: TEMPLATE's fixed directory).", valueName: "DIR"))
    var root: String?

    @Flag(help: "Take the site from each line's first field (%v first in the LogFormat); it fills {site}.")
    var siteField = false

    @Option(help: ArgumentHelp("Site for lines with a bad or surplus site name.", valueName: "NAME"))
    var fallbackSite = "_other"

    @Option(parsing: .unconditional, help: ArgumentHelp("Most distinct sites; more go to the fallback site.", valueName: "N"))
    var maxSites = 1024

    @Option(parsing: .unconditional, help: ArgumentHelp("Most files open at once (least recently used closed first).", valueName: "N"))
    var maxOpenFiles = 256

    @Flag(help: "Split by each line's own [%t] time instead of arrival time.")
    var lineTime = false

    @Option(parsing: .unconditional, help: ArgumentHelp("With --line-time: how long after a period's file closes its late lines are still accepted.", valueName: "DURATION"))
    var lateWindow = "5min"

    @Option(parsing: .unconditional, help: ArgumentHelp("After SIGTERM/SIGINT/SIGHUP, read until EOF for at most this long.", valueName: "DURATION"))
    var drainTimeout = "60sec"

    @Option(parsing: .unconditional, help: ArgumentHelp("Memory for lines waiting while a file cannot be written (K, M, G suffixes).", valueName: "BYTES"))
    var bufferSize = "16M"

    @Option(parsing: .unconditional, help: ArgumentHelp("Ask for an input pipe this large so bursts never block Apache (0: the kernel's 64K; at most /proc/sys/fs/pipe-max-size).", valueName: "BYTES"))
    var pipeSize = "1M"

    @Flag(help: "Check the options, print the period, the trusted root and the current file name, and exit (reads no input).")
    var check = false

    @Argument(help: ArgumentHelp("File name template, e.g. /data/weblogs/www/access_log.%Y%m%d%H.", valueName: "TEMPLATE"))
    var template: String?

    /// Turns the parsed options into a configuration, or explains what is wrong.
    func makeConfiguration(now: Int) throws(UsageError) -> (SplitterConfiguration, warnings: [String]) {
        guard let templateText = template else { throw UsageError("missing TEMPLATE: give the log file name template, e.g. /data/weblogs/www/access_log.%Y%m%d%H") }
        let parsedTemplate: Template
        do { parsedTemplate = try Template(templateText) } catch { throw UsageError(error.description) }
        guard parsedTemplate.endsInFileName else {
            var directory = Substring(templateText)
            while directory.hasSuffix("/") { directory = directory.dropLast() }
            throw UsageError("the template '\(templateText)' ends in a directory, not a file name: write e.g. '\(directory)/access_log.%Y%m%d%H'")
        }
        var config = SplitterConfiguration(template: parsedTemplate)
        var warnings: [String] = []
        if american && european { throw UsageError("-a/--american and -e/--european cannot be used together") }
        if let timeZone {
            guard !timeZone.isEmpty else { throw UsageError("-z needs a time zone name such as UTC or Europe/Berlin") }
            config.zone = CivilTimeZone(identifier: timeZone)
            // glibc silently treats an unknown zone name as UTC. cronolog accepts anything, so this warns; logdump,
            // which removes files by these boundaries, refuses the same names (TimeZoneName is the one rule).
            if let problem = TimeZoneName.problem(timeZone) {
                warnings.append(problem)
            }
        }
        if let startTime {
            config.timeOffset = try StartTime.parse(startTime, american: american) - now
        }

        let inferred = parsedTemplate.inferredPeriodicity
        if onceOnly {
            config.period = RotationPeriod(unit: .once)
        } else if let period {
            let spec = try Self.duration(period, option: "-p/--period").validatedAsPeriod(original: period)
            config.period = RotationPeriod(unit: spec.unit, multiple: spec.count, weeksStartOnMonday: parsedTemplate.weeksStartOnMonday)
        }
        if let delay {
            let spec = try Self.duration(delay, option: "-d/--delay")
            if spec.count > 0 && config.period.unit == .once {
                warnings.append("-d/--delay has no effect with -o/--once-only: the file never rotates")
            } else if spec.count > 0 {
                let unit = config.period.unit
                guard spec.unit < unit || (spec.unit == unit && spec.count < config.period.multiple) else {
                    throw UsageError("the delay '\(delay)' must be shorter than the rotation period (\(config.period))")
                }
                config.delay = spec.seconds
            }
        }
        // Say when the names and the period disagree: operators otherwise find out at the first rotation.
        let unit = config.period.unit
        if !onceOnly {
            if inferred == .once && unit == .once {
                warnings.append("the template '\(templateText)' has no time conversion: every line goes to one file that never rotates (use -o to say so, or add %Y%m%d%H)")
            } else if inferred == .once {
                warnings.append("the template '\(templateText)' has no time conversion: every \(config.period) period reopens the same file")
            } else if unit < inferred {
                warnings.append("the template '\(templateText)' changes only every \(inferred), but the period is \(config.period): consecutive periods share one file")
            } else if unit == inferred && config.period.multiple > 1 {
                warnings.append("the template '\(templateText)' changes every \(inferred), but the period is \(config.period): names show only each period's start")
            } else if unit > inferred {
                warnings.append("the template '\(templateText)' has conversions that change every \(inferred), but the period is \(config.period): names always show the period start")
            }
        }
        if parsedTemplate.cronologPeriodicity != inferred && period == nil && !onceOnly {
            warnings.append("note: cronolog would rotate this template every \(parsedTemplate.cronologPeriodicity); logsplit rotates every \(inferred) because it also understands conversions cronolog ignores")
        }

        if let root, root.isEmpty { throw UsageError("--root needs a directory, e.g. --root /data/weblogs") }
        // Compared lexically with the rendered names, which are resolved the same way.
        config.root = Template.lexicallyNormalised(root ?? parsedTemplate.fixedDirectoryPrefix)
        config.siteField = siteField
        if siteField && !parsedTemplate.hasSitePlaceholder {
            throw UsageError("--site-field needs {site} in the template, e.g. /data/weblogs/{site}/access_log.%Y%m%d%H")
        }
        if !siteField && parsedTemplate.hasSitePlaceholder {
            throw UsageError("the template contains {site}: add --site-field (and put %v first in Apache's LogFormat)")
        }
        guard let fallback = SiteName.sanitise(fallbackSite) else {
            throw UsageError("--fallback-site '\(fallbackSite)' is not a valid site name: use letters, digits, '.', '_' or '-', not starting with '.'")
        }
        config.fallbackSite = fallback
        guard maxSites >= 1, maxSites <= Self.maxSitesLimit else {
            throw UsageError("--max-sites \(maxSites) is out of range: give a number from 1 to \(Self.maxSitesLimit) (default 1024)")
        }
        guard maxOpenFiles >= 1, maxOpenFiles <= Self.maxOpenFilesLimit else {
            throw UsageError("--max-open-files \(maxOpenFiles) is out of range: give a number from 1 to \(Self.maxOpenFilesLimit) (default 256)")
        }
        config.maxSites = maxSites
        config.maxOpenFiles = maxOpenFiles
        config.lineTime = lineTime
        config.lateWindow = try Self.duration(lateWindow, option: "--late-window").seconds
        config.drainTimeout = max(1, try Self.duration(drainTimeout, option: "--drain-timeout").seconds)
        config.bufferLimit = try Self.size(bufferSize, option: "--buffer-size")
        config.pipeSize = try Self.size(pipeSize, option: "--pipe-size")

        for (option, value) in [("-S/--symlink", symlink), ("-l/--link", link), ("-H/--hardlink", hardlink), ("-P/--prev-symlink", previousLink)] {
            guard let value else { continue }
            if value.isEmpty { throw UsageError("\(option) needs a link name, e.g. \(option.prefix(2)) /data/weblogs/www/access_log.current") }
            if !siteField && value.contains(Template.sitePlaceholder) {
                throw UsageError("the link name '\(value)' (\(option)) contains {site}, which only --site-field fills: add --site-field, or write the site's folder instead of {site}")
            }
        }
        let linkName = symlink ?? link ?? hardlink
        if let linkName {
            config.link = LinkSpec(kind: hardlink != nil && symlink == nil && link == nil ? .hard : .symbolic, path: linkName, previous: previousLink)
        } else if previousLink != nil {
            throw UsageError("-P/--prev-symlink needs a current link: add -S NAME (or -l, -H)")
        }

        // A name too long for the file system is an error now, not a retry loop at the first line.
        let longestSite = siteField ? String(repeating: "x", count: SiteName.defaultMaxLength) : nil
        let name: String
        do {
            name = Template.lexicallyNormalised(
                try parsedTemplate.render(periodStart: now + config.timeOffset, site: longestSite, zone: config.zone))
        } catch {
            throw UsageError(error.description)
        }
        if let long = name.split(separator: "/").first(where: { RawBytes.bytes(of: String($0)).count > 255 }) {
            throw UsageError("the template '\(templateText)' makes a file or directory name of \(RawBytes.bytes(of: String(long)).count) bytes; Linux allows 255: shorten it")
        }
        // Every file is opened below the trusted root; a name outside it could never be written.
        // (Checked before anything is created: a wrong --root must not leave a directory behind.)
        guard SafeTree(root: config.root).relativeComponents(of: name) != nil else {
            let rendered = (try? parsedTemplate.render(periodStart: now + config.timeOffset, site: siteField ? "www" : nil, zone: config.zone)) ?? name
            let resolved = Template.lexicallyNormalised(rendered)
            throw UsageError(
                "the template '\(templateText)' makes '\(resolved)'\(resolved != rendered ? " (from '\(rendered)')" : ""), which is not below the trusted root '\(config.root)': "
                    + (root == nil ? "write the template without '..' leaving its directory" : "pass --root with a directory that contains it, or leave --root out"))
        }
        try checkLinks(config, template: parsedTemplate, now: now)
        return (config, warnings)
    }

    /// Upper bounds that keep the tables small (the site table is sized from --max-sites at start).
    static let maxSitesLimit = 100_000
    static let maxOpenFilesLimit = 1_000_000

    /// A duration option; the message names the option and the value.
    static func duration(_ text: String, option: String) throws(UsageError) -> DurationSpec {
        do { return try DurationSpec(parsing: text) } catch { throw UsageError("\(option): \(error.message)") }
    }

    static func size(_ text: String, option: String) throws(UsageError) -> Int {
        if text.hasPrefix("-") {
            throw UsageError("\(option): '\(text)' is negative: write a number of bytes of 0 or more, with an optional K, M or G suffix, e.g. 16M")
        }
        do { return try ByteCount.parse(text) } catch { throw UsageError("\(option): \(error.message)") }
    }

    /// A link that is the log file itself (or -P that is the -S link) would replace the file by a link
    /// and lose its lines: refused for the names the template makes now (all of them when it has no
    /// conversion), compared as absolute, lexically resolved paths. Links are made for the site `www`
    /// here exactly as for every site.
    func checkLinks(_ config: SplitterConfiguration, template: Template, now: Int) throws(UsageError) {
        guard let link = config.link else { return }
        let site = config.siteField ? "www" : nil
        func resolved(_ path: String) -> String {
            let named = site.map { path.replacingAll(Template.sitePlaceholder, with: $0) } ?? path
            return Template.lexicallyNormalised(named.hasPrefix("/") ? named : Self.workingDirectory + "/" + named)
        }
        let start = config.period.start(containing: now + config.timeOffset, in: config.zone)
        var files: [String] = []
        for instant in [start, now + config.timeOffset] {
            if let name = try? template.render(periodStart: instant, site: site, zone: config.zone) {
                files.append(resolved(name))
            }
        }
        let option = link.kind == .hard ? "-H/--hardlink" : (symlink != nil ? "-S/--symlink" : "-l/--link")
        let current = resolved(link.path)
        if files.contains(current) {
            throw UsageError("the link name '\(link.path)' (\(option)) is the log file '\(template)' itself: the link would replace the file and its lines would be lost; choose another name, e.g. '\(link.path).current'")
        }
        if let previous = link.previous {
            let resolvedPrevious = resolved(previous)
            if files.contains(resolvedPrevious) {
                throw UsageError("the link name '\(previous)' (-P/--prev-symlink) is the log file '\(template)' itself: the link would replace the file and its lines would be lost; choose another name, e.g. '\(previous).previous'")
            }
            if resolvedPrevious == current {
                throw UsageError("-P/--prev-symlink '\(previous)' and \(option) '\(link.path)' name the same link: give the previous link its own name, e.g. '\(link.path).previous'")
            }
        }
    }

    /// The working directory, for comparing relative names with absolute ones ("." if it cannot be read).
    static var workingDirectory: String {
        guard let cwd = getcwd(nil, 0) else { return "." }
        defer { free(cwd) }
        return RawBytes.string(cString: cwd)
    }
}
