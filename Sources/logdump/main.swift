import ArgumentParser
import LogCompression
import LogDump
import LogSplitCore

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

func printError(_ text: String) {
    let line = text.hasSuffix("\n") ? text : text + "\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
}

func printOut(_ text: String) {
    _ = text.withCString { write(1, $0, strlen($0)) }
}

/// Loads the configuration or exits 1 with every problem, key by key.
func loadOrExit(_ options: ConfigOptions) -> DumpConfiguration {
    let (configuration, problems) = options.load()
    if !problems.isEmpty {
        for p in problems { printError("logdump: config: \(p)") }
        exit(ExitCode.usage)
    }
    return configuration
}

struct Logdump: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logdump",
        abstract: "Compress closed log files (hour files of logsplit or cronolog), ship them to central storage, verify, remove.",
        discussion: """
            Exit codes: 0 success (nothing printed under cron); 1 usage or configuration error; 2 some files failed \
            (each named on stderr, retried by the next run); 3 another run holds the lock; 4 the state directory or \
            the destination is unusable (nothing done).
            """,
        version: "logdump version 0.1.0",
        subcommands: [Run.self, Status.self, Validate.self, Compress.self],
        defaultSubcommand: Run.self)
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "One pass over every closed file (for cron).")
    @OptionGroup var options: ConfigOptions
    @Flag(inversion: .prefixedNo, help: "Show a progress bar (default: when stderr is a terminal).") var progress: Bool?
    @Flag(name: .shortAndLong, help: "Print a summary line even on success.") var verbose = false

    func run() throws {
        let configuration = loadOrExit(options)
        let runner: DumpRunner
        do {
            runner = try DumpRunner(configuration: configuration,
                                    options: RunOptions(progress: progress ?? (isatty(2) == 1), verbose: verbose),
                                    environment: environment())
        } catch {
            printError("logdump: config: \(error)")
            Foundation_exit(ExitCode.usage)
        }
        Foundation_exit(runner.run())
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "What is open, closed, pending, shipped and failed, per container and site; and the last run.")
    @OptionGroup var options: ConfigOptions

    func run() throws {
        let configuration = loadOrExit(options)
        do {
            let report = try StatusReport.gather(configuration: configuration)
            printOut(report.render(zone: configuration.zone))
        } catch {
            printError("logdump: status: \(error)")
            Foundation_exit(ExitCode.unusable)
        }
    }
}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the configuration and say what is wrong, key by key.",
        discussion: "Checks the file and the flags, then that the destination exists (is mounted), the state directory can be written and the roots can be read. Exit 0 when all is well, 1 otherwise.")
    @OptionGroup var options: ConfigOptions

    func run() throws {
        let (configuration, loaded) = options.load()
        let problems = loaded.isEmpty ? configuration.environmentProblems() : loaded
        if problems.isEmpty {
            printOut("configuration OK: roots \(configuration.roots.joined(separator: ", ")), template \(configuration.template), "
                + "\(configuration.format) level \(configuration.effectiveLevel), destination \(configuration.destinationPath)\n")
            return
        }
        for p in problems { printError("logdump: config: \(p)") }
        Foundation_exit(ExitCode.usage)
    }
}

/// Compresses files next to themselves (FILE.zst / FILE.gz), in parallel: the benchmark's entry point, and a
/// way to check what `run` would produce without shipping anything.
struct Compress: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Compress files to FILE.zst or FILE.gz (keeps the originals; for benchmarks).")
    @Option(help: "zstd or gzip.") var format = "zstd"
    @Option(parsing: .unconditional, help: "Compression level (default 3 for zstd, 6 for gzip).") var level: Int?
    @Option(parsing: .unconditional, help: "Files compressed at once (0 = core count).") var workers = 0
    @Option(parsing: .unconditional, help: "zstd threads per file (0 = automatic).") var threads = 0
    @Flag(help: "Decompress each output and compare with the source checksum, as run does.") var verify = false
    @Argument var files: [String]

    func run() throws {
        guard let f = CompressionFormat(rawValue: format) else {
            printError("logdump: --format: '\(format)' is not one of: zstd, gzip")
            Foundation_exit(ExitCode.usage)
        }
        if let level, !f.levels.contains(level) {
            printError("logdump: --level: \(level) is out of range \(f.levels.lowerBound)...\(f.levels.upperBound) for \(f)")
            Foundation_exit(ExitCode.usage)
        }
        guard (0...1024).contains(workers), (0...256).contains(threads) else {
            printError("logdump: --workers must be 0...1024 and --threads 0...256 (0 = automatic)")
            Foundation_exit(ExitCode.usage)
        }
        let failures = BatchCompressor.compress(files: files, format: f, level: level ?? f.defaultLevel,
                                                workers: workers, threads: threads, verify: verify)
        for message in failures { printError("logdump: \(message)") }
        if !failures.isEmpty { Foundation_exit(ExitCode.someFilesFailed) }
    }
}

func environment() -> [String: String] {
    var result: [String: String] = [:]
    for name in ["LOGDUMP_TEST_STEP_DELAY_MS", "LOGDUMP_TEST_CORRUPT_DESTINATION"] {
        if let v = getenv(name) { result[name] = String(cString: v) }
    }
    return result
}

func Foundation_exit(_ code: Int32) -> Never { exit(code) }

// A full destination must give EFBIG/EPIPE errors, not kill the process.
signal(SIGPIPE, SIG_IGN)
signal(SIGXFSZ, SIG_IGN)

// ArgumentParser exits 64 on usage errors; logdump's table says 1.
// Arguments keep their raw bytes (a config path need not be UTF-8), as RawBytes escapes them.
let rawArguments = (1..<Int(CommandLine.argc)).compactMap { CommandLine.unsafeArgv[$0].map { RawBytes.string(cString: $0) } }
do {
    var command = try Logdump.parseAsRoot(rawArguments)
    try command.run()
} catch {
    let code = Logdump.exitCode(for: error)
    if code == .success {
        printOut(Logdump.fullMessage(for: error) + "\n")
        exit(0)
    }
    printError(Logdump.fullMessage(for: error))
    exit(ExitCode.usage)
}
