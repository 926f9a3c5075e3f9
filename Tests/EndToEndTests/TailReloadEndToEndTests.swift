import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A running `logdump tail` whose configuration file is edited: it reloads it by itself (no SIGHUP), the lines
/// after the edit reach a real rsyslog with the new facility, none before or after is lost; its Prometheus
/// textfile appears beside `run`'s with the acknowledged lines counted, and `status` shows the counters.
@Suite(.serialized) struct TailReloadEndToEndTests {
    func append(_ world: DumpWorld, _ name: String, lines: Range<Int>) throws -> [String] {
        let generated = lines.map { "c1 www \(name) seq=\($0) " + String(repeating: "y", count: 60) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: world.logPath("c1", "www", name)))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(generated.map { $0 + "\n" }.joined().utf8))
        try handle.close()
        return generated
    }

    /// The raw RFC 5424 lines the receiver wrote.
    func received(_ receiver: TailReceiver) -> [String] {
        guard let data = FileManager.default.contents(atPath: receiver.receivedFile) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    static func wait(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(100_000)
        }
        return condition()
    }

    @Test(.timeLimit(.minutes(10)))
    func editingTheConfigFileOfARunningTailReloadsItAndTheTextfileCountsTheAcknowledgedLines() throws {
        let receiver = try TailReceiver(name: "reload")
        let world = try DumpWorld()
        let metrics = world.root + "/metrics"
        try FileManager.default.createDirectory(atPath: metrics, withIntermediateDirectories: true)
        try world.setConfig("metrics", "textfile", "\"\(metrics)/logdump.prom\"")
        try world.setConfig("tail", "receiver", "\"relp://127.0.0.1:\(receiver.relpPort)\"")
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        let name = String(format: "access_log.%04d%02d%02d%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                          Int(parts.tm_mday), Int(parts.tm_hour))
        let first = try world.writeLog("c1", "www", name, lines: 0..<50, padding: 60)

        let log = world.root + "/tail.log"
        FileManager.default.createFile(atPath: log, contents: nil)
        let tail = Process()
        tail.executableURL = URL(fileURLWithPath: Executables.logdump)
        tail.arguments = ["tail", "--config", world.configPath]
        tail.standardInput = FileHandle.nullDevice
        tail.standardOutput = FileHandle.nullDevice
        tail.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try tail.run()
        defer { if tail.isRunning { kill(tail.processIdentifier, SIGKILL) } }
        func logText() -> String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

        #expect(Self.wait(30) { received(receiver).count >= 50 }, "before the edit: \(logText())")
        // Foundation writes a temporary file and renames it over the config: the editor's way.
        try world.setConfig("tail", "facility", "\"local5\"")
        let reloaded = Self.wait(30) { logText().contains("configuration reloaded") }
        #expect(reloaded, "\(logText())")
        let second = try append(world, name, lines: 50..<80)
        #expect(Self.wait(30) { received(receiver).count >= 80 }, "after the edit: \(logText())")
        let textfile = metrics + "/logdump-tail.prom"
        #expect(Self.wait(15) { FileManager.default.fileExists(atPath: textfile) }, "\(logText())")

        kill(tail.processIdentifier, SIGTERM)
        tail.waitUntilExit()
        #expect(tail.terminationStatus == 0, "\(logText())")
        #expect(logText().contains("\(world.configPath) changed: reloading"), "\(logText())")

        let raw = received(receiver)
        let texts = raw.compactMap { TailReceiver.parse(Array($0.utf8))?.message }
        #expect(texts == first + second, "every line once, in order, across the reload")
        #expect(raw.prefix(50).allSatisfy { $0.hasPrefix("<134>") }, "local0.info before the edit")
        #expect(raw.dropFirst(50).allSatisfy { $0.hasPrefix("<174>") }, "local5.info after it: \(raw.dropFirst(50).first ?? "")")

        let prom = try String(contentsOfFile: textfile, encoding: .utf8)
        let acknowledged = prom.split(separator: "\n").first { $0.hasPrefix("logdump_tail_lines_acknowledged_total{") }
        #expect(acknowledged?.hasSuffix(" 80") == true, "\(prom)")
        #expect(prom.contains("# TYPE logdump_tail_lines_acknowledged_total counter"))
        #expect(prom.contains("logdump_tail_lag_bytes{host=\"e2e\",container=\"c1\",site=\"www\",file=\"\(name)\"} 0"), "\(prom)")

        let status = try world.logdump(["status"])
        #expect(status.stdoutText.contains("TAIL WAIT") && status.stdoutText.contains("80 acknowledged"), "\(status.stdoutText)")
    }
}
