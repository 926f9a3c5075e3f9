import Foundation
import Testing

/// The command surface: validate says what is wrong key by key, usage errors exit 1, help exits 0.
@Suite struct DumpCommandLineTests {
    @Test func validateSaysWhatAKeyLeavingOutTheOriginMeans() throws {
        let world = try DumpWorld()
        let full = try world.logdump(["validate"])
        #expect(full.status == 0, "\(full.stderrText)")
        #expect(!full.stdoutText.contains("leaves out"), "\(full.stdoutText)")
        try world.setConfig("destination", "key", "\"{host}/%Y/%m/%d/{name}.{ext}\"")
        let partial = try world.logdump(["validate"])
        #expect(partial.status == 0, "\(partial.stderrText)")
        #expect(partial.stdoutText.contains("destination.key leaves out {container} {site}: files of the same name from different "
            + "containers or sites share one key"), "\(partial.stdoutText)")
    }

    @Test func validateAcceptsAGoodConfigAndNamesEveryBadKey() throws {
        let world = try DumpWorld()
        let good = try world.logdump(["validate"])
        #expect(good.status == 0, "\(good.stderrText)")
        #expect(good.stdoutText.contains("configuration OK"))
        #expect(!good.stdoutText.contains("tail:"))

        // With [tail], validate says what it cannot check: the receiver's message size limit.
        try world.setConfig("tail", "receiver", "\"relp://127.0.0.1:2514\"")
        try world.setConfig("tail", "max_message_bytes", "\"8K\"")
        let withTail = try world.logdump(["validate"])
        #expect(withTail.status == 0, "\(withTail.stderrText)")
        #expect(withTail.stdoutText.contains("tail: receiver relp://127.0.0.1:2514, removal gate on"), "\(withTail.stdoutText)")
        #expect(withTail.stdoutText.contains("at least 9216 bytes"), "\(withTail.stdoutText)")
        #expect(withTail.stdoutText.contains("maxDataSize=\"9216\""), "\(withTail.stdoutText)")

        let bad = """
            [general]
            workers = "many"
            [sources]
            roots = ["data/{site}"]
            template = "access_log"
            [compression]
            format = "lz4"
            level = 40
            [destination]
            key = "/{site}"
            """
        try bad.write(toFile: world.root + "/bad.toml", atomically: true, encoding: .utf8)
        let result = try runProcess(Executables.logdump, ["validate", "--config", world.root + "/bad.toml"])
        #expect(result.status == 1)
        for key in ["general.workers", "sources.roots", "sources.template", "compression.format", "destination.key"] {
            #expect(result.stderrText.contains("config: \(key):"), "no message for \(key): \(result.stderrText)")
        }

        // A destination that is not there (an unmounted share) is reported by validate, and run changes nothing.
        let unmounted = try world.logdump(["validate", "--destination", world.root + "/not-mounted"])
        #expect(unmounted.status == 1)
        #expect(unmounted.stderrText.contains("destination.path"), "\(unmounted.stderrText)")
        try world.writeLog("c1", "shop", "access_log.2026112001", lines: 0..<10)
        let run = try world.logdump(["run", "--destination", world.root + "/not-mounted"])
        #expect(run.status == 4)
        #expect(run.stderrText.contains("is the share mounted?"), "\(run.stderrText)")
        #expect(try world.allFiles(world.sources).count == 1)
    }

    @Test func usageErrorsExitOneAndHelpExitsZero() throws {
        let unknown = try runProcess(Executables.logdump, ["run", "--no-such-flag"])
        #expect(unknown.status == 1)
        let help = try runProcess(Executables.logdump, ["--help"])
        #expect(help.status == 0)
        #expect(help.stdoutText.contains("Exit codes"))
        let missing = try runProcess(Executables.logdump, ["run", "--config", "/nonexistent/logdump.toml"])
        #expect(missing.status == 1)
        #expect(missing.stderrText.contains("--config"))
    }

    @Test func statusShowsOpenClosedShippedPerSite() throws {
        let world = try DumpWorld()
        try world.writeLog("c1", "shop", "access_log.2026112001", lines: 0..<10)
        try world.writeLog("c1", "shop", "access_log.2026112002", lines: 0..<10)
        let before = try world.logdump(["status"])
        #expect(before.status == 0)
        #expect(before.stdoutText.contains("last run: never"), "\(before.stdoutText)")
        let row = before.stdoutText.split(separator: "\n").first { $0.hasPrefix("c1") } ?? ""
        #expect(row.split(separator: " ").map(String.init) == ["c1", "shop", "0", "2", "0", "0", "0", "2026-11-20", "01:00"], "\(before.stdoutText)")
        #expect(try world.logdump(["run"]).status == 0)
        let after = try world.logdump(["status"])
        let shippedRow = after.stdoutText.split(separator: "\n").first { $0.hasPrefix("c1") } ?? ""
        #expect(shippedRow.split(separator: " ").map(String.init) == ["c1", "shop", "0", "0", "0", "2", "0", "-"], "\(after.stdoutText)")
        #expect(after.stdoutText.contains("last run:") && after.stdoutText.contains("exit 0"))
    }
}
