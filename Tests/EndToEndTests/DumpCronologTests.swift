import Foundation
import Testing

/// Files written by the real cronolog (no lock) and by logsplit (shared lock while open) are both found,
/// shipped and removed. Both run under libfaketime at an hour long past, so their files are closed now.
@Suite struct DumpCronologTests {
    @Test(.timeLimit(.minutes(10)))
    func filesOfCronologAndLogsplitAreBothShipped() throws {
        let cronolog = try Executables.system("cronolog", package: "cronolog")
        let faketime = try Executables.system("faketime", package: "faketime")
        let world = try DumpWorld()
        var expected = Set<String>()

        let cronologLines = (0..<2000).map { "cronolog c1 www.example.com seq=\($0)" }
        expected.formUnion(cronologLines)
        let c1 = try runProcess(faketime, ["2026-11-20 10:30:00", cronolog,
                                           world.sources + "/c1/weblogs/www.example.com/access_log.%Y%m%d%H"],
                                input: Data(cronologLines.map { $0 + "\n" }.joined().utf8), environment: ["TZ": "UTC"])
        // Debian's cronolog exits 3 at EOF.
        #expect(c1.status == 0 || c1.status == 3, "\(c1.stderrText)")

        var splitInput = ""
        for n in 0..<3000 {
            let site = ["shop", "blog.example.org"][n % 2]
            let line = "logsplit c2 \(site) seq=\(n)"
            expected.insert(line)
            splitInput += "\(site) \(line)\n"
        }
        let c2 = try runProcess(faketime, ["2026-11-20 11:30:00", Executables.logsplit, "--site-field",
                                           world.sources + "/c2/weblogs/{site}/access_log.%Y%m%d%H"],
                                input: Data(splitInput.utf8), environment: ["TZ": "UTC"])
        #expect(c2.status == 0, "\(c2.stderrText)")
        let written = try world.allFiles(world.sources)
        #expect(written == ["c1/weblogs/www.example.com/access_log.2026112010", "c2/weblogs/blog.example.org/access_log.2026112011",
                            "c2/weblogs/shop/access_log.2026112011"], "\(written)")

        let run = try world.logdump(["run"])
        #expect(run.status == 0, "\(run.stderrText)")
        #expect(run.stderrText.isEmpty, "silent on success: \(run.stderrText)")
        try world.expectEveryLineExactlyOnce(expected)
        #expect(try world.allFiles(world.destination) == [
            "e2e/c1/www.example.com/2026/11/20/access_log.2026112010.zst",
            "e2e/c2/blog.example.org/2026/11/20/access_log.2026112011.zst",
            "e2e/c2/shop/2026/11/20/access_log.2026112011.zst",
        ])
        #expect(try world.allFiles(world.sources).isEmpty)
        // Standard format: the zstd tool accepts every shipped file.
        let zstd = try Executables.system("zstd", package: "zstd")
        for key in try world.allFiles(world.destination) {
            let tested = try runProcess(zstd, ["-tq", world.destination + "/" + key])
            #expect(tested.status == 0, "zstd -t \(key): \(tested.stderrText)")
        }
        let status = try world.logdump(["status"])
        #expect(status.status == 0)
        #expect(status.stdoutText.contains("shop"), "\(status.stdoutText)")
    }
}
