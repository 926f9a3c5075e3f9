import Foundation
import Testing

/// logsplit's command line as a drop-in for cronolog in a `CustomLog "|…"` line: every cronolog option,
/// short and long, in any order; exit codes; help and version; and the Debian cronolog bugs it fixes
/// (each such test runs the real cronolog too, to show the bug it fixes, and says so in its name).
@Suite("logsplit accepts cronolog's command line")
struct CronologCLITests {
    static let template = "access_log.%Y%m%d%H"
    static let line = Array("seq=000001 t=now \"GET /seq/000001 HTTP/1.1\" 200 512\n".utf8)

    /// Runs logsplit (bounded) in `dir` with `arguments`, feeding `input`.
    func logsplit(_ arguments: [String], input: [UInt8] = line, in dir: TemporaryDirectory,
                  environment: [String: String]? = nil) throws -> ProcessResult {
        try DifferentialProcess.run(
            try DifferentialProgram.logsplit.executable(), arguments, input: input, environment: environment,
            currentDirectory: dir.path)
    }

    func cronolog(_ arguments: [String], input: [UInt8] = line, in dir: TemporaryDirectory) throws -> ProcessResult {
        try DifferentialProcess.run(
            try DifferentialProgram.cronolog.executable(), arguments, input: input, currentDirectory: dir.path)
    }

    /// stderr lines other than the stats line printed at exit.
    func messages(_ result: ProcessResult) -> [String] {
        result.stderrText.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("logsplit: stats ") }
    }

    // MARK: - Every cronolog option is accepted

    @Test(arguments: [
        ["-H", "current"], ["--hardlink=current"], ["--hardlink", "current"],
        ["-S", "current"], ["--symlink=current"], ["-l", "current"], ["--link=current"],
        ["-S", "current", "-P", "previous"], ["-P", "previous", "-S", "current"],
        ["--prev-symlink=previous", "--symlink=current"], ["-H", "current", "-P", "previous"],
        ["-p", "1hour"], ["--period=1hour"], ["-p", "hourly"], ["-p", "1 Hour"], ["-p", "2hours"],
        ["-d", "5min"], ["--delay=5min"], ["-p", "1day", "-d", "1hour"],
        ["-s", "26 Nov 2026 14:10:31"], ["--start-time=26-Nov-2026 14:10"],
        ["-a", "-s", "Nov 26 2026 14:10:31"], ["--american", "--start-time=Nov/26/2026 14:10"],
        ["-e", "-s", "26 Nov 2026"], ["--european", "--start-time=26 Nov 2026 14:10"],
        ["-z", "UTC"], ["--time-zone=Europe/Berlin"], ["-z", "Asia/Kolkata"],
        ["-o"], ["--once-only"],
        ["-x", "-"], ["--debug=-"], ["-x", "debug.txt"], ["--debug", "debug.txt"],
        ["-p1hour"], ["-Scurrent"], ["-zUTC"], ["--period", "1hour"],
    ])
    func acceptsCronologOption(_ options: [String]) throws {
        let dir = try TemporaryDirectory("diff-cli")
        let result = try logsplit(options + [Self.template], in: dir)
        #expect(result.status == 0, "\(options): \(result.stderrText)")
        let tree = try DifferentialTree(root: dir.path)
        let logs = tree.files.filter { $0.key.hasPrefix("access_log.") }
        #expect(logs.count == 1, "\(options): \(tree)")
        #expect(logs.values.first == Self.line, "\(options): \(tree)")
        if options.contains("debug.txt") {
            #expect(tree.files["debug.txt"].map { !$0.isEmpty } == true, "no debug output: \(tree)")
        }
        let hard = options.contains { $0 == "-H" || $0.hasPrefix("--hardlink") }
        let soft = options.contains { $0 == "-S" || $0 == "-l" || $0.hasPrefix("--symlink") || $0.hasPrefix("--link") }
        if soft {
            #expect(tree.symlinks["current"] == logs.keys.first, "\(options): \(tree)")
        }
        if hard {
            #expect(tree.hardLinks == [[logs.keys.first!, "current"]], "\(options): \(tree)")
        }
    }

    /// `-s` sets the start time (UTC, clock keeps running): the first file is named after it.
    /// Debian's cronolog segfaults on every `-s` (strptime implicitly declared, pointer truncated).
    @Test func startTimeNamesTheFirstFileFixingDebianCronologSegfault() throws {
        let dir = try TemporaryDirectory("diff-cli")
        let result = try logsplit(["-s", "26 Nov 2026 14:10:31", Self.template], in: dir)
        #expect(result.status == 0, "\(result.stderrText)")
        let tree = try DifferentialTree(root: dir.path)
        #expect(tree.sequencesByFile == ["access_log.2026112614": [1]], "\(tree)")

        let american = try TemporaryDirectory("diff-cli")
        let us = try logsplit(["-a", "-s", "Nov 26 2026 09:05", "-z", "UTC", "log.%Y%m%d%H%M"], in: american)
        #expect(us.status == 0, "\(us.stderrText)")
        #expect(try DifferentialTree(root: american.path).sequencesByFile == ["log.202611260905": [1]])

        let theirs = try cronolog(["-s", "26 Nov 2026 14:10:31", Self.template], in: try TemporaryDirectory("diff-cli"))
        #expect(theirs.status == 128 + SIGSEGV, "Debian cronolog's -s no longer segfaults? status \(theirs.status)")
    }

    @Test(arguments: ["yesterday", "2026-11-26T14:10:31", "32 Nov 2026"])
    func invalidStartTimeIsAUsageError(_ time: String) throws {
        let dir = try TemporaryDirectory("diff-cli")
        let result = try logsplit(["-s", time, Self.template], in: dir)
        #expect(result.status == 1, "\(time): \(result.stderrText)")
        #expect(!messages(result).isEmpty)
        #expect(try DifferentialTree(root: dir.path).entries.isEmpty)
    }

    /// `--debug` is missing from Debian cronolog's long options ("unrecognized option"); logsplit takes it.
    @Test func debugLongOptionIsAcceptedFixingDebianCronologMissingLongOption() throws {
        let dir = try TemporaryDirectory("diff-cli")
        let result = try logsplit(["--debug=-", Self.template], in: dir)
        #expect(result.status == 0, "\(result.stderrText)")
        #expect(try DifferentialTree(root: dir.path).files.values.first == Self.line)
        let theirs = try cronolog(["--debug=-", Self.template], in: try TemporaryDirectory("diff-cli"))
        #expect(theirs.status == 1 && theirs.stderrText.contains("unrecognized option"),
                "Debian cronolog accepts --debug now? \(theirs.status) \(theirs.stderrText)")
    }

    /// Debian cronolog rejects `-P` unless `-S` came first; logsplit accepts any order.
    @Test func previousLinkBeforeCurrentLinkIsAcceptedFixingDebianCronologOptionOrder() throws {
        let dir = try TemporaryDirectory("diff-cli")
        let result = try logsplit(["-P", "previous", "-S", "current", Self.template], in: dir)
        #expect(result.status == 0, "\(result.stderrText)")
        let theirs = try cronolog(["-P", "previous", "-S", "current", Self.template], in: try TemporaryDirectory("diff-cli"))
        #expect(theirs.status == 1 && theirs.stderrText.contains("A current log symlink is needed"),
                "Debian cronolog accepts -P before -S now? \(theirs.status) \(theirs.stderrText)")
    }

    /// `-P` with no current link at all means nothing: a usage error, as in cronolog.
    @Test func previousLinkWithoutCurrentLinkIsAUsageError() throws {
        let dir = try TemporaryDirectory("diff-cli")
        let result = try logsplit(["-P", "previous", Self.template], in: dir)
        #expect(result.status == 1, "\(result.stderrText)")
        #expect(!messages(result).isEmpty)
        let theirs = try cronolog(["-P", "previous", Self.template], in: try TemporaryDirectory("diff-cli"))
        #expect(theirs.status == 1)
    }

    // MARK: - Bad periods and delays

    /// Debian cronolog dies of SIGFPE on `-p 0hours` (`24 % 0`); logsplit says what is wrong and exits 1.
    @Test(arguments: ["0hours", "0min", "0sec", "0months"])
    func zeroPeriodIsAUsageErrorFixingDebianCronologCrash(_ period: String) throws {
        let dir = try TemporaryDirectory("diff-cli")
        let result = try logsplit(["-p", period, Self.template], in: dir)
        #expect(result.status == 1, "\(period): \(result.stderrText)")
        #expect(result.stderrText.contains(period), "the message should name the bad value: \(result.stderrText)")
        #expect(try DifferentialTree(root: dir.path).entries.isEmpty)
        let theirs = try cronolog(["-p", period, Self.template], in: try TemporaryDirectory("diff-cli"))
        #expect(theirs.status == 128 + SIGFPE, "Debian cronolog no longer crashes on -p \(period)? \(theirs.status)")
    }

    /// cronolog does not check the count of day and week periods (it ignores it): `-p 0days` runs daily.
    /// logsplit rejects a zero count for every unit.
    @Test(arguments: ["0days", "0weeks"])
    func zeroDayOrWeekPeriodIsAUsageErrorUnlikeCronolog(_ period: String) throws {
        let result = try logsplit(["-p", period, Self.template], in: try TemporaryDirectory("diff-cli"))
        #expect(result.status == 1, "\(period): \(result.stderrText)")
        #expect(result.stderrText.contains(period), "\(result.stderrText)")
        let theirs = try cronolog(["-p", period, Self.template], in: try TemporaryDirectory("diff-cli"))
        #expect(theirs.status == 3, "cronolog -p \(period): \(theirs.status)")
    }

    /// Periods cronolog rejects with exit 1 (count must divide 60/60/24/12, unit prefixes only): so does logsplit.
    @Test(arguments: ["7hours", "24hours", "60min", "7min", "59sec", "5months", "13months", "32days", "53weeks",
                      "1year", "1h", "bogus", ""])
    func invalidPeriodIsAUsageErrorLikeCronolog(_ period: String) throws {
        let dir = try TemporaryDirectory("diff-cli")
        let result = try logsplit(["-p", period, Self.template], in: dir)
        #expect(result.status == 1, "-p '\(period)': \(result.stderrText)")
        #expect(!messages(result).isEmpty)
        let theirs = try cronolog(["-p", period, Self.template], in: try TemporaryDirectory("diff-cli"))
        #expect(theirs.status == 1, "cronolog -p '\(period)': \(theirs.status)")
    }

    /// A delay must be shorter than the period.
    @Test(arguments: [["-d", "1hour"], ["-d", "2hours"], ["-p", "15min", "-d", "15min"]])
    func delayNotShorterThanThePeriodIsAUsageErrorLikeCronolog(_ options: [String]) throws {
        let result = try logsplit(options + [Self.template], in: try TemporaryDirectory("diff-cli"))
        #expect(result.status == 1, "\(options): \(result.stderrText)")
        #expect(!messages(result).isEmpty)
        let theirs = try cronolog(options + [Self.template], in: try TemporaryDirectory("diff-cli"))
        #expect(theirs.status == 1, "cronolog \(options): \(theirs.status)")
    }

    /// cronolog accepts a delay with `-o` (it means nothing: the file never rotates); a CustomLog line that
    /// has both must keep working when cronolog is replaced by logsplit.
    @Test(arguments: [["-o", "-d", "5min"], ["-d5min", "-o"], ["--once-only", "--delay=1hour"]])
    func delayWithOnceOnlyIsAcceptedLikeCronolog(_ options: [String]) throws {
        let dir = try TemporaryDirectory("diff-cli")
        let result = try logsplit(options + [Self.template], in: dir)
        #expect(result.status == 0, "\(options): \(result.stderrText)")
        #expect(try DifferentialTree(root: dir.path).files.values.first == Self.line)
        let theirs = try cronolog(options + [Self.template], in: try TemporaryDirectory("diff-cli"))
        #expect(theirs.status == 3, "cronolog \(options): \(theirs.status) \(theirs.stderrText)")
    }

    // MARK: - Arguments, help, version, exit codes

    @Test func missingTemplateIsAUsageError() throws {
        let result = try logsplit([], in: try TemporaryDirectory("diff-cli"))
        #expect(result.status == 1, "\(result.stderrText)")
        #expect(result.stderrText.lowercased().contains("template"), "\(result.stderrText)")
    }

    @Test(arguments: [["a.%Y", "b.%Y"], ["--no-such-option", "a.%Y"], ["-q", "a.%Y"], ["-p"]])
    func badArgumentsAreAUsageError(_ arguments: [String]) throws {
        let dir = try TemporaryDirectory("diff-cli")
        let result = try logsplit(arguments, in: dir)
        #expect(result.status == 1, "\(arguments): \(result.stderrText)")
        #expect(!result.stderrText.isEmpty)
        #expect(try DifferentialTree(root: dir.path).entries.isEmpty)
    }

    @Test(arguments: ["-V", "--version"])
    func versionOptionPrintsTheVersionAndExitsZero(_ option: String) throws {
        let result = try logsplit([option], in: try TemporaryDirectory("diff-cli"))
        #expect(result.status == 0, "\(result.stderrText)")
        let text = result.stdoutText + result.stderrText
        #expect(text.hasPrefix("logsplit version "), "\(text)")
    }

    /// `--help` goes to stdout and exits 0 (cronolog: stderr and 1) and documents every option and exit code.
    @Test(arguments: ["-h", "--help"])
    func helpDocumentsEveryOptionAndExitCode(_ option: String) throws {
        let result = try logsplit([option], in: try TemporaryDirectory("diff-cli"))
        #expect(result.status == 0, "\(result.stderrText)")
        let help = result.stdoutText
        for name in [
            "--hardlink", "--symlink", "--link", "--prev-symlink", "--period", "--delay", "--start-time",
            "--time-zone", "--once-only", "--debug", "--american", "--european", "--version", "--help",
            "--root", "--site-field", "--fallback-site", "--max-sites", "--max-open-files", "--line-time",
            "--late-window", "--drain-timeout", "--buffer-size",
            "-H", "-S", "-l", "-P", "-p", "-d", "-s", "-z", "-o", "-x", "-a", "-e", "-V", "-h",
        ] {
            #expect(help.contains(name), "help does not mention \(name)")
        }
        #expect(help.lowercased().contains("exit"), "help does not document exit codes")
        for code in ["0", "1", "2", "4", "5"] {
            #expect(help.contains("  \(code)  ") || help.contains("\(code) "), "help does not document exit code \(code)")
        }
    }

    /// EOF is the normal end: exit 0 (Debian cronolog exits 3). No input, no file (files open lazily).
    @Test func endOfInputExitsZeroAndCreatesNoFileWithoutInputFixingCronologExitThree() throws {
        let dir = try TemporaryDirectory("diff-cli")
        let result = try logsplit([Self.template], input: [], in: dir)
        #expect(result.status == 0, "\(result.stderrText)")
        #expect(try DifferentialTree(root: dir.path).entries.isEmpty)
        let theirs = try cronolog([Self.template], input: [], in: try TemporaryDirectory("diff-cli"))
        #expect(theirs.status == 3)
    }

    /// A last line without a newline is written at EOF, byte for byte (as cronolog does).
    @Test func lastLineWithoutNewlineIsWrittenAtEndOfInputLikeCronolog() throws {
        let input = Array("first line\nlast line without newline".utf8)
        let dir = try TemporaryDirectory("diff-cli")
        let result = try logsplit([Self.template], input: input, in: dir)
        #expect(result.status == 0, "\(result.stderrText)")
        let tree = try DifferentialTree(root: dir.path)
        #expect(Array(tree.files.values) == [input], "\(tree)")
    }

    /// One stats line at exit, in the documented format.
    @Test func printsOneStatsLineAtExit() throws {
        let dir = try TemporaryDirectory("diff-cli")
        let result = try logsplit([Self.template], input: Self.line + Self.line, in: dir)
        #expect(result.status == 0)
        let stats = result.stderrText.split(separator: "\n").filter { $0.hasPrefix("logsplit: stats ") }
        #expect(stats.count == 1, "\(result.stderrText)")
        let fields = stats.first.map { $0.dropFirst("logsplit: stats ".count).split(separator: " ") } ?? []
        // The documented counters, in this order (more may be added between them).
        let keys = fields.map { $0.split(separator: "=").first.map(String.init) ?? "" }
        let documented = [
            "lines", "bytes", "files_opened", "late_lines", "untimed_lines", "long_lines", "write_errors",
            "dropped_lines", "refused_paths", "fallback_sites",
        ]
        #expect(keys.filter { documented.contains($0) } == documented, "\(stats)")
        #expect(fields.allSatisfy { $0.split(separator: "=").last.map { Int($0) != nil } == true }, "\(stats)")
        #expect(fields.first == "lines=2" && fields.dropFirst().first == "bytes=\(2 * Self.line.count)", "\(stats)")
    }

    // MARK: - Long names

    /// Debian cronolog expands into a 1024-byte stack buffer and aborts ("buffer overflow detected") on a
    /// longer name; logsplit writes a long but valid path (here about 1.3 KB).
    @Test func expandedNameOver1024BytesIsWrittenFixingDebianCronologAbort() throws {
        let deep = String(repeating: "abcdefghijklmnopqrstuvwxyz0123456789/", count: 35) + "access_log.%Y%m%d%H"
        let dir = try TemporaryDirectory("diff-cli")
        let result = try logsplit([deep], in: dir)
        #expect(result.status == 0, "\(result.stderrText)")
        let files = try DifferentialTree(root: dir.path).files
        #expect(files.count == 1 && files.values.first == Self.line, "\(files.keys)")
        #expect(files.keys.first.map { $0.utf8.count > 1024 } == true)
        let theirs = try cronolog([deep], in: try TemporaryDirectory("diff-cli"))
        #expect(theirs.status == 128 + SIGABRT, "Debian cronolog handles long names now? \(theirs.status)")
    }

    /// A name the file system cannot take (a 311-byte component) is a usage error at start, with a message
    /// that says why (exit 1, nothing created). cronolog only finds out at the first line: `perror`, exit 2.
    @Test func overLongFileNameComponentIsAUsageErrorAtStart() throws {
        let template = String(repeating: "x", count: 300) + ".%Y%m%d%H"
        let dir = try TemporaryDirectory("diff-cli")
        let result = try logsplit([template], input: Self.line + Self.line, in: dir)
        #expect(result.status == 1, "status \(result.status): \(result.stderrText)")
        #expect(result.stderrText.contains("255"), "the message should give the limit: \(result.stderrText)")
        #expect(try DifferentialTree(root: dir.path).entries.isEmpty)
        let theirs = try cronolog([template], in: try TemporaryDirectory("diff-cli"))
        #expect(theirs.status == 2 && theirs.stderrText.contains("File name too long"), "\(theirs.stderrText)")
    }

    // MARK: - Warnings at start

    /// A period finer than the template's names: consecutive periods share a file. Warned at start, still works.
    @Test(arguments: [
        (["-p", "1hour"], "access_log.%Y%m%d"),
        (["-p", "1day"], "access_log.%Y%m%d%H"),
        (["-p", "15min"], "access_log.%Y%m%d%H"),
        ([], "access_log"),
    ])
    func periodAndTemplateThatDisagreeAreWarnedAtStart(_ options: [String], _ template: String) throws {
        let dir = try TemporaryDirectory("diff-cli")
        let result = try logsplit(options + [template], in: dir)
        #expect(result.status == 0, "\(result.stderrText)")
        #expect(messages(result).contains { $0.contains(template) }, "no warning naming the template: \(result.stderrText)")
        #expect(try DifferentialTree(root: dir.path).files.values.first == Self.line)
    }

    @Test(arguments: ["access_log.%Y%m%d%H", "%Y/%m/%d/access.%H", "access_log.%Y%m%d", "access_log.%Y-W%W"])
    func consistentTemplateStartsWithoutWarnings(_ template: String) throws {
        let result = try logsplit([template], in: try TemporaryDirectory("diff-cli"))
        #expect(result.status == 0)
        #expect(messages(result).isEmpty, "\(result.stderrText)")
    }
}
