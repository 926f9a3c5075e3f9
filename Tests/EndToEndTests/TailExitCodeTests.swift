import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The README's table of `logdump tail` exit statuses: every status documented happens as documented.
@Suite(.serialized) struct TailExitCodeTests {
    /// A world whose `[tail]` receiver is a loopback port nothing listens on (an outage, not an error).
    func worldWithTail() throws -> DumpWorld {
        let world = try DumpWorld()
        try world.setConfig("tail", "receiver", "\"relp://127.0.0.1:9\"")
        return world
    }

    /// Runs `logdump tail` for `seconds`, then sends SIGTERM (if it still runs) and waits.
    func tail(_ world: DumpWorld, seconds: Double = 1.5) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Executables.logdump)
        process.arguments = ["tail", "--config", world.configPath]
        let errors = closeOnExecPipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning { process.terminate() }
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test func everyTailStatusInTheReadmeHappensAsDocumented() throws {
        let documented = ExitCodeTableTests.documentedStatuses(after: "| tail exit | meaning |")
        let cases: [Int32: () throws -> (status: Int32, stderr: String)] = [
            0: { try tail(worldWithTail()) },
            1: { try tail(DumpWorld()) },
            3: {
                let world = try worldWithTail()
                try FileManager.default.createDirectory(atPath: world.state, withIntermediateDirectories: true)
                let lock = open(world.state + "/tail.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
                defer { close(lock) }
                #expect(flock(lock, LOCK_EX) == 0)
                return try tail(world)
            },
            4: {
                let world = try worldWithTail()
                try FileManager.default.createDirectory(atPath: world.state + "/v1/tail", withIntermediateDirectories: true)
                try "{ damaged".write(toFile: world.state + "/v1/tail/checkpoints.json", atomically: true, encoding: .utf8)
                return try tail(world)
            },
        ]
        #expect(documented.sorted() == cases.keys.sorted(), "README documents \(documented), tested \(cases.keys.sorted())")
        for (status, run) in cases.sorted(by: { $0.key < $1.key }) {
            let result = try run()
            #expect(result.status == status, "tail exit \(status) case gave \(result.status): \(result.stderr)")
        }
    }

    @Test func anOutageIsReportedOnceNamingTheReceiverAndSIGTERMStillExitsZero() throws {
        let world = try worldWithTail()
        try world.writeLog("c1", "www", "access_log.2026112001", lines: 0..<10)
        let result = try tail(world, seconds: 4)
        #expect(result.status == 0, "\(result.stderr)")
        let outage = result.stderr.split(separator: "\n").filter { $0.contains("unreachable") }
        #expect(outage.count == 1, "\(result.stderr)")
        #expect(outage.first?.contains("relp://127.0.0.1:9") == true)
        #expect(outage.first?.contains("1 file(s)") == true, "the backlog is named: \(result.stderr)")
    }
}
