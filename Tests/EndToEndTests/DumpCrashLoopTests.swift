import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// kill -9 at random moments, many times, then a clean run: every line shipped exactly once, nothing left behind.
///
/// Runs the tests' `logdump-faults` build with `LOGDUMP_TEST_STEP_DELAY_MS`: it pauses that long between steps
/// and before each put, and a fraction of it inside compression, so kills land in every step on a fast machine.
@Suite(.serialized) struct DumpCrashLoopTests {
    @Test(.timeLimit(.minutes(10)))
    func killNineAnywhereStillShipsEveryLineExactlyOnce() throws {
        let world = try DumpWorld()
        var expected = Set<String>()
        var fileCount = 0
        func addFiles(_ n: Int) throws {
            for _ in 0..<n {
                let container = "c\(fileCount % 3)"
                let site = ["www.example.com", "shop"][fileCount / 3 % 2]
                let day = 10 + fileCount / 24
                let hour = fileCount % 24
                let name = String(format: "access_log.202611%02d%02d", day, hour)
                let lines = try world.writeLog(container, site, name, lines: 0..<(1500 + fileCount * 37 % 900))
                expected.formUnion(lines)
                fileCount += 1
            }
        }
        try addFiles(12)
        var generator = SystemRandomNumberGenerator()
        var killsMidRun = 0
        var seenAfterKill: [String: Int] = [:]
        var iterations = 0
        let steps = ["compressing", "compressed", "shipping", "shipped"]
        // Kills land within a window that follows how long a run takes (`KillWindow`): it opens at 600 ms and widens
        // after a kill while the later steps have not all been hit.
        var window = KillWindow(opening: 600_000, floor: 100_000)
        // At least 50 kills mid-run, and go on (bounded) until kills have landed in every step.
        while (killsMidRun < 50 || steps.contains(where: { seenAfterKill[$0, default: 0] == 0 })) && iterations < 250 {
            iterations += 1
            if iterations % 4 == 0 { try addFiles(3) }
            let process = try startProcess(Executables.logdumpFaults, ["run", "--config", world.configPath],
                                           environment: ["LOGDUMP_TEST_STEP_DELAY_MS": "20"])
            usleep(window.moment(using: &generator))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                if process.terminationReason == .uncaughtSignal {
                    killsMidRun += 1
                    try observe(world, &seenAfterKill)
                    window.landed(widen: ["shipping", "shipped"].contains(where: { seenAfterKill[$0, default: 0] == 0 }))
                }
            } else {
                window.missed()
                process.waitUntilExit()
            }
        }
        #expect(killsMidRun >= 50, "only \(killsMidRun) kills landed while logdump was running")
        // The kills interrupted every step: a half-written compressed copy, a compressed file not yet
        // shipped, a half-written copy at the destination or a key chosen but not verified, a verified copy
        // whose original was not yet removed.
        print("crash loop: \(killsMidRun) kills in \(iterations) runs, window \(window.microseconds / 1000) ms; state found after kills: \(seenAfterKill.sorted { $0.key < $1.key })")
        for step in steps {
            #expect(seenAfterKill[step, default: 0] > 0, "no kill landed in the \(step) step: \(seenAfterKill)")
        }

        let clean = try world.logdump(["run"])
        #expect(clean.status == 0, "\(clean.stderrText)")
        try world.expectEveryLineExactlyOnce(expected)
        let leftovers = try world.leftoverTemporaries()
        #expect(leftovers.isEmpty, "\(leftovers)")
        let originals = try world.allFiles(world.sources)
        #expect(originals.isEmpty, "originals left: \(originals)")
        #expect(try world.allFiles(world.state + "/v1/spool").isEmpty)
        // Every file went out under exactly one key (no .1 copies: nothing reappeared).
        let keys = try world.allFiles(world.destination)
        #expect(keys.count == fileCount)
        #expect(keys.allSatisfy { !$0.contains(".zst.") && $0.hasSuffix(".zst") })
        // A further run finds nothing to do.
        let again = try world.logdump(["run"])
        #expect(again.status == 0 && again.stderrText.isEmpty)
        #expect(try world.allFiles(world.destination) == keys)
    }
}

/// What a killed run left behind, by step (read from the state directory and the destination).
private func observe(_ world: DumpWorld, _ seen: inout [String: Int]) throws {
    let spool = try world.allFiles(world.state + "/v1/spool")
    if spool.contains(where: { $0.hasSuffix(".tmp") }) { seen["compressing", default: 0] += 1 }
    if try world.allFiles(world.destination).contains(where: { $0.hasSuffix(".logdump-tmp") }) {
        seen["writing at destination", default: 0] += 1
    }
    for record in try world.allFiles(world.state + "/v1/records") where record.hasSuffix(".json") {
        let text = try String(contentsOfFile: world.state + "/v1/records/" + record, encoding: .utf8)
        for step in ["compressed", "shipping", "shipped"] where text.contains("\"step\":\"\(step)\"") {
            seen[step, default: 0] += 1
        }
    }
}
