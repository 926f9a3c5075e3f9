import Foundation
import LogCompression
import LogDump
import LogShipCore
import Testing

@Suite struct ConfigurationTests {
    static var sampleConfigPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Config/logdump.toml").path
    }

    @Test func sampleConfigParsesToTheDefaults() throws {
        let text = try String(contentsOfFile: Self.sampleConfigPath, encoding: .utf8)
        let (config, problems) = DumpConfiguration.parse(toml: text)
        #expect(problems.isEmpty, "\(problems)")
        #expect(config.problems().isEmpty, "\(config.problems())")
        let defaults = DumpConfiguration()
        #expect(config.roots == defaults.roots)
        #expect(config.template == defaults.template)
        #expect(config.stateDirectory == defaults.stateDirectory)
        #expect(config.graceSeconds == defaults.graceSeconds)
        #expect(config.quietSeconds == defaults.quietSeconds)
        #expect(config.format == defaults.format)
        #expect(config.effectiveLevel == 3)
        #expect(config.destinationPath == defaults.destinationPath)
        #expect(config.keyTemplate == defaults.keyTemplate)
        #expect(config.keepCompressedHours == 0)
        #expect(config.recordDays == defaults.recordDays)
        #expect(config.metricsTextfile == "")
    }

    @Test func everyProblemIsNamedByItsKey() {
        let text = """
            [general]
            workers = -1
            colour = "blue"
            [sources]
            roots = ["relative/{site}"]
            template = "access_log"
            grace = "soon"
            [compression]
            format = "brotli"
            [destination]
            type = "ftp"
            key = "{host}/{site}.zst"
            [nonsense]
            x = 1
            """
        let (config, parseProblems) = DumpConfiguration.parse(toml: text)
        let keys = Set((parseProblems + config.problems()).map(\.key))
        for key in ["general.workers", "general.colour", "sources.roots", "sources.template", "sources.grace",
                    "compression.format", "destination.type", "destination.key", "nonsense"] {
            #expect(keys.contains(key), "missing a problem for \(key): \(keys)")
        }
        let (relative, _) = DumpConfiguration.parse(toml: "[destination]\npath = \"archive\"\n")
        #expect(relative.problems().map(\.key) == ["destination.path"])
    }

    @Test func brokenTomlSaysWhere() {
        let (_, problems) = DumpConfiguration.parse(toml: "[general]\nworkers = = 3\n")
        #expect(problems.count == 1)
        #expect(problems.first?.message.contains("line 2") == true)
    }

    @Test func rootPatternsNameContainerAndSite() throws {
        let named = try RootPattern("/data/containers/{container}/weblogs/{site}/")
        #expect(named.trustedPrefix == "/data/containers")
        #expect(named.components == [.container, .fixed("weblogs"), .site])
        let stars = try RootPattern("/data/containers/*/weblogs/*/")
        #expect(stars.components == [.container, .fixed("weblogs"), .site])
        let one = try RootPattern("/var/log/sites/*")
        #expect(one.components == [.site])
        #expect(throws: ConfigProblem.self) { try RootPattern("/data/../etc/{site}") }
        #expect(throws: ConfigProblem.self) { try RootPattern("/data/x{site}") }
    }

    @Test func keysAreRenderedSafely() throws {
        let key = try KeyTemplate("{host}/{container}/{site}/%Y/%m/%d/{name}.{ext}")
        let zone = LogSplitCoreZone.utc
        #expect(key.render(host: "web01", container: "c1", site: "shop", name: "access_log.2026112614", ext: "zst",
                           periodStart: 1_795_701_600, zone: zone)
                == ["web01", "c1", "shop", "2026", "11", "26", "access_log.2026112614.zst"])
        #expect(key.render(host: "..", container: "c1", site: "shop", name: "a", ext: "zst", periodStart: 0, zone: zone) == nil)
        #expect(throws: ConfigProblem.self) { try KeyTemplate("/abs/{name}") }
        #expect(throws: ConfigProblem.self) { try KeyTemplate("{host}/{unknown}/{name}") }
    }
}

import LogSplitCore
enum LogSplitCoreZone {
    static let utc = CivilTimeZone(identifier: "UTC")
}
