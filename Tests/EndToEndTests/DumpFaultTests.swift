import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The destination goes away or fills up in the middle of a run: nothing unverified is removed, the failure
/// is reported with a non-zero exit, and a later run ships the rest exactly once.
@Suite(.serialized) struct DumpFaultTests {
    /// Lines that compress poorly, so a few files fill a small file system.
    static func noisyLines(_ world: DumpWorld, files: Int, lines: Int) throws -> Set<String> {
        var expected = Set<String>()
        var generator = SystemRandomNumberGenerator()
        for i in 0..<files {
            let name = String(format: "access_log.202611%02d%02d", 10 + i / 24, i % 24)
            let path = world.logPath("c1", "shop", name)
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            var text = ""
            for n in 0..<lines {
                let noise = (0..<6).map { _ in String(UInt64.random(in: 0...UInt64.max, using: &generator), radix: 36) }.joined(separator: "-")
                let line = "c1 shop \(name) seq=\(n) \(noise)"
                expected.insert(line)
                text += line + "\n"
            }
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        }
        return expected
    }

    /// Lines still in the source files (not removed).
    static func linesLeftInSources(_ world: DumpWorld) throws -> Set<String> {
        var left = Set<String>()
        for relative in try world.allFiles(world.sources) {
            let text = try String(contentsOfFile: world.sources + "/" + relative, encoding: .utf8)
            for line in text.split(separator: "\n") { left.insert(String(line)) }
        }
        return left
    }

    @Test(.timeLimit(.minutes(10)))
    func aDestinationThatDisappearsMidRunLosesNothing() throws {
        let world = try DumpWorld()
        // More files than two batches hold (two shippers work at once once compression is done): the run is still
        // shipping when the share goes.
        let expected = try Self.noisyLines(world, files: 48, lines: 400)
        let process = try startProcess(Executables.logdumpFaults, ["run", "--config", world.configPath],
                                       environment: ["LOGDUMP_TEST_STEP_DELAY_MS": "40"])
        // Let some files through, then take the share away (as an unmount would).
        var waited = 0
        while (try world.allFiles(world.destination)).filter({ $0.hasSuffix(".zst") }).count < 3 && waited < 400 {
            usleep(25_000)
            waited += 1
        }
        #expect(rename(world.destination, world.destination + ".gone") == 0)
        process.waitUntilExit()
        #expect(process.terminationStatus == 2, "a run whose destination vanished must fail")
        // Every line is either still in a source file or in a verified copy; nothing was lost.
        let gone = try world.shippedLines(under: world.destination + ".gone")
        let left = try Self.linesLeftInSources(world)
        #expect(expected.subtracting(left).subtracting(gone.keys).isEmpty, "lines lost")
        #expect(!left.isEmpty, "the run should not have finished before the destination vanished")
        #expect(!FileManager.default.fileExists(atPath: world.destination), "logdump must not re-create a missing destination")

        // The share comes back: the next run ships the rest, each line exactly once.
        #expect(rename(world.destination + ".gone", world.destination) == 0)
        let clean = try world.logdump(["run"])
        #expect(clean.status == 0, "\(clean.stderrText)")
        try world.expectEveryLineExactlyOnce(expected)
        #expect(try world.leftoverTemporaries().isEmpty)
        #expect(try world.allFiles(world.sources).isEmpty)
    }

    @Test(.timeLimit(.minutes(10)))
    func aDestinationThatFillsUpKeepsTheOriginals() throws {
        let world = try DumpWorld()
        // A real small file system: tmpfs (needs CAP_SYS_ADMIN, which CI has as root).
        let mounted = try runProcess("/bin/mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", world.destination])
        guard mounted.status == 0 else {
            Issue.record("cannot mount a small tmpfs as the full destination (needs root/CAP_SYS_ADMIN): \(mounted.stderrText)")
            return
        }
        defer { _ = try? runProcess("/bin/umount", [world.destination]) }
        let expected = try Self.noisyLines(world, files: 10, lines: 1500)
        let full = try world.logdump(["run"])
        #expect(full.status == 2)
        #expect(full.stderrText.contains("No space left on device"), "\(full.stderrText)")
        let shipped = try world.shippedLines()
        let left = try Self.linesLeftInSources(world)
        #expect(!left.isEmpty)
        #expect(expected.subtracting(left).subtracting(shipped.keys).isEmpty, "lines lost")
        #expect(try world.leftoverTemporaries().isEmpty, "a failed write must not leave its temporary file")
        let status = try world.logdump(["status"])
        #expect(status.stdoutText.contains("No space left on device"), "\(status.stdoutText)")

        // Space is freed: the next run ships the rest exactly once.
        #expect(try runProcess("/bin/mount", ["-o", "remount,size=64m", world.destination]).status == 0)
        let clean = try world.logdump(["run"])
        #expect(clean.status == 0, "\(clean.stderrText)")
        try world.expectEveryLineExactlyOnce(expected)
        #expect(try world.allFiles(world.sources).isEmpty)
    }

    @Test func aCopyCorruptedAfterWritingIsReportedAndNotTrusted() throws {
        let world = try DumpWorld(format: "gzip")
        let expected = try Self.noisyLines(world, files: 2, lines: 200)
        let corrupted = try world.logdump(["run"], environment: ["LOGDUMP_TEST_CORRUPT_DESTINATION": "1"])
        #expect(corrupted.status == 2)
        #expect(corrupted.stderrText.contains("verification failed"), "\(corrupted.stderrText)")
        #expect(try Self.linesLeftInSources(world) == expected, "no original may go while its copy is bad")
        let clean = try world.logdump(["run"])
        #expect(clean.status == 0, "\(clean.stderrText)")
        #expect(clean.stderrText.contains("corrupted at the destination?"), "the damaged copy is reported when found")
        try world.expectEveryLineExactlyOnce(expected)
        let gzip = try Executables.system("gzip", package: "gzip")
        for key in try world.allFiles(world.destination) {
            #expect(try runProcess(gzip, ["-t", world.destination + "/" + key]).status == 0, "gzip -t \(key)")
        }
    }
}
