import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The handoff to the dumper: while logsplit has a file open it holds flock(LOCK_SH) on it, so
/// `flock(LOCK_EX|LOCK_NB)` fails; at the switch, or by the timer at period end + delay even with no
/// traffic, the file is closed and the exclusive lock succeeds. Short periods keep the tests short.
@Suite
struct SplitterHandoffEndToEndTests {
    /// What a dumper does: try an exclusive lock without waiting.
    private func canLockExclusively(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return flock(fd, LOCK_EX | LOCK_NB) == 0
    }

    /// The one file in `directory`, if there is exactly one.
    private func onlyFile(_ directory: String) -> String? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.count == 1 ? directory + "/" + names[0] : nil
    }

    private func now() -> Double { Date().timeIntervalSince1970 }

    @Test(arguments: [0, 2])
    func currentFileIsLockedUntilPeriodEndPlusDelayEvenWithoutTraffic(delay: Int) throws {
        let dir = try TemporaryDirectory("logsplit-handoff")
        let logs = dir.join("logs")
        var options = ["-p", "5sec"]
        if delay > 0 { options += ["-d", "\(delay)sec"] }
        let splitter = try PipedProcess(Executables.logsplit, options + ["\(logs)/out.%Y%m%d-%H%M%S"])
        let written = time(nil)
        try splitter.write(FaultLines.line(1))
        try pollUntil("the first file", timeout: 30) { onlyFile(logs) != nil }
        let file = try #require(onlyFile(logs))
        // Still in its period (the 5-second periods start at multiples of 5 s).
        let periodEnd = Double(written - written % 5 + 5)
        if now() < periodEnd - 0.2 {
            #expect(!canLockExclusively(file), "the current file is not locked")
        }
        try pollUntil("the lock on \(file) to be released", timeout: 30) { canLockExclusively(file) }
        let released = now()

        #expect(released >= periodEnd + Double(delay) - 0.05, "released \(released - periodEnd) s after the period ended")
        #expect(splitter.isRunning)
        try splitter.write(FaultLines.line(2))
        try splitter.closeInput()
        #expect(try splitter.waitForExit() == 0)
        #expect(try WrittenLogs(directory: logs).sequence { FaultLines.number($0) }.problems(expecting: 1...2) == nil)
    }

    /// With --line-time a file also waits out the late window (lines of slow requests still come).
    @Test func lineTimeFileIsLockedThroughTheLateWindow() throws {
        let dir = try TemporaryDirectory("logsplit-handoff-late")
        let logs = dir.join("logs")
        let splitter = try PipedProcess(Executables.logsplit, [
            "--line-time", "--late-window", "3sec", "-p", "5sec", "\(logs)/out.%Y%m%d-%H%M%S",
        ])
        let written = time(nil)
        var parts = tm()
        var clock = written
        localtime_r(&clock, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "[%d/%b/%Y:%H:%M:%S %z]", &parts)
        let stamp = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        try splitter.write("127.0.0.1 - - \(stamp) \"GET /seq/1 HTTP/1.1\" 404 1 \"-\" \"t\"\n")
        try pollUntil("the first file", timeout: 30) { onlyFile(logs) != nil }
        let file = try #require(onlyFile(logs))
        let periodEnd = Double(written - written % 5 + 5)
        try pollUntil("the lock on \(file) to be released", timeout: 30) { canLockExclusively(file) }
        let released = now()

        #expect(released >= periodEnd + 3 - 0.05, "released \(released - periodEnd) s after the period ended")
        try splitter.closeInput()
        #expect(try splitter.waitForExit() == 0)
    }
}
