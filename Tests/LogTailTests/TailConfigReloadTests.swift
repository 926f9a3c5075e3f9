import Foundation
import LogDump
import LogTail
import Synchronization
import Testing

/// A change of the configuration file reloads it the way SIGHUP does: written in place, renamed into place, or
/// swapped through a symlink (a Kubernetes ConfigMap); an invalid one is reported once and the running one kept;
/// no line is lost or repeated across reloads.
@Suite(.serialized) struct TailConfigReloadTests {
    /// The `[tail]` sections of the transports a service made, in order.
    final class Sections: Sendable {
        private let made = Mutex<[TailSection]>([])
        func append(_ section: TailSection) { made.withLock { $0.append(section) } }
        var all: [TailSection] { made.withLock { $0 } }
    }

    func lines(_ world: TailWorld) -> [String] { world.logText.split(separator: "\n").map(String.init) }

    @Test func aFileWrittenInPlaceIsReloadedAndTheNewFacilityUsedWithoutLosingALine() throws {
        let world = try TailWorld()
        let config = world.root + "/logdump.toml"
        try world.configText().write(toFile: config, atomically: false, encoding: .utf8)
        let name = TailWorld.currentHourName
        let first = TailWorld.lines("before", 0..<20)
        try world.append("c1", "www", name, TailWorld.text(first))
        let transport = RecordingTransport()
        let sections = Sections()
        let running = try world.start(transport, reload: { TailWorld.load(config) }, configPath: config, made: { sections.append($0) })
        TailWorld.waitUntil(10) { transport.messages.count >= 20 }
        try world.configText(tailExtra: "facility = \"local5\"").write(toFile: config, atomically: false, encoding: .utf8)
        let reloaded = TailWorld.waitUntil(10) { world.logText.contains("configuration reloaded") }
        let second = TailWorld.lines("after", 0..<20)
        try world.append("c1", "www", name, TailWorld.text(second))
        TailWorld.waitUntil(10) { transport.messages.count >= 40 }
        #expect(running.stop() == 0)
        #expect(reloaded, "\(world.logText)")
        #expect(sections.all.map(\.facility) == ["local0", "local5"], "a new transport with the new facility")
        #expect(world.logText.contains("\(config) changed"))
        #expect(transport.texts == first + second)
    }

    @Test func anInvalidFileIsReportedOnceAndTheRunningConfigurationKeptUntilItIsFixed() throws {
        let world = try TailWorld()
        let config = world.root + "/logdump.toml"
        try world.configText().write(toFile: config, atomically: false, encoding: .utf8)
        let name = TailWorld.currentHourName
        let transport = RecordingTransport()
        let sections = Sections()
        let running = try world.start(transport, reload: { TailWorld.load(config) }, configPath: config, made: { sections.append($0) })
        let bad = world.configText(tailExtra: "facility = \"nonsense\"")
        try bad.write(toFile: config, atomically: false, encoding: .utf8)
        TailWorld.waitUntil(10) { world.logText.contains("reload refused") }
        try bad.write(toFile: config, atomically: false, encoding: .utf8)  // the same invalid content again
        Thread.sleep(forTimeInterval: 2.5)
        let kept = TailWorld.lines("while invalid", 0..<10)
        try world.append("c1", "www", name, TailWorld.text(kept))
        TailWorld.waitUntil(10) { transport.messages.count >= 10 }
        try world.configText(tailExtra: "facility = \"local2\"").write(toFile: config, atomically: false, encoding: .utf8)
        let fixed = TailWorld.waitUntil(10) { world.logText.contains("configuration reloaded") }
        #expect(running.stop() == 0)
        #expect(fixed, "\(world.logText)")
        #expect(lines(world).filter { $0.contains("reload refused") }.count == 1, "reported once: \(world.logText)")
        #expect(lines(world).contains { $0.contains("tail.facility") && $0.contains("nonsense") }, "\(world.logText)")
        #expect(transport.texts == kept, "lines flow on with the running configuration")
        #expect(sections.all.map(\.facility) == ["local0", "local2"])
    }

    @Test func aFileRenamedIntoPlaceIsReloaded() throws {
        let world = try TailWorld()
        let config = world.root + "/logdump.toml"
        try world.configText().write(toFile: config, atomically: false, encoding: .utf8)
        let transport = RecordingTransport()
        let sections = Sections()
        let running = try world.start(transport, reload: { TailWorld.load(config) }, configPath: config, made: { sections.append($0) })
        Thread.sleep(forTimeInterval: 0.5)
        world.configuration.tail?.receiver = "relp://127.0.0.1:2600"
        try world.configText().write(toFile: config + ".new", atomically: false, encoding: .utf8)
        #expect(rename(config + ".new", config) == 0)
        let reloaded = TailWorld.waitUntil(10) { world.logText.contains("configuration reloaded") }
        #expect(running.stop() == 0)
        #expect(reloaded, "\(world.logText)")
        #expect(sections.all.map(\.receiver) == ["relp://127.0.0.1:2514", "relp://127.0.0.1:2600"])
    }

    @Test func aConfigMapStyleSymlinkSwapIsReloaded() throws {
        let world = try TailWorld()
        let directory = world.root + "/configmap"
        let manager = FileManager.default
        try manager.createDirectory(atPath: directory + "/..2026_11_30_v1", withIntermediateDirectories: true)
        try world.configText().write(toFile: directory + "/..2026_11_30_v1/logdump.toml", atomically: false, encoding: .utf8)
        try manager.createSymbolicLink(atPath: directory + "/..data", withDestinationPath: "..2026_11_30_v1")
        try manager.createSymbolicLink(atPath: directory + "/logdump.toml", withDestinationPath: "..data/logdump.toml")
        let config = directory + "/logdump.toml"
        let transport = RecordingTransport()
        let sections = Sections()
        let running = try world.start(transport, reload: { TailWorld.load(config) }, configPath: config, made: { sections.append($0) })
        Thread.sleep(forTimeInterval: 0.5)
        // What the kubelet does: a new timestamped directory, a new ..data link renamed over the old, the old removed.
        try manager.createDirectory(atPath: directory + "/..2026_11_30_v2", withIntermediateDirectories: true)
        try world.configText(tailExtra: "severity = \"notice\"").write(toFile: directory + "/..2026_11_30_v2/logdump.toml",
                                                                      atomically: false, encoding: .utf8)
        try manager.createSymbolicLink(atPath: directory + "/..data_tmp", withDestinationPath: "..2026_11_30_v2")
        #expect(rename(directory + "/..data_tmp", directory + "/..data") == 0)
        try manager.removeItem(atPath: directory + "/..2026_11_30_v1")
        let reloaded = TailWorld.waitUntil(10) { world.logText.contains("configuration reloaded") }
        #expect(running.stop() == 0)
        #expect(reloaded, "\(world.logText)")
        #expect(sections.all.map(\.severity) == ["info", "notice"])
    }

    @Test func eventsAreActedOnOnceTheyHaveStoppedForAQuietSecond() {
        var debounce = ReloadDebounce(quietMicroseconds: 1_000_000)
        var due = debounce.takeIfDue(now: 0)
        #expect(!due)
        #expect(debounce.millisecondsUntilDue(now: 0) == nil)
        debounce.noteEvent(now: 10_000_000)
        debounce.noteEvent(now: 10_400_000)
        due = debounce.takeIfDue(now: 11_000_000)
        #expect(!due, "0.6 s after the last event")
        #expect(debounce.millisecondsUntilDue(now: 11_000_000) == 400)
        due = debounce.takeIfDue(now: 11_400_000)
        #expect(due)
        due = debounce.takeIfDue(now: 12_000_000)
        #expect(!due, "once")
        debounce.noteEvent(now: 20_000_000)
        due = debounce.takeIfDue(now: 5_000_000)
        #expect(due, "the clock went back: not stuck")
    }
}
