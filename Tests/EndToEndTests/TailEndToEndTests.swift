import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `logdump tail` for real: logsplit writers rotating every 10 seconds, a real rsyslog receiver over RELP, tail
/// killed with SIGKILL and restarted, the receiver killed and restarted, `logdump run` shipping and removing beside it.
@Suite(.serialized) struct TailEndToEndTests {
    /// A world with `[tail]` pointing at `receiver`, 10-second periods, and files closed as soon as logsplit lets go.
    func world(receiver: String) throws -> DumpWorld {
        let world = try DumpWorld(template: "access_log.%Y%m%d%H%M%S")
        try world.setConfig("sources", "period", "\"10sec\"")
        try world.setConfig("tail", "receiver", "\"\(receiver)\"")
        try world.setConfig("tail", "rescan_seconds", "2")
        return world
    }

    func startTail(_ world: DumpWorld, log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Executables.logdump)
        process.arguments = ["tail", "--config", world.configPath]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try handle.seekToEnd()
        process.standardError = handle
        try process.run()
        return process
    }

    @Test(.timeLimit(.minutes(10)))
    func everyLineReachesTheReceiverThroughRolloversKillsAndANewContainerAndNoOriginalGoesBeforeItIsStreamed() throws {
        let receiver = try TailReceiver(name: "e2e")
        let world = try world(receiver: "relp://127.0.0.1:\(receiver.relpPort)")
        let tailLog = world.root + "/tail.log"
        // A link named like an hour file pointing at a secret: never opened, never sent.
        let secret = world.root + "/secret.txt"
        try "SECRET-DO-NOT-SEND\n".write(toFile: secret, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: world.sources + "/c1/weblogs/www", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: world.logPath("c1", "www", "access_log.20261120010000"), withDestinationPath: secret)

        func writer(_ container: String, _ site: String) throws -> PipedLogsplit {
            try PipedLogsplit(["-p", "10sec", "-z", "UTC", "\(world.sources)/\(container)/weblogs/\(site)/access_log.%Y%m%d%H%M%S"])
        }
        var writers = [try writer("c1", "www"), try writer("c2", "shop")]
        var tail = try startTail(world, log: tailLog)
        var written: [String] = []
        var kills = 0
        let started = Date()
        var step = 0
        // About 25 s of traffic: two or three rollovers per writer; tail killed three times; run every 3 s.
        while Date().timeIntervalSince(started) < 25 {
            for (index, w) in writers.enumerated() {
                let lines = (0..<40).map { "w\(index) step=\(step) n=\($0) " + String(repeating: "x", count: 100) }
                try w.write(lines)
                written += lines
            }
            if step == 30 {
                // A container that appears while tail runs.
                writers.append(try writer("c3", "blog"))
            }
            if step % 25 == 12 && kills < 3 {
                kill(tail.processIdentifier, SIGKILL)
                tail.waitUntilExit()
                kills += 1
                tail = try startTail(world, log: tailLog)
            }
            if step % 30 == 0 { _ = try world.logdump(["run"]) }
            // The receiver crashes under load and comes back: RELP resends what it never answered.
            if step == 50 { try receiver.kill() }
            if step == 60 { try receiver.restart() }
            step += 1
            usleep(100_000)
        }
        for w in writers { try w.finish() }
        // Let the last period close (10 s) and be streamed, and run remove what is shipped and streamed.
        let expected = Set(written)
        var received: [String: Int] = [:]
        let deadline = Date().addingTimeInterval(40)
        while Date() < deadline {
            received = [:]
            for m in receiver.messages() { received[m.message, default: 0] += 1 }
            if expected.isSubset(of: received.keys) { break }
            usleep(200_000)
        }
        usleep(12_000_000)
        let runResult = try world.logdump(["run", "-v"])
        let lastRun = try world.logdump(["run", "-v"])
        kill(tail.processIdentifier, SIGTERM)
        tail.waitUntilExit()
        #expect(tail.terminationStatus == 0)

        #expect(kills == 3 && step > 60, "the scenario ran short: \(kills) kills in \(step) steps")
        #expect(written.count > 10_000, "only \(written.count) lines written")
        let missing = expected.subtracting(received.keys)
        #expect(missing.isEmpty, "\(missing.count) of \(expected.count) lines never reached the receiver, e.g. \(missing.sorted().prefix(3))")
        let duplicates = received.values.reduce(0) { $0 + max(0, $1 - 1) }
        #expect(duplicates <= kills * 4096, "\(duplicates) duplicates after \(kills) kills: more than the batches in flight")
        #expect(!received.keys.contains { $0.contains("SECRET") }, "the secret behind a symlink was sent")
        #expect(received.keys.contains { $0.hasPrefix("w2 ") }, "the container that appeared mid-run was not followed")
        let log = (try? String(contentsOfFile: tailLog, encoding: .utf8)) ?? ""
        #expect(!log.contains("disappeared before"), "an original went before it was streamed:\n\(log)")
        #expect(log.contains("access_log.20261120010000"), "the symlink was not reported:\n\(log)")
        // Shipped too: every line is in the archive exactly once, the originals of closed periods are gone.
        try world.expectEveryLineExactlyOnce(Set(written.map { $0 }))
        #expect(runResult.status == 0 && lastRun.status == 0, "\(runResult.stderrText)\(lastRun.stderrText)")
        let left = try world.allFiles(world.sources).filter { !$0.hasSuffix("access_log.20261120010000") }
        #expect(left.isEmpty, "originals left after shipping and streaming: \(left)")
    }
}
