import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `--line-time`: a line goes to the file of its own `[%t]` (the request start), not of its arrival
/// (the request end); a line too late for its closed file, without a time, or from the future goes to
/// the arrival-time file and is counted.
@Suite(.serialized)
struct SplitterLineTimeEndToEndTests {
    /// `[26/Nov/2026:14:10:31 +0800]` for `instant`, written with the given UTC offset in seconds.
    private func apacheTime(_ instant: time_t, offset: Int) -> String {
        var shifted = instant + time_t(offset)
        var parts = tm()
        gmtime_r(&shifted, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%d/%b/%Y:%H:%M:%S", &parts)
        let sign = offset < 0 ? "-" : "+"
        let hours = abs(offset) / 3600, minutes = abs(offset) % 3600 / 60
        let zone = sign + String(format: "%02d%02d", hours, minutes)
        return "[" + String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) + " " + zone + "]"
    }

    private func localName(_ format: String, _ instant: time_t) -> String {
        var t = instant
        var parts = tm()
        localtime_r(&t, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, format, &parts)
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    @Test func linesGoToTheFileOfTheirOwnTimeWithinTheLateWindow() throws {
        // Stay clear of a minute boundary while the lines are written.
        while time(nil) % 60 > 50 { usleep(200_000) }
        let dir = try TemporaryDirectory("logsplit-line-time")
        let logs = dir.join("logs")
        let now = time(nil)
        let local = Int(localtimeOffset(now))
        func line(_ n: Int, _ stamp: String) -> String { "127.0.0.1 - - \(stamp) \"GET /seq/\(n) HTTP/1.1\" 404 1 \"-\" \"t\"\n" }
        let input = [
            line(1, apacheTime(now, offset: local)),
            line(2, apacheTime(now - 120, offset: local)),  // 2 min ago: its file is within the 5 min window
            line(3, apacheTime(now - 120, offset: 8 * 3600)),  // the same instant written in +0800
            line(4, apacheTime(now - 600, offset: local)),  // 10 min ago: too late
            line(5, "[no time here]"),
            line(6, apacheTime(now + 3600, offset: local)),  // an hour in the future
        ].joined()
        let run = try PipedProcess.run(Executables.logsplit, ["--line-time", "\(logs)/out.%Y%m%d%H%M"], input: input)

        #expect(run.status == 0, "\(run.stderr)")
        let logsNow = try WrittenLogs(directory: logs)
        func numbers(in name: String) -> [Int] {
            (logsNow.files[name] ?? "").split(separator: "\n").compactMap { line in
                line.range(of: "/seq/").flatMap { Int(line[$0.upperBound...].prefix { $0.isNumber }) }
            }.sorted()
        }
        let current = "out." + localName("%Y%m%d%H%M", now)
        let twoAgo = "out." + localName("%Y%m%d%H%M", now - 120)
        #expect(numbers(in: twoAgo) == [2, 3], "\(logsNow.files.keys.sorted())")
        #expect(numbers(in: current) == [1, 4, 5, 6], "\(logsNow.files.keys.sorted())")
        #expect(logsNow.files.count == 2)
        let late = logsplitStat("late_lines", in: run.stderr) ?? 0, untimed = logsplitStat("untimed_lines", in: run.stderr) ?? 0
        #expect(late >= 1 && untimed >= 1 && late + untimed == 3, "late \(late), untimed \(untimed)")
    }

    /// Through a real Apache: a slow request's line carries its start time but arrives seconds later.
    /// With per-second files, --line-time puts every line, the slow one included, in the file of its %t.
    @Test func slowApacheRequestIsFiledByItsStartTime() throws {
        let server = try ApacheServer(label: "line-time")
        defer { server.stopQuietly() }
        try server.start(
            pipedLogger: "\(Executables.logsplit) --line-time --drain-timeout 30sec \(server.logsDirectory)/access_log.%H%M%S",
            readyLogger: Executables.logsplit)
        let requests = try ApacheRequests(server)
        let slow = try requests.startSlow(1001, seconds: 3)
        _ = try requests.get(1...20)
        usleep(1_100_000)
        _ = try requests.get(21...40)
        #expect(try slow.waitForExit(timeout: 60) == 0)
        try server.stop()
        try server.waitForLoggersToExit(program: Executables.logsplit)

        let logs = try WrittenLogs(directory: server.logsDirectory)
        #expect(logs.apacheSequence().problems(expecting: Array(1...40) + [1001]) == nil)
        var misfiled: [String] = []
        for (name, text) in logs.files {
            for line in text.split(separator: "\n") {
                // [26/Nov/2026:15:20:39 +0000] → 152039
                guard let open = line.firstIndex(of: "[") else { misfiled.append(String(line)); continue }
                let clock = line[line.index(open, offsetBy: 13)...].prefix(8).replacingOccurrences(of: ":", with: "")
                if name != "access_log." + clock { misfiled.append("\(name): \(line)") }
            }
        }
        #expect(misfiled.isEmpty, "\(misfiled)")
    }
}

/// The local zone's offset from UTC at `instant`, in seconds.
private func localtimeOffset(_ instant: time_t) -> Int {
    var t = instant
    var parts = tm()
    localtime_r(&t, &parts)
    return parts.tm_gmtoff
}
