import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `logdump run` with `[destination] type = "s3"` against a real SeaweedFS on loopback.
@Suite(.serialized) struct DumpS3Tests {
    @Test(.timeLimit(.minutes(10)))
    func runShipsEveryHourFileToTheBucketUnderHostKeys() throws {
        let server = try DumpSeaweedFS.get()
        let bucket = try server.makeBucket()
        let world = try DumpWorld()
        try world.useS3(server, bucket: bucket)
        var expected = Set<String>()
        expected.formUnion(try world.writeLog("c1", "www.example.com", "access_log.2026111014", lines: 0..<2000))
        expected.formUnion(try world.writeLog("c1", "shop", "access_log.2026111015", lines: 0..<300))
        expected.formUnion(try world.writeLog("c2", "www.example.com", "access_log.2026111014", lines: 0..<10))
        // Over the 5 MiB part size once compressed: goes up in parts.
        expected.formUnion(try world.writeNoisyLog("c2", "shop", "access_log.2026111016", bytes: 10 << 20, seed: 7))

        let run = try runProcess(Executables.logdump, ["run", "--config", world.configPath], environment: s3TestEnvironment(server.environment))
        #expect(run.status == 0, "\(run.stderrText)")
        let keys = try server.keys(bucket)
        #expect(keys == [
            "e2e/c1/shop/2026/11/10/access_log.2026111015.zst",
            "e2e/c1/www.example.com/2026/11/10/access_log.2026111014.zst",
            "e2e/c2/shop/2026/11/10/access_log.2026111016.zst",
            "e2e/c2/www.example.com/2026/11/10/access_log.2026111014.zst",
        ])
        try world.expectEveryLineExactlyOnce(expected, in: bucket, on: server)
        #expect(try server.openUploads(bucket).isEmpty)
        #expect(try world.allFiles(world.sources).isEmpty, "originals left after a verified run")
        // The noisy file went up in two parts: the server keeps the composite SHA-256 of the parts.
        let head = try server.curl(["-I", "-H", "x-amz-checksum-mode: ENABLED", "\(server.endpoint)/\(bucket)/\(keys[2])"])
        let checksum = String(decoding: head.body, as: UTF8.self).split(separator: "\r\n")
            .first { $0.lowercased().hasPrefix("x-amz-checksum-sha256:") }
        #expect(checksum?.hasSuffix("-2") == true, "\(String(decoding: head.body, as: UTF8.self))")
        // Nothing left to do; the secret is nowhere in what logdump printed.
        let again = try runProcess(Executables.logdump, ["run", "--config", world.configPath], environment: s3TestEnvironment(server.environment))
        #expect(again.status == 0 && again.stderrText.isEmpty, "\(again.stderrText)")
        #expect(try server.keys(bucket) == keys)
        for text in [run.stderrText, run.stdoutText, again.stderrText, again.stdoutText] { #expect(!text.contains(server.secretKey)) }
    }

    @Test(.timeLimit(.minutes(10)))
    func wrongCredentialsLeaveEveryFileAndNameTheKeyIdNotTheSecret() throws {
        let server = try DumpSeaweedFS.get()
        let bucket = try server.makeBucket()
        let world = try DumpWorld()
        try world.useS3(server, bucket: bucket)
        try world.writeLog("c1", "www.example.com", "access_log.2026111014", lines: 0..<100)
        let wrong = ["AWS_ACCESS_KEY_ID": server.accessKey, "AWS_SECRET_ACCESS_KEY": "not-the-secret-but-also-secret-0000000000"]
        let run = try runProcess(Executables.logdump, ["run", "--config", world.configPath], environment: s3TestEnvironment(wrong))
        #expect(run.status != 0)
        #expect(run.stderrText.contains(server.accessKey) && run.stderrText.contains(bucket), "\(run.stderrText)")
        #expect(!run.stderrText.contains("not-the-secret") && !run.stdoutText.contains("not-the-secret"))
        #expect(try world.allFiles(world.sources).count == 1)
        #expect(try server.keys(bucket).isEmpty)
    }

    /// kill -9 at random moments (at least 50 landing mid-run, some mid multipart upload), then a clean run:
    /// every line in the bucket exactly once, no open multipart upload, and at no moment an original removed
    /// before its copy was in the bucket.
    @Test(.timeLimit(.minutes(10)))
    func killNineAnywhereStillShipsEveryLineExactlyOnceToS3() throws {
        let server = try DumpSeaweedFS.get()
        let bucket = try server.makeBucket()
        let world = try DumpWorld()
        try world.useS3(server, bucket: bucket)
        var expected = Set<String>()
        var files: [(container: String, site: String, name: String)] = []
        var fileCount = 0
        func addFiles(_ n: Int, noisyBytes: Int = 0) throws {
            for _ in 0..<n {
                let container = "c\(fileCount % 3)"
                let site = ["www.example.com", "shop"][fileCount / 3 % 2]
                let name = String(format: "access_log.202611%02d%02d", 10 + fileCount / 24, fileCount % 24)
                if noisyBytes > 0 {
                    expected.formUnion(try world.writeNoisyLog(container, site, name, bytes: noisyBytes, seed: UInt64(fileCount + 1)))
                } else {
                    expected.formUnion(try world.writeLog(container, site, name, lines: 0..<(1500 + fileCount * 37 % 900)))
                }
                files.append((container, site, name))
                fileCount += 1
            }
        }
        try addFiles(12)
        let keyOf = { (file: (container: String, site: String, name: String)) -> String in
            let day = file.name.dropFirst("access_log.".count).prefix(8)
            return "e2e/\(file.container)/\(file.site)/\(day.prefix(4))/\(day.dropFirst(4).prefix(2))/\(day.suffix(2))/\(file.name).zst"
        }
        /// Nothing removed unverified: every original gone from disk has its copy in the bucket.
        func checkNothingRemovedUnverified() throws {
            let keys = Set(try server.keys(bucket))
            for file in files where access(world.logPath(file.container, file.site, file.name), F_OK) != 0 {
                #expect(keys.contains(keyOf(file)), "\(file.name) of \(file.container)/\(file.site) removed, not in the bucket")
            }
        }
        var generator = SystemRandomNumberGenerator()
        var killsMidRun = 0, killsMidMultipart = 0, iterations = 0
        let started = Date()
        // kill -9 at random moments: at least 50 landing while logdump runs, within a window that follows how long a
        // run takes (`KillWindow`: it widens after every kill, so kills keep reaching the late steps).
        let environment = server.environment.merging(["LOGDUMP_TEST_STEP_DELAY_MS": "20"]) { $1 }
        var window = KillWindow(opening: 600_000, floor: 100_000)
        while killsMidRun < 50 && iterations < 200 {
            iterations += 1
            if iterations % 4 == 0 { try addFiles(3) }
            let process = try startProcess(Executables.logdumpFaults, ["run", "--config", world.configPath], environment: environment)
            usleep(window.moment(using: &generator))
            guard process.isRunning else {
                window.missed()
                process.waitUntilExit()
                continue
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            guard process.terminationReason == .uncaughtSignal else { continue }
            killsMidRun += 1
            window.landed(widen: true)
            try checkNothingRemovedUnverified()
        }
        // kill -9 in the middle of multipart uploads: files of 10 MiB of noisy lines compress to about 6 MiB (two
        // 5 MiB parts); the run is killed as soon as the bucket shows an upload open.
        var bigRuns = 0
        while killsMidMultipart < 3 && bigRuns < 10 {
            bigRuns += 1
            try addFiles(1, noisyBytes: 10 << 20)
            let process = try startProcess(Executables.logdumpFaults, ["run", "--config", world.configPath],
                                           environment: server.environment.merging(["LOGDUMP_TEST_STEP_DELAY_MS": "0"]) { $1 })
            let deadline = Date().addingTimeInterval(60)
            while process.isRunning && Date() < deadline {
                if try !server.openUploads(bucket).isEmpty {
                    usleep(UInt32.random(in: 0...30_000, using: &generator))
                    kill(process.processIdentifier, SIGKILL)
                    killsMidMultipart += 1
                    break
                }
                usleep(3_000)
            }
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal { killsMidRun += 1 }
            try checkNothingRemovedUnverified()
        }
        print("s3 crash loop: \(killsMidRun) kills in \(iterations + bigRuns) runs, \(killsMidMultipart) during a multipart upload, "
            + "window \(window.microseconds / 1000) ms, \(fileCount) files, \(Int(Date().timeIntervalSince(started))) s")
        #expect(killsMidRun >= 50, "only \(killsMidRun) kills landed while logdump was running")
        #expect(killsMidMultipart > 0, "no kill landed during a multipart upload")
        let clean = try runProcess(Executables.logdump, ["run", "--config", world.configPath], environment: s3TestEnvironment(server.environment))
        #expect(clean.status == 0, "\(clean.stderrText)")
        try world.expectEveryLineExactlyOnce(expected, in: bucket, on: server)
        #expect(try server.openUploads(bucket).isEmpty, "multipart uploads left open")
        #expect(try world.allFiles(world.sources).isEmpty)
        #expect(try world.allFiles(world.state + "/v1/spool").isEmpty)
        let keys = try server.keys(bucket)
        #expect(keys.count == fileCount, "\(keys.count) objects for \(fileCount) files")
        #expect(keys.allSatisfy { $0.hasSuffix(".zst") && !$0.contains(".zst.") })
    }
}

func s3TestEnvironment(_ extra: [String: String]) -> [String: String] {
    var environment = ProcessInfo.processInfo.environment
    for (k, v) in extra { environment[k] = v }
    return environment
}
