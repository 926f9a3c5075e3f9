import ArgumentParser
import LogCompression
import LogDump
import LogShipCore

#if canImport(Glibc)
import Glibc
#endif

/// Options shared by every subcommand: the config file and the flags that override its keys.
struct ConfigOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Configuration file (TOML). Default: /etc/logdump.toml when it exists, else built-in defaults.")
    var config: String?
    @Option(help: "Override general.host (the {host} of destination keys).") var host: String?
    @Option(help: "Override general.state_directory.") var stateDirectory: String?
    @Option(parsing: .unconditional, help: "Override general.workers (files compressed at once; 0 = core count).") var workers: Int?
    @Option(name: .customLong("root"), help: "Override sources.roots (repeat for several).") var roots: [String] = []
    @Option(help: "Override sources.template.") var template: String?
    @Option(help: "Override sources.time_zone.") var timeZone: String?
    @Option(parsing: .unconditional, help: "Override sources.period (e.g. 15min).") var period: String?
    @Option(parsing: .unconditional, help: "Override sources.grace (e.g. 10min).") var grace: String?
    @Option(name: .customLong("quiet-time"), parsing: .unconditional, help: "Override sources.quiet (e.g. 2min).") var quiet: String?
    @Option(help: "Override compression.format (zstd or gzip).") var format: String?
    @Option(parsing: .unconditional, help: "Override compression.level.") var level: Int?
    @Option(parsing: .unconditional, help: "Override compression.threads (zstd threads per file; 0 = automatic).") var threads: Int?
    @Option(help: "Override destination.path.") var destination: String?
    @Option(help: "Override destination.key.") var key: String?
    @Option(parsing: .unconditional, help: "Override retention.keep_compressed_hours.") var keepCompressedHours: Int?
    @Option(help: "Override metrics.textfile.") var metricsTextfile: String?

    /// The configuration and every problem found in it (file and flags).
    func load() -> (DumpConfiguration, [ConfigProblem]) {
        var configuration = DumpConfiguration()
        var problems: [ConfigProblem] = []
        do {
            if let text = try ConfigFile.read(config ?? ConfigFile.defaultPath, explicit: config != nil) {
                (configuration, problems) = DumpConfiguration.parse(toml: text)
            }
        } catch {
            // Never fall back to the defaults for a file that is there but unusable.
            return (configuration, [error])
        }
        if let host { configuration.host = host }
        if let stateDirectory { configuration.stateDirectory = stateDirectory }
        if let workers { configuration.workers = workers }
        if !roots.isEmpty { configuration.roots = roots }
        if let template { configuration.template = template }
        if let timeZone { configuration.timeZone = timeZone.isEmpty ? nil : timeZone }
        if let period { configuration.period = period }
        do {
            if let grace { configuration.graceSeconds = try DumpConfiguration.parseDuration(grace) }
            if let quiet { configuration.quietSeconds = try DumpConfiguration.parseDuration(quiet) }
        } catch {
            problems.append(ConfigProblem(key: "--grace/--quiet-time", message: error.message))
        }
        if let format {
            if let f = CompressionFormat(rawValue: format) { configuration.format = f } else {
                problems.append(ConfigProblem(key: "--format", message: "'\(format)' is not one of: zstd, gzip"))
            }
        }
        if let level { configuration.level = level }
        if let threads { configuration.threads = threads }
        if let destination { configuration.destinationPath = destination }
        if let key { configuration.keyTemplate = key }
        if let keepCompressedHours { configuration.keepCompressedHours = keepCompressedHours }
        if let metricsTextfile { configuration.metricsTextfile = metricsTextfile }
        problems += configuration.problems()
        if problems.isEmpty { problems = configuration.hostProblems() }
        return (configuration, problems)
    }
}
