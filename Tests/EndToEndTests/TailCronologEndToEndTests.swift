import Foundation
import RsyslogTestSupport
import Testing

/// Hour files written by the plain cronolog (no lock held, a last line it never ended) are followed by the real
/// `logdump tail` like logsplit's: the time rules of `run` (period end + grace, quiet) close them, every line
/// reaches a real rsyslog once, in order, the unended last line too, and the file is finished in the checkpoint.
@Suite struct TailCronologEndToEndTests {
    @Test(.timeLimit(.minutes(10)))
    func hourFilesOfThePlainCronologAreStreamedToTheirEndByTheTimeRules() throws {
        let cronolog = try Executables.system("cronolog", package: "cronolog")
        let faketime = try Executables.system("faketime", package: "faketime")
        let receiver = try RsyslogTestServer(name: "tail-cronolog")
        let world = try DumpWorld()  // access_log.%Y%m%d%H, hourly
        try world.setConfig("tail", "receiver", "\"\(receiver.receiverURL(.relp))\"")
        try world.setConfig("tail", "rescan_seconds", "2")

        // cronolog writes an hour long past (libfaketime), so its file is closed by time alone.
        let lines = (0..<3000).map { "cronolog c1 www seq=\($0) " + String(repeating: "x", count: 60) }
        let unended = "the last line, never ended"
        let input = lines.map { $0 + "\n" }.joined() + unended
        let written = try runProcess(faketime, ["2026-11-20 10:30:00", cronolog, world.sources + "/c1/weblogs/www/access_log.%Y%m%d%H"],
                                     input: Data(input.utf8), environment: ["TZ": "UTC"])
        #expect(written.status == 0 || written.status == 3, "cronolog: \(written.stderrText)")  // Debian's exits 3 at EOF
        let path = world.logPath("c1", "www", "access_log.2026112010")
        #expect(FileManager.default.fileExists(atPath: path), "cronolog did not write \(path)")

        let tail = try TailProcess(configPath: world.configPath, logPath: world.root + "/tail.log")
        TailProcess.waitUntil(30) { TailProcess.finishedFiles(stateDirectory: world.state).contains(path) }
        let status = tail.stop()

        let received = TailReceivedMessage.all(receiver).filter { $0.key.file == "access_log.2026112010" }
            .map { String(decoding: $0.message, as: UTF8.self) }
        #expect(received == lines + [unended], "\(received.count) messages for \(lines.count + 1) lines")
        #expect(TailProcess.finishedFiles(stateDirectory: world.state).contains(path), "not finished in the checkpoint:\n\(tail.log)")
        #expect(status == 0, "tail exited \(status):\n\(tail.log)")
    }
}
