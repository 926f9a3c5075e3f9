import Foundation
import LinuxSystem
import LogDump
import LogTail
import Synchronization
import Testing

/// The Prometheus textfile of `logdump tail`: the text format read back, hostile names escaped, written beside
/// `run`'s file atomically, the lag from the injected clock.
@Suite(.serialized) struct TailMetricsTests {
    @Test func theTextReadsBackWithEveryFamilyTypedAndHostileLabelValuesEscaped() throws {
        var counters = TailCounters()
        counters.linesRead = 12
        counters.linesAcknowledged = 10
        counters.linesResent = 2
        counters.reconnects = 1
        let hostile = "c\"1\\x\ny"
        let text = TailMetrics.render(host: "web\"01", startedAt: 1_796_000_000, receiverUp: false, counters: counters,
                                      filesFollowed: 2, files: [
                                          .init(container: hostile, site: "s}\n{", file: "access_log.2026113014", bytes: 512, seconds: 3.25),
                                          .init(container: "c2", site: "www", file: "access_log.2026113014", bytes: 0, seconds: 0),
                                      ])
        let parsed = try PrometheusText(text)
        #expect(parsed.value("logdump_tail_lines_read_total", ["host": "web\"01"]) == 12)
        #expect(parsed.value("logdump_tail_lines_acknowledged_total") == 10)
        #expect(parsed.value("logdump_tail_lines_resent_total") == 2)
        #expect(parsed.value("logdump_tail_reconnects_total") == 1)
        #expect(parsed.value("logdump_tail_receiver_up") == 0)
        #expect(parsed.value("logdump_tail_start_time_seconds") == 1_796_000_000)
        #expect(parsed.value("logdump_tail_lag_bytes", ["container": hostile, "site": "s}\n{"]) == 512)
        #expect(parsed.value("logdump_tail_lag_seconds", ["container": hostile, "site": "s}\n{"]) == 3.25)
        #expect(parsed.value("logdump_tail_lag_seconds", ["container": "c2"]) == 0)
        for (name, type) in parsed.types where name.hasSuffix("_total") { #expect(type == "counter", "\(name)") }
        #expect(parsed.types["logdump_tail_lag_seconds"] == "gauge")
        #expect(text.split(separator: "\n").allSatisfy { !$0.isEmpty }, "one sample or comment per line: a newline in a name is escaped")
    }

    @Test func tailsFileIsNamedBesideRunsTextfile() {
        #expect(Metrics.tailTextfilePath("/var/lib/node-exporter/logdump.prom") == "/var/lib/node-exporter/logdump-tail.prom")
        #expect(Metrics.tailTextfilePath("/m/logdump") == "/m/logdump-tail.prom")
        #expect(Metrics.tailTextfilePath("") == "")
    }

    @Test func theServiceWritesItsTextfileAtomicallyWithTheCountersAndTheLagOfWhatWaitsFromItsClock() throws {
        let world = try TailWorld()
        try FileManager.default.createDirectory(atPath: world.root + "/metrics", withIntermediateDirectories: true)
        world.configuration.metricsTextfile = world.root + "/metrics/logdump.prom"
        world.configuration.graceSeconds = 7200  // the current hour's file stays open whatever the test clock says
        let lines = TailWorld.lines("c1 www", 0..<25)
        try world.append("c1", "www", TailWorld.currentHourName, TailWorld.text(lines) + "a last line still being written")
        let offset = Mutex<Int64>(0)
        let clock: @Sendable () -> Int64 = { WallClock.microseconds() + offset.withLock { $0 } }
        let started = clock()
        let transport = RecordingTransport()
        let running = try world.start(transport, clock: clock)
        TailWorld.waitUntil(10) { transport.messages.count >= 25 }
        let path = world.root + "/metrics/logdump-tail.prom"
        #expect(TailWorld.waitUntil(5) { FileManager.default.fileExists(atPath: path) }, "written at once, then every 5 s")
        offset.withLock { $0 = 600 * 1_000_000 }  // ten minutes later, the partial line still waits
        #expect(running.stop() == 0)
        let ended = clock()
        let parsed = try PrometheusText(try String(contentsOfFile: path, encoding: .utf8))
        #expect(parsed.value("logdump_tail_lines_acknowledged_total") == 25)
        #expect(parsed.value("logdump_tail_bytes_acknowledged_total") == Double(TailWorld.text(lines).utf8.count))
        #expect(parsed.value("logdump_tail_receiver_up") == 1)
        #expect(parsed.value("logdump_tail_files_followed") == 1)
        let file = ["host": "test", "container": "c1", "site": "www", "file": TailWorld.currentHourName]
        #expect(parsed.value("logdump_tail_lag_bytes", file) == Double("a last line still being written".utf8.count))
        let lag = try #require(parsed.value("logdump_tail_lag_seconds", file))
        #expect(lag >= 600 && lag <= Double(ended - started) / 1e6, "waiting since tail found the file: \(lag)")
        let entry = try world.checkpoints()[world.path("c1", "www", TailWorld.currentHourName)]
        #expect(entry?.waitingSince.map { $0 >= Int(started / 1_000_000) - 1 } == true, "\(String(describing: entry))")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: world.root + "/metrics")
        #expect(leftovers == ["logdump-tail.prom"], "no temporary file left, and run's file is not tail's to write")
    }
}
