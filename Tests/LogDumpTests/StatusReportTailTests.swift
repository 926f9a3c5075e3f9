import Foundation
import LogDump
import LogSplitCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `logdump status` with `[tail]`: the lag per site in bytes and in seconds, and tail's counters, from the
/// checkpoint file alone (no Prometheus file needed).
@Suite struct StatusReportTailTests {
    @Test func theWaitIsSinceTheSavedWaitOrSinceTheLastSaveAndNothingWhenNothingWaits() {
        func entry(waitingSince: Int?) -> TailCheckpoint {
            TailCheckpoint(path: "/x", container: "c", site: "s", device: 1, inode: 2, headLength: 0, headSHA256: "",
                           offset: 10, finished: false, size: 20, acknowledgedAt: 0, waitingSince: waitingSince)
        }
        #expect(StatusReport.tailWaitSeconds(lagBytes: 0, entry: nil, savedAt: nil, now: 1000) == 0)
        #expect(StatusReport.tailWaitSeconds(lagBytes: 5, entry: nil, savedAt: nil, now: 1000) == nil, "tail never saved")
        #expect(StatusReport.tailWaitSeconds(lagBytes: 5, entry: entry(waitingSince: 700), savedAt: 990, now: 1000) == 300)
        #expect(StatusReport.tailWaitSeconds(lagBytes: 5, entry: entry(waitingSince: nil), savedAt: 990, now: 1000) == 10,
                "caught up at its last save: the waiting bytes came after it")
        #expect(StatusReport.tailWaitSeconds(lagBytes: 5, entry: nil, savedAt: 990, now: 1000) == 10)
    }

    @Test func statusShowsTheLagInBytesAndSecondsPerSiteAndTheCountersTailSaved() throws {
        let box = try DumpSandbox()
        var tail = TailSection()
        tail.receiver = "relp://127.0.0.1:2514"
        box.config.tail = tail
        try box.writeLog("c1", "www", "01", lines: 0..<10)
        try box.writeLog("c2", "shop", "01", lines: 0..<10)
        func checkpoint(_ container: String, _ site: String, offset: Int64, waitingSince: Int?) throws -> TailCheckpoint {
            let path = box.logPath(container, site, "01")
            var info = stat()
            #expect(stat(path, &info) == 0)
            return TailCheckpoint(path: path, container: container, site: site, device: UInt64(info.st_dev),
                                  inode: UInt64(info.st_ino), headLength: 0, headSHA256: "", offset: offset,
                                  finished: false, size: Int64(info.st_size), acknowledgedAt: 0, waitingSince: waitingSince)
        }
        let now = 1_796_000_000
        var counters = TailCounters()
        counters.linesRead = 30
        counters.linesSent = 35
        counters.linesResent = 5
        counters.linesAcknowledged = 20
        counters.reconnects = 2
        counters.outages = 1
        let document = TailCheckpointDocument(
            savedAt: now - 20,
            files: [try checkpoint("c1", "www", offset: 100, waitingSince: now - 300), try checkpoint("c2", "shop", offset: 0, waitingSince: nil)],
            startedAt: now - 3600, counters: counters)
        try TailCheckpointFile.save(document, stateDirectory: box.config.stateDirectory)
        let report = try StatusReport.gather(configuration: box.config, now: now)
        let www = try #require(report.rows.first { $0.site == "www" })
        let shop = try #require(report.rows.first { $0.site == "shop" })
        #expect(www.tailLagBytes > 0 && www.tailWaitSeconds == 300)
        #expect(shop.tailWaitSeconds == 20, "caught up when saved 20 s ago")
        #expect(report.tailCounters == counters)
        let text = report.render(zone: CivilTimeZone(identifier: "UTC"))
        #expect(text.contains("TAIL WAIT") && text.contains("300 s"), "\(text)")
        #expect(text.contains("30 lines read") && text.contains("5 resent") && text.contains("2 reconnects"), "\(text)")
        #expect(text.contains("tail since 2026-"), "\(text)")
    }
}
