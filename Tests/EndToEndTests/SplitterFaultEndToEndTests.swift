import Foundation
import Testing

/// Real write faults under a running logsplit (EFBIG, ENOSPC, EPERM), then recovery: input is still
/// read, whole lines wait in memory, and after recovery every line is written exactly once, with no
/// torn line, one message per episode, and the counters right.
@Suite(.serialized)
struct SplitterFaultEndToEndTests {
    private func written(_ directory: String) throws -> WrittenLogs { try WrittenLogs(directory: directory) }

    private func waitForLines(_ count: Int, in directory: String, timeout: Double = 60) throws {
        try pollUntil("\(count) lines in \(directory)", timeout: timeout) {
            try written(directory).sequence { FaultLines.number($0) }.counts.count >= count
        }
    }

    @Test func fileSizeLimitHoldsLinesUntilRaisedThenWritesThemWhole() throws {
        let dir = try TemporaryDirectory("logsplit-efbig")
        let logs = dir.join("logs")
        let splitter = try PipedProcess(Executables.logsplit, ["\(logs)/out.%Y%m%d"])
        try splitter.write(FaultLines.text(1...200))
        try waitForLines(200, in: logs)
        let size = try written(logs).files.values.reduce(0) { $0 + $1.utf8.count }
        // The limit falls in the middle of a line: the write that crosses it is short (a torn line).
        try FaultInjection.limitFileSize(of: splitter.pid, to: size + 250)
        try splitter.write(FaultLines.text(201...600))
        try pollUntil("the EFBIG report", timeout: 30) { splitter.stderrText.contains("File too large") }
        try FaultInjection.limitFileSize(of: splitter.pid, to: nil)
        try splitter.write(FaultLines.text(601...700))
        try waitForLines(700, in: logs)
        try splitter.closeInput()
        let status = try splitter.waitForExit()

        let logsNow = try written(logs)
        let problems = logsNow.sequence { FaultLines.number($0) }.problems(expecting: 1...700)
        #expect(problems == nil, "\(problems ?? "")")
        #expect(logsNow.unterminatedFiles.isEmpty)
        #expect(status == 0, "\(splitter.stderrText)")
        let stderr = splitter.stderrText
        #expect(stderr.components(separatedBy: "File too large").count - 1 == 1, "one report per episode:\n\(stderr)")
        #expect(logsplitStat("lines", in: stderr) == 700)
        #expect((logsplitStat("write_errors", in: stderr) ?? 0) >= 1)
        #expect(logsplitStat("dropped_lines", in: stderr) == 0)
    }

    @Test func fullFilesystemHoldsLinesUntilItGrowsThenWritesThemWhole() throws {
        let dir = try TemporaryDirectory("logsplit-enospc")
        let disk = try FaultTmpfs(at: dir.join("disk"), bytes: 256 * 1024)
        defer { disk.unmount() }
        let logs = disk.path + "/logs"
        let splitter = try PipedProcess(Executables.logsplit, ["\(logs)/out.%Y%m%d"])
        try splitter.write(FaultLines.text(1...4000))  // 400 KB into 256 KiB
        try pollUntil("the ENOSPC report", timeout: 30) { splitter.stderrText.contains("No space left") }
        try disk.resize(to: 4 << 20)
        try splitter.write(FaultLines.text(4001...4100))
        try waitForLines(4100, in: logs)
        try splitter.closeInput()
        let status = try splitter.waitForExit()

        let logsNow = try written(logs)
        let problems = logsNow.sequence { FaultLines.number($0) }.problems(expecting: 1...4100)
        #expect(problems == nil, "\(problems ?? "")")
        #expect(logsNow.unterminatedFiles.isEmpty)
        #expect(status == 0, "\(splitter.stderrText)")
        let stderr = splitter.stderrText
        #expect(stderr.components(separatedBy: "No space left").count - 1 == 1, "one report per episode:\n\(stderr)")
        #expect(logsplitStat("dropped_lines", in: stderr) == 0)
    }

    @Test func immutableFileRefusesWritesUntilReleased() throws {
        let dir = try TemporaryDirectory("logsplit-eperm")
        let logs = dir.join("logs")
        let splitter = try PipedProcess(Executables.logsplit, ["\(logs)/out.%Y%m%d"])
        try splitter.write(FaultLines.text(1...100))
        try waitForLines(100, in: logs)
        let file = try #require(written(logs).files.keys.first)
        try FaultInjection.setImmutable(logs + "/" + file, true)
        defer { try? FaultInjection.setImmutable(logs + "/" + file, false) }
        try splitter.write(FaultLines.text(101...300))
        try pollUntil("the EPERM report", timeout: 30) { splitter.stderrText.contains("Operation not permitted") }
        try FaultInjection.setImmutable(logs + "/" + file, false)
        try waitForLines(300, in: logs)
        try splitter.closeInput()
        let status = try splitter.waitForExit()

        let logsNow = try written(logs)
        let problems = logsNow.sequence { FaultLines.number($0) }.problems(expecting: 1...300)
        #expect(problems == nil, "\(problems ?? "")")
        #expect(status == 0, "\(splitter.stderrText)")
        #expect(logsplitStat("dropped_lines", in: splitter.stderrText) == 0)
    }

    /// A new site's directory cannot be created in an immutable root: its lines wait, the other site's
    /// lines keep flowing, and once the root is writable again the waiting lines are written.
    @Test func immutableRootRefusesNewFilesUntilReleased() throws {
        let dir = try TemporaryDirectory("logsplit-eperm-root")
        let logs = dir.join("logs")
        let splitter = try PipedProcess(Executables.logsplit, ["--site-field", "\(logs)/{site}/out.%Y%m%d"])
        let first = FaultLines.text(1...100).split(separator: "\n").map { "alpha \($0)\n" }.joined()
        try splitter.write(first)
        try waitForLines(100, in: logs)
        try FaultInjection.setImmutable(logs, true)
        defer { try? FaultInjection.setImmutable(logs, false) }
        let second = FaultLines.text(101...200).split(separator: "\n").map { "beta \($0)\n" }.joined()
        try splitter.write(second)
        try pollUntil("the EPERM report", timeout: 30) { splitter.stderrText.contains("Operation not permitted") }
        try FaultInjection.setImmutable(logs, false)
        try waitForLines(200, in: logs)
        try splitter.closeInput()
        let status = try splitter.waitForExit()

        let logsNow = try written(logs)
        let problems = logsNow.sequence { FaultLines.number($0) }.problems(expecting: 1...200)
        #expect(problems == nil, "\(problems ?? "")")
        #expect(Set(logsNow.files.keys.map { $0.split(separator: "/").first.map(String.init) ?? "" }) == ["alpha", "beta"])
        #expect(status == 0, "\(splitter.stderrText)")
    }

    /// With a small --buffer-size and a fault that lasts, the oldest lines are kept, the newest are
    /// dropped, and the drop is counted exactly: written + dropped = sent; exit status 5.
    @Test func fullBufferDropsNewestLinesAndCountsThemExactly() throws {
        let dir = try TemporaryDirectory("logsplit-dropped")
        let logs = dir.join("logs")
        let splitter = try PipedProcess(Executables.logsplit, ["--buffer-size", "64K", "\(logs)/out.%Y%m%d"])
        try splitter.write(FaultLines.text(1...10))
        try waitForLines(10, in: logs)
        try FaultInjection.limitFileSize(of: splitter.pid, to: 1000)
        try splitter.write(FaultLines.text(11...3000))  // 300 KB against a 64 KiB buffer
        try pollUntil("the EFBIG report", timeout: 30) { splitter.stderrText.contains("File too large") }
        usleep(500_000)
        try FaultInjection.limitFileSize(of: splitter.pid, to: nil)
        try splitter.write(FaultLines.text(3001...3010))
        try pollUntil("the last line written", timeout: 60) {
            try written(logs).sequence { FaultLines.number($0) }.counts[3010] != nil
        }
        try splitter.closeInput()
        let status = try splitter.waitForExit()

        let report = try written(logs).sequence { FaultLines.number($0) }
        #expect(report.malformed.isEmpty, "\(report.malformed.prefix(3))")
        #expect(report.counts.values.allSatisfy { $0 == 1 })
        let dropped = try #require(logsplitStat("dropped_lines", in: splitter.stderrText), "\(splitter.stderrText)")
        #expect(dropped > 0)
        #expect(report.counts.count + dropped == 3010, "written \(report.counts.count) + dropped \(dropped)")
        // The oldest lines are kept: what is missing is one run in the middle.
        let missing = (1...3010).filter { report.counts[$0] == nil }
        #expect(missing.isEmpty || missing.last! - missing.first! + 1 == missing.count)
        #expect(status == 5)
    }

    /// A fault that outlasts the input: after EOF the held lines are retried until --drain-timeout,
    /// then counted as dropped, and the exit status says so (5).
    @Test func faultLastingPastEndOfInputEndsWithDroppedLinesCounted() throws {
        let dir = try TemporaryDirectory("logsplit-fault-eof")
        let logs = dir.join("logs")
        let splitter = try PipedProcess(Executables.logsplit, ["--drain-timeout", "3sec", "\(logs)/out.%Y%m%d"])
        try splitter.write(FaultLines.text(1...100))
        try waitForLines(100, in: logs)
        let file = try #require(written(logs).files.keys.first)
        try FaultInjection.setImmutable(logs + "/" + file, true)
        defer { try? FaultInjection.setImmutable(logs + "/" + file, false) }
        try splitter.write(FaultLines.text(101...150))
        try splitter.closeInput()
        let status = try splitter.waitForExit(timeout: 60)

        #expect(status == 5, "\(splitter.stderrText)")
        #expect(logsplitStat("dropped_lines", in: splitter.stderrText) == 50)
        let report = try written(logs).sequence { FaultLines.number($0) }
        #expect(report.problems(expecting: 1...100) == nil)
    }
}
