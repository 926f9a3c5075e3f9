import ArgumentParser
import BuildInfo
import LogCompression
import LogDestinations
import LogDump
import LogShipCore

#if canImport(Glibc)
import Glibc
#endif

/// The `logdump` command line; `LogdumpMain` runs it.
struct Logdump: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logdump",
        abstract: "Compress closed log files (hour files of logsplit or cronolog), ship them to central storage, verify, remove.",
        discussion: """
            Exit codes: 0 success (nothing printed under cron); 1 usage or configuration error; 2 some files failed \
            (each named on stderr, retried by the next run); 3 another run holds the lock; 4 the state directory or \
            the destination is unusable (nothing done).
            """,
        version: BuildInfo.versionLine(program: "logdump"),
        subcommands: [Run.self, Status.self, Validate.self, Compress.self, Tail.self],
        defaultSubcommand: Run.self)
}

/// Loads the configuration, or reports every problem key by key and exits 1.
func loadOrExit(_ options: ConfigOptions) throws -> DumpConfiguration {
    let (configuration, problems) = options.load()
    if !problems.isEmpty {
        let log = DumpLog.logger()
        for p in problems { log.error("config: \(p)") }
        throw ExitCode(DumpStatus.usage)
    }
    return configuration
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "One pass over every closed file (for cron).")
    @OptionGroup var options: ConfigOptions
    @Flag(inversion: .prefixedNo, help: "Show a progress bar (default: when stderr is a terminal).") var progress: Bool?
    @Flag(name: .shortAndLong, help: "Print a summary line even on success.") var verbose = false

    func run() throws {
        let configuration = try loadOrExit(options)
        let runner: DumpRunner
        do {
            runner = try DumpRunner(configuration: configuration,
                                    options: RunOptions(progress: progress ?? (isatty(2) == 1), verbose: verbose),
                                    hooks: LogdumpMain.hooks)
        } catch {
            DumpLog.logger().error("config: \(error)")
            throw ExitCode(DumpStatus.usage)
        }
        let status = runner.run()
        if status != DumpStatus.ok { throw ExitCode(status) }
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "What is open, closed, pending, shipped and failed, per container and site; and the last run.")
    @OptionGroup var options: ConfigOptions

    func run() throws {
        let configuration = try loadOrExit(options)
        do {
            let report = try StatusReport.gather(configuration: configuration)
            printOut(report.render(zone: configuration.zone))
        } catch {
            DumpLog.logger().error("status: \(error)")
            throw ExitCode(DumpStatus.unusable)
        }
    }
}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the configuration and say what is wrong, key by key.",
        discussion: "Checks the file and the flags, then that the destination exists (is mounted), the state directory can be written and the roots can be read. Exit 0 when all is well, 1 otherwise. When all is well it also says what the configuration implies that it cannot check from here: a destination key that leaves out {host}, {container} or {site}, the tail receiver's message size limit.")
    @OptionGroup var options: ConfigOptions

    func run() throws {
        let (configuration, loaded) = options.load()
        var problems = loaded.isEmpty ? configuration.environmentProblems() : loaded
        var notes: [String] = []
        if problems.isEmpty, case let .s3(settings) = configuration.destinationSettings {
            // Ask the server what it supports (small objects under .logdump-probe/, deleted again).
            do {
                let report = try S3Destination.make(settings).probeChecksumSupport()
                notes.append("s3 server: \(report)")
                if !report.conditionalWrites {
                    problems.append(ConfigProblem(key: "destination.endpoint", message:
                        "the server overwrites on PUT with If-None-Match: * (no create-only writes): a key could be replaced"))
                }
                if settings.verify == .checksum && report.recommendedVerify == .download {
                    problems.append(ConfigProblem(key: "destination.verify", message:
                        "the server returns no SHA-256 checksum on HEAD: set verify = \"download\""))
                }
            } catch {
                problems.append(ConfigProblem(key: "destination.endpoint", message: error.description))
            }
        }
        if problems.isEmpty {
            let destination: String
            switch configuration.destinationSettings {
            case let .directory(path): destination = path
            case let .s3(s3): destination = "s3 bucket \(s3.bucket) at \(s3.endpoint)"
            case let .rsync(rsync): destination = "rsync \(rsync.user.map { $0 + "@" } ?? "")\(rsync.host):\(rsync.path)"
            }
            printOut("configuration OK: roots \(configuration.roots.joined(separator: ", ")), template \(configuration.template), "
                + "\(configuration.format) level \(configuration.effectiveLevel), destination \(destination)\n")
            if let omitted = try? KeyTemplate(configuration.keyTemplate).omittedOrigins, !omitted.isEmpty {
                notes.append(Self.keyNote(omitted))
            }
            if let tail = configuration.tail {
                notes.append(Self.tailNote(tail))
            }
            for note in notes { printOut(note + "\n") }
            return
        }
        let log = DumpLog.logger()
        for p in problems { log.error("config: \(p)") }
        throw ExitCode(DumpStatus.usage)
    }

    /// A key that leaves out where files come from: not an error (one site, one host), but files of the same name
    /// from different ones then meet at one key.
    static func keyNote(_ omitted: [String]) -> String {
        let origins = omitted.map { String($0.dropFirst().dropLast()) + "s" }
        let either = origins.count > 1 ? origins.dropLast().joined(separator: ", ") + " or " + origins.last! : origins[0]
        return "destination.key leaves out \(omitted.joined(separator: " ")): files of the same name from different \(either) "
            + "share one key, and all but the first shipped go under .N names (nothing is overwritten); keep "
            + "\(omitted.joined(separator: " ")) in the key when several ship to this destination"
    }

    /// What `validate` cannot check from here: the receiver's own message size limit. A receiver with a smaller
    /// one truncates long lines (rsyslog's imrelp even answers 200 for the truncated message).
    static func tailNote(_ tail: TailSection) -> String {
        let limit = tail.maxMessageBytes + TailSection.headerAllowanceBytes
        let receiver = tail.endpoint.map(\.description) ?? tail.receiver
        return "tail: receiver \(receiver), removal gate \(tail.gateRemoval ? "on" : "off"); the receiver must accept "
            + "messages of at least \(limit) bytes (max_message_bytes \(tail.maxMessageBytes) plus the header), or it "
            + "truncates long lines: rsyslog global(maxMessageSize=\"\(limit)\"), and maxDataSize=\"\(limit)\" on imrelp"
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
        let log = DumpLog.logger()
        guard let f = CompressionFormat(rawValue: format) else {
            log.error("--format: '\(format)' is not one of: zstd, gzip")
            throw ExitCode(DumpStatus.usage)
        }
        if let level, !f.levels.contains(level) {
            log.error("--level: \(level) is out of range \(f.levels.lowerBound)...\(f.levels.upperBound) for \(f)")
            throw ExitCode(DumpStatus.usage)
        }
        guard (0...1024).contains(workers), (0...256).contains(threads) else {
            log.error("--workers must be 0...1024 and --threads 0...256 (0 = automatic)")
            throw ExitCode(DumpStatus.usage)
        }
        let failures = BatchCompressor.compress(files: files, format: f, level: level ?? f.defaultLevel,
                                                workers: workers, threads: threads, verify: verify)
        for message in failures { log.error("\(message)") }
        if !failures.isEmpty { throw ExitCode(DumpStatus.someFilesFailed) }
    }
}

func printOut(_ text: String) {
    _ = text.withCString { write(1, $0, strlen($0)) }
}
