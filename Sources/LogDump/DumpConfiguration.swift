import LinuxSystem
import LogCompression
import LogDestinations
import LogShipCore
import LogSplitCore

#if canImport(Glibc)
import Glibc
#endif

/// Everything `logdump` needs to know, with the defaults documented in `Config/logdump.toml`.
public struct DumpConfiguration: Sendable {
    // [general]
    public var host: String = DumpConfiguration.systemHostName()
    public var stateDirectory: String = "/var/lib/logdump"
    /// Files compressed at once; 0 = the number of cores.
    public var workers: Int = 0

    // [sources]
    public var roots: [String] = ["/data/containers/{container}/weblogs/{site}"]
    public var template: String = "access_log.%Y%m%d%H"
    public var timeZone: String? = nil
    public var period: String = ""
    public var graceSeconds: Int = 600
    public var quietSeconds: Int = 120

    // [compression]
    public var format: CompressionFormat = .zstd
    public var level: Int? = nil
    /// zstd threads per file; 0 = automatic (the cores left over when fewer files than workers are open).
    public var threads: Int = 0

    // [destination]
    public var destination = DestinationSection()
    public var destinationType: String {
        get { destination.type }
        set { destination.type = newValue }
    }
    public var destinationPath: String {
        get { destination.path }
        set { destination.path = newValue }
    }
    public var keyTemplate: String = "{host}/{container}/{site}/%Y/%m/%d/{name}.{ext}"

    // [retention]
    public var keepCompressedHours: Int = 0
    /// Records of removed files are kept this many days (to ship a re-created file as `.N`), then dropped.
    public var recordDays: Int = 14

    // [metrics]
    public var metricsTextfile: String = ""

    // [tail]: nil when the section is absent (no `logdump tail`, no removal gate).
    public var tail: TailSection? = nil

    public init() {}

    public var effectiveLevel: Int { level ?? format.defaultLevel }
    public var effectiveWorkers: Int { workers > 0 ? workers : max(1, Self.coreCount()) }
    public var zone: CivilTimeZone { CivilTimeZone(identifier: timeZone) }

    public static func coreCount() -> Int { WorkerPool.coreCount }

    public static func systemHostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }

    /// The rotation period of the files: the `period` key, else the one the template implies.
    public func rotationPeriod() throws(ConfigProblem) -> RotationPeriod {
        let parsed: Template
        do { parsed = try Template(template) } catch {
            throw ConfigProblem(key: "sources.template", message: error.description)
        }
        if period.isEmpty {
            return RotationPeriod(unit: parsed.inferredPeriodicity, multiple: 1, weeksStartOnMonday: parsed.weeksStartOnMonday)
        }
        do {
            let spec = try DurationSpec(parsing: period).validatedAsPeriod(original: period)
            return RotationPeriod(unit: spec.unit, multiple: spec.count, weeksStartOnMonday: parsed.weeksStartOnMonday)
        } catch {
            throw ConfigProblem(key: "sources.period", message: error.description)
        }
    }

    /// Every problem in the settings, key by key; empty when the configuration can be used.
    public func problems() -> [ConfigProblem] {
        var found: [ConfigProblem] = []
        func check(_ ok: Bool, _ key: String, _ message: @autoclosure () -> String) {
            if !ok { found.append(ConfigProblem(key: key, message: message())) }
        }
        check(Self.isUsableHost(host), "general.host",
              "'\(host)' is not usable as a destination key component: 1 to 255 printable ASCII characters without "
                + "'/', spaces, '{' or '}', and not '.' or '..' (e.g. the short host name web08)")
        check(stateDirectory.hasPrefix("/"), "general.state_directory", "'\(stateDirectory)' must be an absolute path")
        check(workers >= 0 && workers <= 1024, "general.workers", "\(workers) is out of range 0...1024 (0 = the core count)")
        check(!roots.isEmpty, "sources.roots", "no roots given: list directories such as /data/containers/{container}/weblogs/{site}")
        for root in roots {
            do { _ = try RootPattern(root) } catch { found.append(error) }
        }
        var templateUsable = true
        do {
            let parsed = try Template(template)
            if parsed.inferredPeriodicity == .once {
                found.append(ConfigProblem(key: "sources.template",
                    message: "'\(template)' has no time conversion, so its files never close: use e.g. access_log.%Y%m%d%H"))
                templateUsable = false
            }
            if template.hasPrefix("/") || template.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) {
                found.append(ConfigProblem(key: "sources.template",
                    message: "'\(template)' must be relative to each root, without '.' or '..' components"))
                templateUsable = false
            }
        } catch {
            found.append(ConfigProblem(key: "sources.template", message: error.description))
            templateUsable = false
        }
        if templateUsable {
            do { _ = try rotationPeriod() } catch { found.append(error) }
        }
        if let timeZone, let problem = TimeZoneName.problem(timeZone) {
            found.append(ConfigProblem(key: "sources.time_zone", message: problem))
        }
        check(Self.durationRange.contains(graceSeconds), "sources.grace", Self.outOfRange(graceSeconds, "seconds", Self.durationRange))
        check(Self.durationRange.contains(quietSeconds), "sources.quiet", Self.outOfRange(quietSeconds, "seconds", Self.durationRange))
        if let level {
            check(format.levels.contains(level), "compression.level",
                  "\(level) is out of range \(format.levels.lowerBound)...\(format.levels.upperBound) for \(format)")
        }
        check(threads >= 0 && threads <= 256, "compression.threads", "\(threads) is out of range 0...256 (0 = automatic)")
        found += destination.problems()
        do { _ = try KeyTemplate(keyTemplate) } catch { found.append(error) }
        check(Self.keepHoursRange.contains(keepCompressedHours), "retention.keep_compressed_hours",
              Self.outOfRange(keepCompressedHours, "hours", Self.keepHoursRange))
        check(Self.recordDaysRange.contains(recordDays), "retention.record_days",
              Self.outOfRange(recordDays, "days", Self.recordDaysRange) + " (records of shipped files are needed for a while)")
        check(metricsTextfile.isEmpty || metricsTextfile.hasPrefix("/"), "metrics.textfile",
              "'\(metricsTextfile)' must be an absolute path (or empty to disable)")
        if let tail { found += tail.problems() }
        return found
    }

    /// `grace` and `quiet`: up to 366 days, in seconds.
    public static let durationRange = 0...(366 * 86_400)
    /// `keep_compressed_hours`: up to ten years.
    public static let keepHoursRange = 0...87_600
    /// `record_days`: one day to ten years.
    public static let recordDaysRange = 1...3650

    static func outOfRange(_ value: Int, _ unit: String, _ range: ClosedRange<Int>) -> String {
        "\(value) \(unit) is out of range \(range.lowerBound)...\(range.upperBound)"
    }

    /// `{host}` becomes one component of every destination key: it must be one, and must not be read as a
    /// placeholder or a path step.
    public static func isUsableHost(_ host: String) -> Bool {
        host.utf8.count <= 255 && host != "." && host != ".." && SafePath.isPlainComponent(host)
            && host.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "{") && $0 != UInt8(ascii: "}") }
    }

    /// Problems that make every run fail, found by looking at this machine (not the network or the
    /// destination): a state directory that is a file. `run` refuses them at start (exit 1) with the
    /// message `validate` prints.
    public func hostProblems() -> [ConfigProblem] {
        var found: [ConfigProblem] = []
        if stateDirectory.hasPrefix("/"), let problem = SafeDirectory.notADirectoryProblem(stateDirectory) {
            found.append(ConfigProblem(key: "general.state_directory", message: problem))
        }
        return found
    }

    /// The `[destination]` section as the destination factory takes it.
    public var destinationSettings: DestinationSettings { destination.settings(stateDirectory: stateDirectory) }

    /// The closed-file rule of `[sources]`.
    public var closedFileRule: ClosedFileRule { ClosedFileRule(graceSeconds: graceSeconds, quietSeconds: quietSeconds) }

    /// Problems of the machine rather than the file: the destination is missing (share not mounted), the
    /// state directory cannot be created, no root matches anything yet. For `logdump validate`.
    public func environmentProblems() -> [ConfigProblem] {
        var found: [ConfigProblem] = []
        do { try DestinationFactory.make(destinationSettings).checkAvailable() } catch {
            found.append(ConfigProblem(key: destinationType == "s3" ? "destination.endpoint" : destinationType == "rsync"
                                       ? "destination.host" : "destination.path", message: error.description))
        }
        var parent = stateDirectory
        while access(parent, F_OK) != 0, let slash = parent.lastIndex(of: "/"), parent != "/" {
            parent = slash == parent.startIndex ? "/" : String(parent[..<slash])
        }
        if access(parent, W_OK) != 0 {
            found.append(ConfigProblem(key: "general.state_directory", message: "\(stateDirectory) cannot be created or written (\(parent) is not writable)"))
        }
        for root in roots {
            guard let pattern = try? RootPattern(root) else { continue }
            if access(pattern.trustedPrefix, R_OK | X_OK) != 0 {
                found.append(ConfigProblem(key: "sources.roots", message: "\(pattern.trustedPrefix) (the fixed part of \(root)) cannot be read"))
            }
        }
        return found
    }

    /// `10min`, `1hour`, `30sec`, `0`, or a bare number of seconds.
    public static func parseDuration(_ text: String) throws(ConfigProblem) -> Int {
        let trimmed = text.trimmingSpaces
        if let seconds = Int(trimmed), seconds >= 0 { return seconds }
        do {
            return try DurationSpec(parsing: trimmed).seconds
        } catch {
            throw ConfigProblem(key: "", message: "'\(text)' is not a duration: write e.g. 30sec, 10min, 1hour")
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
