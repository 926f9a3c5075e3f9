import Foundation
import Testing

/// Signals as Apache and operators send them: SIGTERM (graceful restart, stop), SIGINT, SIGHUP make
/// logsplit read on until EOF, bounded by --drain-timeout; SIGUSR1 prints the counters.
@Suite
struct SplitterSignalEndToEndTests {
    private func lines(_ directory: String) throws -> SequenceReport {
        try WrittenLogs(directory: directory).sequence { FaultLines.number($0) }
    }

    @Test(arguments: [SIGTERM, SIGINT, SIGHUP])
    func terminationSignalKeepsReadingUntilEndOfInput(signal: Int32) throws {
        let dir = try TemporaryDirectory("logsplit-sigterm")
        let logs = dir.join("logs")
        let splitter = try PipedProcess(Executables.logsplit, ["\(logs)/out.%Y%m%d"])
        try splitter.write(FaultLines.text(1...100))
        try pollUntil("100 lines", timeout: 30) { try lines(logs).counts.count == 100 }
        splitter.send(signal)
        usleep(300_000)
        #expect(splitter.isRunning, "logsplit exited on signal \(signal) with input still open")
        // An old Apache child finishing its request after the graceful restart:
        try splitter.write(FaultLines.text(101...200))
        try pollUntil("200 lines", timeout: 30) { try lines(logs).counts.count == 200 }
        try splitter.closeInput()
        let status = try splitter.waitForExit(timeout: 30)

        #expect(status == 0, "\(splitter.stderrText)")
        #expect(try lines(logs).problems(expecting: 1...200) == nil)
        #expect(logsplitStat("lines", in: splitter.stderrText) == 200)
    }

    @Test func drainTimeoutEndsTheDrainWhenInputStaysOpen() throws {
        let dir = try TemporaryDirectory("logsplit-drain-timeout")
        let logs = dir.join("logs")
        let splitter = try PipedProcess(Executables.logsplit, ["--drain-timeout", "2sec", "\(logs)/out.%Y%m%d"])
        try splitter.write(FaultLines.text(1...100))
        try pollUntil("100 lines", timeout: 30) { try lines(logs).counts.count == 100 }
        splitter.send(SIGTERM)
        try splitter.write(FaultLines.text(101...150))
        // stdin stays open (a stuck writer): the deadline, not EOF, ends logsplit.
        let status = try splitter.waitForExit(timeout: 30)
        try splitter.closeInput()

        #expect(status == 0, "\(splitter.stderrText)")
        #expect(try lines(logs).problems(expecting: 1...150) == nil)
    }

    @Test func usr1PrintsTheCountersAndKeepsRunning() throws {
        let dir = try TemporaryDirectory("logsplit-usr1")
        let logs = dir.join("logs")
        let splitter = try PipedProcess(Executables.logsplit, ["\(logs)/out.%Y%m%d"])
        try splitter.write(FaultLines.text(1...50))
        try pollUntil("50 lines", timeout: 30) { try lines(logs).counts.count == 50 }
        splitter.send(SIGUSR1)
        try pollUntil("the stats line", timeout: 30) { splitter.stderrText.contains("logsplit: stats lines=50 ") }
        #expect(splitter.isRunning)
        let stats = splitter.stderrText.split(separator: "\n").first { $0.hasPrefix("logsplit: stats ") } ?? ""
        for key in ["lines", "bytes", "files_opened", "late_lines", "untimed_lines", "long_lines", "write_errors",
                    "dropped_lines", "refused_paths", "fallback_sites"] {
            #expect(stats.contains(" \(key)="), "\(key) missing from: \(stats)")
        }
        #expect(logsplitStat("bytes", in: splitter.stderrText) == 5000)
        try splitter.write(FaultLines.text(51...60))
        try splitter.closeInput()
        #expect(try splitter.waitForExit() == 0)
        #expect(logsplitStat("lines", in: splitter.stderrText) == 60)
    }
}

/// Installed as `cronolog` (the drop-in), logsplit gets its signal handlers as early as under its own name:
/// they come from the executable's .preinit_array, not from a check of argv[0].
@Suite(.serialized)
struct SplitterEarlySignalTests {
    @Test(.timeLimit(.minutes(10)))
    func aSigtermTenToTwentyMillisecondsAfterExecThroughACronologSymlinkLosesNothing() throws {
        let dir = try TemporaryDirectory("logsplit-early-sigterm")
        let cronolog = dir.join("cronolog")
        try FileManager.default.createSymbolicLink(atPath: cronolog, withDestinationPath: Executables.logsplit)
        var killed: [Int] = []
        for attempt in 0..<12 {
            let delay = 10_000 + attempt * 10_000 / 11  // 10 ms ... 20 ms
            let logs = dir.join("logs\(attempt)")
            let splitter = try PipedProcess(cronolog, ["\(logs)/out.%Y%m%d"])
            usleep(UInt32(delay))
            splitter.send(SIGTERM)
            try? splitter.write(FaultLines.text(1...50))
            try? splitter.closeInput()
            let status = try splitter.waitForExit(timeout: 30)
            if status != 0 {
                killed.append(delay / 1000)
                continue
            }
            #expect(try WrittenLogs(directory: logs).sequence { FaultLines.number($0) }.problems(expecting: 1...50) == nil)
        }
        #expect(killed.isEmpty, "logsplit named cronolog died from SIGTERM sent \(killed) ms after exec")
    }

    @Test func theHandlersAreInPlaceBeforeMainWhateverTheProgramIsCalled() throws {
        let dir = try TemporaryDirectory("logsplit-early-name")
        for name in ["cronolog", "logsplit", "x"] {
            let link = dir.join(name)
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: Executables.logsplit)
            // main checks that the .preinit_array hook ran and traps otherwise.
            let result = try runProcess(link, ["--version"])
            #expect(result.status == 0, "\(name): \(result.stderrText)")
        }
    }
}
