import Foundation
import RsyslogTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The real `logdump tail` over every wire besides plain RELP (which TailEndToEndTests drives): plain TCP, TLS,
/// mutual TLS and RELP over TLS, each to its own private rsyslog. Two logsplit writers rotate every 5 seconds;
/// tail is killed with SIGKILL twice and restarted; over RELP over TLS the receiver is also killed and restarted
/// under load. Every line arrives at least once, and a line arrives twice only inside the replay of a kill: from
/// the offset tail had saved up to what the receiver had written when it happened. Plain TCP and TLS keep their
/// receiver up: a receiver crash there has the documented loss window (README, "The loss window of plain TCP"),
/// which SyslogWireTests measures.
@Suite struct TailWireEndToEndTests {
    @Test(.timeLimit(.minutes(10)), arguments: [RsyslogTestServer.Kind.tcp, .tls, .mutualTLS, .relpTLS])
    func everyLineArrivesThroughRolloversAndKillsWithDuplicatesOnlyInTheReplay(kind: RsyslogTestServer.Kind) throws {
        let receiver = try RsyslogTestServer(name: "tail-wire-\(kind.rawValue)")
        let world = try tailWorld(receiver: receiver, kind: kind)
        let writers = try ["c1/weblogs/www", "c2/weblogs/shop"].map {
            try PipedLogsplit(["-p", "5sec", "-z", "UTC", "\(world.sources)/\($0)/access_log.%Y%m%d%H%M%S"])
        }
        var tail = try TailProcess(configPath: world.configPath, logPath: world.root + "/tail.log")
        var written: [String] = []
        var windows: [ReplayWindow] = []
        /// Where the replay of a kill may lie: read once the receiver has written what reached it.
        func replayWindow() {
            awaitReceiverQuiet(receiver)
            windows.append(ReplayWindow(saved: savedTailOffsets(stateDirectory: world.state),
                                        receivedUpTo: TailReceivedMessage.lastOffsets(TailReceivedMessage.all(receiver))))
        }
        let started = Date()
        var step = 0
        var tailKills = 0, receiverKills = 0
        // 15 s of traffic: three periods or more per writer. Tail is killed after 4 s and 10 s; over RELP over TLS
        // the receiver is killed after 7 s. By the clock, not by steps: a loaded machine takes fewer steps.
        while Date().timeIntervalSince(started) < 15 {
            let elapsed = Date().timeIntervalSince(started)
            for (index, writer) in writers.enumerated() {
                let lines = (0..<40).map { "\(kind.rawValue) w\(index) step=\(step) n=\($0) " + String(repeating: "x", count: 90) }
                try writer.write(lines)
                written += lines
            }
            if (tailKills == 0 && elapsed >= 4) || (tailKills == 1 && elapsed >= 10) {
                tail.crash()
                tailKills += 1
                replayWindow()
                tail = try TailProcess(configPath: world.configPath, logPath: tail.logPath)
            }
            if kind == .relpTLS && receiverKills == 0 && elapsed >= 7 {
                try receiver.kill()
                receiverKills += 1
                replayWindow()
                usleep(500_000)
                try receiver.restart()
            }
            step += 1
            usleep(100_000)
        }
        for writer in writers { try writer.finish() }

        let expected = Set(written)
        var received: [TailReceivedMessage] = []
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            received = TailReceivedMessage.all(receiver)
            if received.count >= expected.count
                && expected.isSubset(of: Set(received.map { String(decoding: $0.message, as: UTF8.self) })) { break }
            usleep(250_000)
        }
        let status = tail.stop()
        #expect(status == 0, "tail exited \(status):\n\(tail.log)")

        #expect(tailKills == 2 && receiverKills == (kind == .relpTLS ? 1 : 0), "the scenario ran short: \(tailKills) tail kills, \(receiverKills) receiver kills")
        #expect(windows.allSatisfy { !$0.saved.isEmpty }, "tail had saved no checkpoint before a kill: the replay windows would prove nothing")
        var counts: [String: Int] = [:]
        var outsideReplay: [String] = []
        for message in received {
            let text = String(decoding: message.message, as: UTF8.self)
            counts[text, default: 0] += 1
            if counts[text, default: 0] >= 2 && !windows.contains(where: { $0.contains(message.key, offset: message.offset) }) {
                outsideReplay.append("\(message.key) offset \(message.offset)")
            }
        }
        let missing = expected.subtracting(counts.keys)
        #expect(missing.isEmpty, "\(missing.count) of \(expected.count) lines never arrived over \(kind), e.g. \(missing.sorted().prefix(3))")
        let unexpected = Set(counts.keys).subtracting(expected)
        #expect(unexpected.isEmpty, "\(unexpected.count) messages that were never written (altered?), e.g. \(unexpected.sorted().prefix(2))")
        #expect(outsideReplay.isEmpty, "duplicates outside the replay of any kill: \(outsideReplay.prefix(5)) (\(outsideReplay.count))")
        let duplicates = counts.values.reduce(0) { $0 + $1 - 1 }
        let rollovers = Set(received.filter { $0.key.container == "c1" }.map(\.key.file)).count
        #expect(rollovers >= 3, "only \(rollovers) periods of c1 were streamed: no rollover during the test")
        print("tail over \(kind): \(expected.count) lines, \(tailKills) tail kills, \(receiverKills) receiver kills, "
            + "\(duplicates) duplicates, \(rollovers) periods of c1, \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }
}
