import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `logdump run` with `[destination] type = "rsync"` against a real sshd on loopback: every line arrives once,
/// originals go only after the far side's sha256sum agrees, one ssh connection per run, and kill -9 anywhere
/// loses and duplicates nothing.
@Suite(.serialized) struct DumpRsyncTests {
    /// Control sockets in the state directory (the run's ssh master).
    static func controlSockets(_ world: DumpWorld) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: world.state)) ?? []).filter { $0.hasPrefix("ssh-") }
    }

    @Test(.timeLimit(.minutes(10)))
    func aRunShipsEveryLineOnceOverOneConnectionAndRemovesTheOriginals() throws {
        let server = try DumpRsyncServer()
        let world = try DumpWorld()
        try server.configure(world)
        var expected = Set<String>()
        for (i, (container, site)) in [("c1", "www"), ("c1", "shop"), ("c2", "www"), ("c3", "api")].enumerated() {
            for hour in 0..<2 {
                expected.formUnion(try world.writeLog(container, site, String(format: "access_log.20261129%02d", 10 + hour),
                                                      lines: 0..<(800 + i * 50 + hour)))
            }
        }
        let run = try world.logdump(["run"])
        #expect(run.status == 0, "\(run.stderrText)")
        try world.expectEveryLineExactlyOnce(expected)
        #expect(try world.allFiles(world.sources).isEmpty, "originals left")
        #expect(try world.leftoverTemporaries().isEmpty)
        let shipped = try world.allFiles(world.destination)
        #expect(shipped.count == 8 && shipped.allSatisfy { $0.hasPrefix("e2e/") && $0.hasSuffix(".zst") }, "\(shipped)")
        #expect(try server.acceptedConnections() == 1, "one ssh connection for the whole run")
        // The run closed its master: no control socket stays behind.
        var waited = 0
        while !Self.controlSockets(world).isEmpty && waited < 100 {
            usleep(50_000)
            waited += 1
        }
        #expect(Self.controlSockets(world).isEmpty, "ssh master left running: \(Self.controlSockets(world))")

        // Nothing left to do: a second run ships nothing and says nothing.
        let again = try world.logdump(["run"])
        #expect(again.status == 0 && again.stderrText.isEmpty, "\(again.stderrText)")
        #expect(try world.allFiles(world.destination) == shipped)
    }

    /// Files shipped in batches where one key already holds the same copy (as a run killed between the copy and
    /// its record leaves it; here another state directory shipped it), one holds other content and the rest are
    /// new: the copy is adopted (no `.1`), the other file goes to `.1`, the rest to their keys; every line of both
    /// runs is at the central host exactly once, and the second run's originals are gone.
    @Test(.timeLimit(.minutes(10)))
    func aBatchAdoptsTheSameCopyAndSendsOtherContentToTheNextName() throws {
        let server = try DumpRsyncServer()
        let earlier = try DumpWorld()
        try server.configure(earlier)
        var expected = Set(try earlier.writeLog("c1", "www", "access_log.2026112910", lines: 0..<900))
        expected.formUnion(try earlier.writeLog("c1", "www", "access_log.2026112911", lines: 0..<700))
        let first = try earlier.logdump(["run"])
        #expect(first.status == 0, "\(first.stderrText)")
        let adoptedPath = earlier.destination + "/e2e/c1/www/2026/11/29/access_log.2026112910.zst"
        var adoptedBefore = stat()
        #expect(stat(adoptedPath, &adoptedBefore) == 0, "the first run did not ship hour 10")

        let world = try DumpWorld()
        try server.configure(world)
        try world.setConfig("destination", "path", "\"\(earlier.destination)\"")
        // The same lines, so the same compressed bytes; other lines under a name already shipped; four new files.
        expected.formUnion(try world.writeLog("c1", "www", "access_log.2026112910", lines: 0..<900))
        expected.formUnion(try world.writeLog("c1", "www", "access_log.2026112911", lines: 5000..<5600))
        for hour in 12..<16 {
            expected.formUnion(try world.writeLog(["c1", "c2"][hour % 2], "www", "access_log.20261129\(hour)", lines: 0..<(500 + hour)))
        }
        let run = try world.logdump(["run"])
        #expect(run.status == 0, "\(run.stderrText)")
        #expect(run.stderrText.contains("access_log.2026112911.zst already exists at the destination with other content"), "\(run.stderrText)")
        #expect(!run.stderrText.contains("access_log.2026112910.zst already exists"), "\(run.stderrText)")

        #expect(try earlier.allFiles(earlier.destination) == [
            "e2e/c1/www/2026/11/29/access_log.2026112910.zst",
            "e2e/c1/www/2026/11/29/access_log.2026112911.1.zst",
            "e2e/c1/www/2026/11/29/access_log.2026112911.zst",
            "e2e/c1/www/2026/11/29/access_log.2026112912.zst",
            "e2e/c1/www/2026/11/29/access_log.2026112914.zst",
            "e2e/c2/www/2026/11/29/access_log.2026112913.zst",
            "e2e/c2/www/2026/11/29/access_log.2026112915.zst",
        ])
        var adoptedAfter = stat()
        #expect(stat(adoptedPath, &adoptedAfter) == 0 && adoptedAfter.st_ino == adoptedBefore.st_ino, "the adopted copy was written again")
        let shipped = try earlier.shippedLines()
        #expect(Set(shipped.keys) == expected, "missing: \(expected.subtracting(shipped.keys).count), unexpected: \(Set(shipped.keys).subtracting(expected).count)")
        // The lines of hour 10 were written by both worlds: one copy holds them.
        #expect(shipped.values.allSatisfy { $0 == 1 }, "lines shipped twice: \(shipped.filter { $0.value > 1 }.count)")
        #expect(try DumpWorld.decompress(earlier.destination + "/e2e/c1/www/2026/11/29/access_log.2026112911.1.zst")
            .split(separator: "\n").map(String.init) == (5000..<5600).map { "c1 www access_log.2026112911 seq=\($0) " + String(repeating: "x", count: 80) })
        #expect(try world.allFiles(world.sources).isEmpty, "originals left")
        #expect(try world.leftoverTemporaries().isEmpty)
        #expect(try earlier.leftoverTemporaries().isEmpty)
    }

    @Test(.timeLimit(.minutes(10)))
    func aChangedHostKeyStopsTheRunBeforeAnything() throws {
        let server = try DumpRsyncServer()
        let world = try DumpWorld()
        try server.configure(world, knownHosts: server.otherKnownHosts)
        let lines = try world.writeLog("c1", "www", "access_log.2026112910", lines: 0..<100)
        let run = try world.logdump(["run"])
        #expect(run.status == 4, "\(run.stderrText)")
        #expect(run.stderrText.contains("host key") && run.stderrText.contains("ssh-keyscan"), "\(run.stderrText)")
        #expect(run.stderrText.contains("nothing shipped, nothing removed"), "\(run.stderrText)")
        #expect(try world.allFiles(world.destination).isEmpty)
        #expect(try String(contentsOfFile: world.logPath("c1", "www", "access_log.2026112910"), encoding: .utf8)
            == lines.map { $0 + "\n" }.joined())
        #expect(try server.acceptedConnections() == 0)
    }

    /// The central host's disk fills mid-run: the run fails (exit 2) with the reason, nothing unverified is
    /// removed, no temporary stays at the far side; with space again the next run ships the rest exactly once.
    @Test(.timeLimit(.minutes(10)))
    func aFullCentralDiskKeepsTheOriginalsAndTheNextRunShipsTheRest() throws {
        let server = try DumpRsyncServer()
        let world = try DumpWorld()
        let mounted = try runProcess("/bin/mount", ["-t", "tmpfs", "-o", "size=256k,mode=0755", "tmpfs", world.destination])
        guard mounted.status == 0 else {
            Issue.record("cannot mount a small tmpfs as the central host's full disk (needs root/CAP_SYS_ADMIN): \(mounted.stderrText)")
            return
        }
        defer { _ = try? runProcess("/bin/umount", ["-l", world.destination]) }
        try server.configure(world)
        let expected = try DumpFaultTests.noisyLines(world, files: 10, lines: 1500)
        let full = try world.logdump(["run"])
        #expect(full.status == 2, "\(full.stderrText)")
        #expect(full.stderrText.contains("is full") && full.stderrText.contains("No space left on device"), "\(full.stderrText)")
        let left = try DumpFaultTests.linesLeftInSources(world)
        #expect(!left.isEmpty)
        #expect(expected.subtracting(left).subtracting(try world.shippedLines().keys).isEmpty, "lines lost")
        #expect(try world.leftoverTemporaries().isEmpty, "a failed put must not leave its temporary at the far side")

        #expect(try runProcess("/bin/mount", ["-o", "remount,size=64m", world.destination]).status == 0)
        let clean = try world.logdump(["run"])
        #expect(clean.status == 0, "\(clean.stderrText)")
        try world.expectEveryLineExactlyOnce(expected)
        #expect(try world.allFiles(world.sources).isEmpty)
        #expect(try world.leftoverTemporaries().isEmpty)
    }

    /// A copy damaged right after writing (through the destination itself) fails the far side's sha256sum:
    /// the original stays; the next run rewrites the copy and only then removes it.
    @Test(.timeLimit(.minutes(10)))
    func aCopyCorruptedAtTheCentralHostIsNotTrusted() throws {
        let server = try DumpRsyncServer()
        let world = try DumpWorld(format: "gzip")
        try server.configure(world)
        let expected = try DumpFaultTests.noisyLines(world, files: 2, lines: 200)
        let corrupted = try world.logdump(["run"], environment: ["LOGDUMP_TEST_CORRUPT_DESTINATION": "1"])
        #expect(corrupted.status == 2)
        #expect(corrupted.stderrText.contains("verification failed"), "\(corrupted.stderrText)")
        #expect(try DumpFaultTests.linesLeftInSources(world) == expected, "no original may go while its copy is bad")
        let clean = try world.logdump(["run"])
        #expect(clean.status == 0, "\(clean.stderrText)")
        #expect(clean.stderrText.contains("corrupted at the destination?"), "\(clean.stderrText)")
        try world.expectEveryLineExactlyOnce(expected)
        #expect(try world.leftoverTemporaries().isEmpty)
    }

    /// `logdump run` killed with SIGKILL while its rsync runs takes the rsync with it (the child has a process group
    /// of its own, so nothing else would end it): started through `setpriv --pdeathsig KILL`. Here the rsync on the
    /// PATH is a stand-in that writes its pid and sleeps.
    @Test(.timeLimit(.minutes(10)))
    func aRunKilledWithSigkillTakesItsRsyncWithIt() throws {
        let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].first { (path: String) in access(path, X_OK) == 0 }
        guard let setpriv, (try? runProcess(setpriv, ["--help"]))?.stdoutText.contains("--pdeathsig") == true else {
            Issue.record("setpriv with --pdeathsig is needed (util-linux 2.33 or later)")
            return
        }
        let server = try DumpRsyncServer()
        let world = try DumpWorld()
        try server.configure(world)
        _ = try world.writeLog("c1", "www", "access_log.2026112910", lines: 0..<500)
        let bin = world.root + "/bin", pidFile = world.root + "/rsync.pid"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let realRsync = ["/usr/bin/rsync", "/bin/rsync"].first { (path: String) in access(path, X_OK) == 0 } ?? "rsync"
        try """
            #!/bin/sh
            case "$1" in --version) exec \(realRsync) --version ;; esac
            echo $$ > \(pidFile)
            exec sleep 300
            """.write(toFile: bin + "/rsync", atomically: true, encoding: .utf8)
        chmod(bin + "/rsync", 0o755)
        let path = bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let process = try startProcess(Executables.logdump, ["run", "--config", world.configPath], environment: ["PATH": path])
        var waited = 0
        while access(pidFile, R_OK) != 0 && process.isRunning && waited < 600 {
            usleep(50_000)
            waited += 1
        }
        let pidText = (try? String(contentsOfFile: pidFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let pidText, let rsyncPid = pid_t(pidText) else {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("the run never started its rsync")
            return
        }
        defer { kill(rsyncPid, SIGKILL) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        // Gone, or a zombie waiting for whoever adopted it.
        func alive() -> Bool {
            guard let stat = try? String(contentsOfFile: "/proc/\(rsyncPid)/stat", encoding: .utf8) else { return false }
            return !(stat.split(separator: ")").last?.trimmingCharacters(in: .whitespaces).hasPrefix("Z") ?? false)
        }
        waited = 0
        while alive() && waited < 100 {
            usleep(50_000)
            waited += 1
        }
        #expect(!alive(), "the rsync of a run killed with SIGKILL is still running (pid \(rsyncPid))")
        #expect(try world.allFiles(world.sources).count == 1, "the original must stay")
    }

    /// kill -9 at random moments (at least 50 landing mid-run), then a clean run: every line exactly once at the
    /// far side, no temporaries, nothing removed unverified, every file under exactly one key.
    @Test(.timeLimit(.minutes(10)))
    func killNineAnywhereStillShipsEveryLineExactlyOnce() throws {
        let server = try DumpRsyncServer()
        let world = try DumpWorld()
        try server.configure(world)
        var expected = Set<String>()
        var fileCount = 0
        func addFiles(_ n: Int) throws {
            for _ in 0..<n {
                let container = "c\(fileCount % 3)"
                let site = ["www.example.com", "shop"][fileCount / 3 % 2]
                let name = String(format: "access_log.202611%02d%02d", 10 + fileCount / 24, fileCount % 24)
                expected.formUnion(try world.writeLog(container, site, name, lines: 0..<(1200 + fileCount * 37 % 700)))
                fileCount += 1
            }
        }
        try addFiles(8)
        var generator = SystemRandomNumberGenerator()
        var killsMidRun = 0
        var seenAfterKill: [String: Int] = [:]
        var iterations = 0
        let steps = ["compressing", "compressed", "shipping", "shipped"]
        let started = DumpRsyncClock.now()
        // Kills land within a window that follows how long a run takes (`KillWindow`). That time is mostly ssh round
        // trips, which a loaded machine stretches (300 ms a session at load 9 on 2 cores, 30 ms when idle): the window
        // opens at 450 ms (never narrower) and widens after a kill while the shipping steps have not all been hit.
        var window = KillWindow(opening: 450_000, floor: 450_000)
        while (killsMidRun < 50 || steps.contains(where: { seenAfterKill[$0, default: 0] == 0 }))
            && iterations < 200 && DumpRsyncClock.now() - started < 120 {
            iterations += 1
            if iterations % 3 == 0 { try addFiles(2) }  // new files keep kills landing in compression
            let process = try startProcess(Executables.logdumpFaults, ["run", "--config", world.configPath],
                                           environment: ["LOGDUMP_TEST_STEP_DELAY_MS": "15"])
            usleep(window.moment(using: &generator))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                if process.terminationReason == .uncaughtSignal {
                    killsMidRun += 1
                    try observeRsync(world, &seenAfterKill)
                    window.landed(widen: ["shipping", "shipped"].contains(where: { seenAfterKill[$0, default: 0] == 0 }))
                }
            } else {
                window.missed()
                process.waitUntilExit()
            }
        }
        print("rsync crash loop: \(killsMidRun) kills in \(iterations) runs, \(Int(DumpRsyncClock.now() - started)) s, window \(window.microseconds / 1000) ms, "
            + "\(try server.acceptedConnections()) ssh connections; state found after kills: \(seenAfterKill.sorted { $0.key < $1.key })")
        #expect(killsMidRun >= 50, "only \(killsMidRun) kills landed while logdump was running")
        for step in steps {
            #expect(seenAfterKill[step, default: 0] > 0, "no kill landed in the \(step) step: \(seenAfterKill)")
        }

        let clean = try world.logdump(["run"])
        #expect(clean.status == 0, "\(clean.stderrText)")
        try world.expectEveryLineExactlyOnce(expected)
        let leftovers = try world.leftoverTemporaries()
        #expect(leftovers.isEmpty, "\(leftovers)")
        #expect(try world.allFiles(world.sources).isEmpty, "originals left")
        #expect(try world.allFiles(world.state + "/v1/spool").isEmpty)
        let keys = try world.allFiles(world.destination)
        #expect(keys.count == fileCount)
        #expect(keys.allSatisfy { !$0.contains(".zst.") && $0.hasSuffix(".zst") })
        let again = try world.logdump(["run"])
        #expect(again.status == 0 && again.stderrText.isEmpty, "\(again.stderrText)")
        #expect(try world.allFiles(world.destination) == keys)
    }
}

enum DumpRsyncClock {
    static func now() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}

/// What a killed run left behind, by step (the state directory, and the far side: local disk here).
private func observeRsync(_ world: DumpWorld, _ seen: inout [String: Int]) throws {
    let spool = try world.allFiles(world.state + "/v1/spool")
    if spool.contains(where: { $0.hasSuffix(".tmp") }) { seen["compressing", default: 0] += 1 }
    if try world.allFiles(world.destination).contains(where: { $0.hasSuffix(".logdump-tmp") }) {
        seen["writing at destination", default: 0] += 1
    }
    for record in try world.allFiles(world.state + "/v1/records") where record.hasSuffix(".json") {
        guard let text = try? String(contentsOfFile: world.state + "/v1/records/" + record, encoding: .utf8) else { continue }
        for step in ["compressed", "shipping", "shipped"] where text.contains("\"step\":\"\(step)\"") {
            seen[step, default: 0] += 1
        }
    }
}
