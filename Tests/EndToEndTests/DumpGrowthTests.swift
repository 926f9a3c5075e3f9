import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A file that grows after logdump compressed it (a late writer): the original is not removed, and the new
/// bytes go out as the next part, so every line arrives exactly once.
@Suite struct DumpGrowthTests {
    @Test(.timeLimit(.minutes(10)))
    func linesAppendedAfterCompressionGoOutAsTheNextPart() throws {
        let world = try DumpWorld()
        let name = "access_log.2026112009"
        var expected = Set(try world.writeLog("c1", "shop", name, lines: 0..<500))
        let process = try startProcess(Executables.logdumpFaults, ["run", "--config", world.configPath],
                                       environment: ["LOGDUMP_TEST_STEP_DELAY_MS": "300"])
        // Wait until the file is compressed (its record says so), then append as a late writer would.
        var compressed = false
        for _ in 0..<400 where !compressed {
            usleep(10_000)
            for record in try world.allFiles(world.state + "/v1/records") where record.hasSuffix(".json") {
                let text = (try? String(contentsOfFile: world.state + "/v1/records/" + record, encoding: .utf8)) ?? ""
                if text.contains("\"step\":\"compressed\"") { compressed = true }
            }
        }
        #expect(compressed)
        let handle = try #require(FileHandle(forWritingAtPath: world.logPath("c1", "shop", name)))
        handle.seekToEndOfFile()
        let late = (500..<520).map { "c1 shop \(name) seq=\($0) late" }
        handle.write(Data(late.map { $0 + "\n" }.joined().utf8))
        handle.closeFile()
        expected.formUnion(late)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(FileManager.default.fileExists(atPath: world.logPath("c1", "shop", name)), "a grown file must not be removed")

        let second = try world.logdump(["run"])
        #expect(second.status == 0, "\(second.stderrText)")
        try world.expectEveryLineExactlyOnce(expected)
        #expect(try world.allFiles(world.destination) == [
            "e2e/c1/shop/2026/11/20/\(name).1.zst", "e2e/c1/shop/2026/11/20/\(name).zst",
        ])
        #expect(try world.allFiles(world.sources).isEmpty)
    }
}
