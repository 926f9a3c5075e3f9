import Foundation
import LogDestinations
import LogDump
import LogDumpFaults
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The destination is probed while the workers compress: a run whose destination turns out unusable leaves nothing
/// recorded, nothing in the spool and every original in place (exit 4), as when the probe came first; a slow but
/// usable destination ships everything.
@Suite struct DestinationGateTests {
    /// Answers the probe after `delay` seconds, usable or not; everything else goes to `inner`.
    struct SlowProbe: ForwardingDestination {
        let inner: any Destination
        let delay: Double
        let usable: Bool
        func checkAvailable() throws(DestinationError) {
            usleep(UInt32(delay * 1_000_000))
            guard usable else { throw .unavailable("the test's destination is not mounted") }
            try inner.checkAvailable()
        }
    }

    static func entries(_ path: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    }

    @Test(.timeLimit(.minutes(10)))
    func aDestinationFoundUnusableWhileCompressingLeavesNothingRecorded() throws {
        let box = try DumpSandbox()
        for hour in ["00", "01", "02", "03", "04", "05"] { try box.writeLog("c1", "shop", hour, lines: 0..<20_000) }
        let hooks = RunHooks(wrapDestination: { SlowProbe(inner: $0, delay: 1.5, usable: false) })
        #expect(try box.run(hooks: hooks) == 4)
        for hour in ["00", "01", "02", "03", "04", "05"] { #expect(box.exists(box.logPath("c1", "shop", hour))) }
        #expect(Self.entries(box.root + "/state/v1/records").isEmpty, "records written: \(Self.entries(box.root + "/state/v1/records"))")
        #expect(Self.entries(box.root + "/state/v1/spool").isEmpty, "spool left: \(Self.entries(box.root + "/state/v1/spool"))")
        #expect(box.destinationFiles().isEmpty)
        let report = try StatusReport.gather(configuration: box.config)
        #expect(report.lastRun?.exitCode == 4)
        #expect(report.lastRun?.messages.first?.contains("not mounted") == true, "\(String(describing: report.lastRun?.messages))")
    }

    @Test(.timeLimit(.minutes(10)))
    func aSlowButUsableDestinationShipsEverything() throws {
        let box = try DumpSandbox()
        var texts: [String: String] = [:]
        for hour in ["00", "01", "02", "03"] { texts[hour] = try box.writeLog("c1", "shop", hour, lines: 0..<5_000) }
        let hooks = RunHooks(wrapDestination: { SlowProbe(inner: $0, delay: 1, usable: true) })
        #expect(try box.run(hooks: hooks) == 0)
        for (hour, text) in texts {
            #expect(!box.exists(box.logPath("c1", "shop", hour)))
            #expect(try DumpSandbox.decompressFile(box.keyPath("c1", "shop", hour)) == text)
        }
        #expect(box.destinationFiles().count == 4)
    }
}
