import Foundation
import Testing

/// The two programs the differential suite compares.
enum DifferentialProgram: String, Sendable, CaseIterable {
    case cronolog
    case logsplit

    /// `LOGSPLIT_DIFF_SELF_CHECK=1` runs cronolog in logsplit's place: a harness check proving that the
    /// stepped fake clock makes two runs identical (tests of logsplit's own fixes then fail, as they should).
    static var selfCheck: Bool { ProcessInfo.processInfo.environment["LOGSPLIT_DIFF_SELF_CHECK"] == "1" }

    /// The exit status at EOF: cronolog exits 3 (Debian 1.6.2), logsplit 0 (a deliberate difference).
    var statusAtEOF: Int32 { self == .cronolog || Self.selfCheck ? 3 : 0 }

    /// How many bytes of an unfinished line the program may hold without writing them.
    var partialLineHeld: Int { self == .cronolog || Self.selfCheck ? 0 : 256 * 1024 }

    func executable() throws -> String {
        switch self {
        case .cronolog:
            return try Executables.system("cronolog", package: "cronolog")
        case .logsplit:
            if Self.selfCheck { return try Executables.system("cronolog", package: "cronolog") }
            let path = Executables.logsplit
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw DifferentialFailure("logsplit is not built at \(path) (swift build --product logsplit)")
            }
            return path
        }
    }
}

/// What one program did with one schedule.
struct DifferentialOutcome: Sendable {
    let program: DifferentialProgram
    let tree: DifferentialTree
    let status: Int32
    let stderr: String
}

enum DifferentialRunner {
    /// Runs `program` under a fake clock stepped through `schedule`, waiting for each complete line to land
    /// on disk before moving the clock; then closes stdin and snapshots the output tree. `arguments` end
    /// with the template, relative to the output directory (the child's working directory); `$OUT` in an
    /// argument is replaced by that directory's absolute path. `prepare` may lay out files first;
    /// `umask` (octal text) is set for the child by a `/bin/sh` that then execs it.
    static func run(
        _ program: DifferentialProgram, arguments: [String], schedule: DifferentialSchedule,
        timeZone: String? = nil, umask: String? = nil, prepare: ((String) throws -> Void)? = nil,
        stepTimeout: TimeInterval = 20
    ) throws -> DifferentialOutcome {
        // libfaketime parses its time with glibc's mktime() in its constructor, which loads the zone of the
        // environment before cronolog's -z putenv("TZ=…"); cronolog's next localtime_r() does not reload it,
        // so its first period would be cut in the wrong zone (an artifact: real cronolog has loaded nothing
        // before -z). So the environment names the -z zone too, as if nothing had been loaded.
        // expectSameOutput also runs logsplit with -z alone, to show -z itself works.
        let timeZone = timeZone ?? Self.zoneOption(in: arguments) ?? "UTC"
        let scratch = try TemporaryDirectory("diff-\(program.rawValue)")
        let out = scratch.join("out")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: false)
        try prepare?(out)
        let clock = try FaketimeClock(file: scratch.join("clock"), start: schedule.startTime)
        var executable = try program.executable()
        var argv = arguments.map { $0.replacingOccurrences(of: "$OUT", with: out) }
        if let umask {
            argv = ["-c", "umask \(umask) && exec \"$0\" \"$@\"", executable] + argv
            executable = "/bin/sh"
        }
        let child = try DifferentialProcess(
            label: program.rawValue, executable: executable, arguments: argv,
            environment: try clock.environment(timeZone: timeZone), currentDirectory: out,
            logDirectory: scratch.path)
        defer { if child.isRunning { child.send(SIGKILL) } }

        var written = DifferentialTree.storedBytes(root: out)
        for (index, step) in schedule.steps.enumerated() {
            if step.time != clock.now { try clock.set(step.time) }
            try child.write(step.bytes)
            written += step.bytes.count
            func context() -> String {
                "\(program.rawValue) \(arguments.joined(separator: " ")): step \(index) at "
                    + "\(Faketime.utcText(step.time)): expected \(written) B stored, have "
                    + "\(DifferentialTree.storedBytes(root: out)) B; running=\(child.isRunning); stderr: \(child.stderrText)"
            }
            if step.completesLine {
                let landed = differentialPoll(timeout: stepTimeout) {
                    DifferentialTree.storedBytes(root: out) >= written || !child.isRunning
                }
                guard landed, child.isRunning else { throw DifferentialFailure("line did not land: " + context()) }
            } else {
                // A partial line: wait until it was read and stored as far as the program stores partial
                // lines (cronolog: every byte it read; logsplit holds up to its 256 KiB buffer), so the clock
                // moves only after the program has looked at it, however loaded the machine is.
                guard differentialPoll(timeout: stepTimeout, { child.unreadInput == 0 || !child.isRunning }),
                      child.isRunning
                else { throw DifferentialFailure("partial line not read: " + context()) }
                let stored = differentialPoll(timeout: stepTimeout) {
                    DifferentialTree.storedBytes(root: out) >= written - program.partialLineHeld || !child.isRunning
                }
                guard stored, child.isRunning else { throw DifferentialFailure("partial line not stored: " + context()) }
                usleep(50_000)
            }
        }
        try child.closeInput()
        let status = try child.waitForExit(timeout: 30)
        return DifferentialOutcome(
            program: program, tree: try DifferentialTree(root: out), status: status, stderr: child.stderrText)
    }

    /// The zone given with `-z ZONE`, `-zZONE` or `--time-zone=ZONE`, if any.
    static func zoneOption(in arguments: [String]) -> String? {
        var zone: String?
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            if argument == "-z" || argument == "--time-zone" { zone = iterator.next() }
            else if argument.hasPrefix("--time-zone=") { zone = String(argument.dropFirst("--time-zone=".count)) }
            else if argument.hasPrefix("-z") { zone = String(argument.dropFirst(2)) }
        }
        return zone
    }

    /// Runs both programs on the same schedule and checks what the two must agree on:
    /// - every line stored exactly once by each (line-by-line check of sequence numbers),
    /// - identical trees (names, bytes, modes, symlink targets, hard links), except `ignoring`,
    /// - `expected` (file → sequence numbers), when given, for cronolog's tree, so the suite does not
    ///   merely check that both programs agree but also what they agree on,
    /// - cronolog exits 3 at EOF (Debian), logsplit 0 (a deliberate difference).
    @discardableResult
    static func expectSameOutput(
        _ arguments: [String], schedule: DifferentialSchedule, timeZone: String? = nil, umask: String? = nil,
        prepare: ((String) throws -> Void)? = nil, ignoring: Set<String> = [], expected: [String: [Int]]? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> (cronolog: DifferentialOutcome, logsplit: DifferentialOutcome) {
        let theirs = try run(
            .cronolog, arguments: arguments, schedule: schedule, timeZone: timeZone, umask: umask, prepare: prepare)
        let ours = try run(
            .logsplit, arguments: arguments, schedule: schedule, timeZone: timeZone, umask: umask, prepare: prepare)
        let all = Array(1...schedule.lastSequence)
        #expect(theirs.tree.allSequences.sorted() == all, "cronolog lost or repeated lines:\n\(theirs.tree)",
                sourceLocation: sourceLocation)
        #expect(ours.tree.allSequences.sorted() == all, "logsplit lost or repeated lines:\n\(ours.tree)",
                sourceLocation: sourceLocation)
        let a = ours.tree.removing(ignoring), b = theirs.tree.removing(ignoring)
        #expect(a == b, "logsplit differs from cronolog (\(arguments.joined(separator: " "))):\n\(a.differences(from: b))",
                sourceLocation: sourceLocation)
        if zoneOption(in: arguments) != nil && !DifferentialProgram.selfCheck {  // cronolog has the artifact
            let alone = try run(
                .logsplit, arguments: arguments, schedule: schedule, timeZone: timeZone ?? "UTC", umask: umask,
                prepare: prepare)
            let difference = alone.tree.differences(from: ours.tree, ours: "-z alone", theirs: "-z and TZ")
            #expect(alone.tree == ours.tree, "logsplit with -z and TZ=\(timeZone ?? "UTC") differs:\n\(difference)",
                    sourceLocation: sourceLocation)
        }
        if let expected {
            let got = b.sequencesByFile
            #expect(got == expected, "cronolog's files are not the expected ones:\n\(b)", sourceLocation: sourceLocation)
        }
        #expect(theirs.status == DifferentialProgram.cronolog.statusAtEOF,
                "cronolog exit status \(theirs.status): \(theirs.stderr)", sourceLocation: sourceLocation)
        #expect(ours.status == DifferentialProgram.logsplit.statusAtEOF, "logsplit exit status \(ours.status): \(ours.stderr)", sourceLocation: sourceLocation)
        return (theirs, ours)
    }
}
