import Foundation
import LogDump
import LogTail
import SyslogWire
import Testing

/// The counters `logdump tail` keeps (saved with the checkpoints, for `status` and the textfile): counted right
/// through interrupted deliveries, outages, long lines and restarts.
@Suite(.serialized) struct TailCountersTests {
    func counters(_ world: TailWorld) throws -> TailCounters {
        try #require(try TailCheckpointFile.load(stateDirectory: world.state)?.counters)
    }

    func bytes(_ lines: [String]) -> Int64 { Int64(TailWorld.text(lines).utf8.count) }

    @Test func anInterruptedDeliveryCountsTheLinesSentAgainAsResentAndTheNextSuccessAsAReconnect() throws {
        let (world, lines, _) = try TailWorld.interruptedDelivery()
        let counted = try counters(world)
        let resent = Array(lines[30...])
        #expect(counted.linesRead == 100 && counted.bytesRead == bytes(lines), "every line read once: \(counted)")
        #expect(counted.linesSent == 170 && counted.bytesSent == bytes(lines) + bytes(resent))
        #expect(counted.linesResent == 70 && counted.bytesResent == bytes(resent))
        #expect(counted.linesAcknowledged == 100 && counted.bytesAcknowledged == bytes(lines))
        #expect(counted.deliveryFailures == 1 && counted.reconnects == 1)
        #expect(counted.outages == 1 && counted.linesSplit == 0)
    }

    @Test func anOutageIsCountedOnceWithEveryFailedRetryAndOneReconnect() throws {
        let (world, _, _) = try TailWorld.refusedThreeTimes()
        let counted = try counters(world)
        #expect(counted.outages == 1 && counted.deliveryFailures == 3 && counted.reconnects == 1, "\(counted)")
        #expect(counted.linesRead == 10 && counted.linesAcknowledged == 10)
        // Nothing goes out while no connection can be made: sent counts only the attempt that got through, so a
        // dashboard's send rate drops to zero during an outage instead of counting every retry.
        #expect(counted.linesSent == 10 && counted.linesResent == 0, "\(counted)")
    }

    /// Appends `text` to the current hour file, follows it through a transport `breaking` sets up until `messages`
    /// arrived, stops, and returns the counters saved.
    func counters(_ world: TailWorld, after text: String, messages: Int, breaking: (RecordingTransport) -> Void) throws -> TailCounters {
        try world.append("c1", "www", TailWorld.currentHourName, text)
        let transport = RecordingTransport()
        breaking(transport)
        let running = try world.start(transport)
        TailWorld.waitUntil(30) { transport.messages.count >= messages }
        #expect(running.stop() == 0)
        return try counters(world)
    }

    @Test func linesSentAgainAfterAConnectionBrokeUnansweredAreResentEachTime() throws {
        let lines = TailWorld.lines("c1 www", 0..<10)
        let counted = try counters(try TailWorld(), after: TailWorld.text(lines), messages: 10) { $0.breakUnanswered(3) }
        #expect(counted.deliveryFailures == 3 && counted.reconnects == 1, "\(counted)")
        #expect(counted.linesRead == 10 && counted.linesSent == 40 && counted.linesResent == 30, "\(counted)")
        #expect(counted.linesAcknowledged == 10)
    }

    @Test func aLongLineIsNotCountedSentWhileNoConnectionCanBeMade() throws {
        let huge = String(repeating: "0123456789", count: 120_000)  // longer than the 1 MiB batch: sent in chunks
        let counted = try counters(try TailWorld(maxMessageBytes: 1000), after: TailWorld.text([huge]), messages: 1200) { $0.refuse(2) }
        #expect(counted.deliveryFailures == 2 && counted.reconnects == 1, "\(counted)")
        #expect(counted.linesRead == 1 && counted.linesSent == 1 && counted.linesResent == 0 && counted.linesSplit == 1, "\(counted)")
        #expect(counted.linesAcknowledged == 1)
    }

    @Test func longLinesAreCountedAsSplitOnceAndAsOneLineEach() throws {
        let world = try TailWorld(maxMessageBytes: 1000)
        let long = String(repeating: "L", count: 2500)
        let huge = String(repeating: "0123456789", count: 120_000)  // longer than the 1 MiB batch
        let lines = ["before", long, "between", huge, "after"]
        try world.append("c1", "www", TailWorld.currentHourName, TailWorld.text(lines))
        let transport = RecordingTransport()
        let running = try world.start(transport)
        TailWorld.waitUntil(15) { transport.texts.last == "after" }
        #expect(running.stop() == 0)
        let counted = try counters(world)
        #expect(counted.linesSplit == 2, "\(counted)")
        #expect(counted.linesRead == 5 && counted.linesSent == 5 && counted.linesAcknowledged == 5)
        #expect(counted.bytesRead == bytes(lines) && counted.bytesAcknowledged == bytes(lines))
        #expect(transport.messages.count == 3 + 3 + 1200, "the parts are messages, not lines")
    }

    @Test func linesTheLastTailSentButNeverHadAcknowledgedAreCountedResentAfterARestart() throws {
        let world = try TailWorld()
        let lines = TailWorld.lines("c1 www", 0..<20)
        try world.append("c1", "www", TailWorld.currentHourName, TailWorld.text(lines))
        let down = RecordingTransport()
        down.breakUnanswered(1_000_000)
        let first = try world.start(down)
        TailWorld.waitUntil(10) { down.deliveries >= 1 }
        #expect(first.stop() == 0)
        let saved = try world.checkpoints()[world.path("c1", "www", TailWorld.currentHourName)]
        #expect(saved?.offset == 0)
        #expect(saved?.sentOffset == bytes(lines), "how far lines went out is saved")
        let up = RecordingTransport()
        let second = try world.start(up)
        TailWorld.waitUntil(10) { up.messages.count >= 20 }
        #expect(second.stop() == 0)
        let counted = try counters(world)
        #expect(counted.linesResent == 20 && counted.linesRead == 0 && counted.linesAcknowledged == 20, "\(counted)")
        #expect(try world.checkpoints()[world.path("c1", "www", TailWorld.currentHourName)]?.sentOffset == nil)
    }

    @Test func theWholeLinesOfABatchAreCountedWithEachSplitLineOnce() {
        typealias Line = LineBatch.Line
        let lines = [
            Line(start: 0, end: 3, fileOffset: 0),
            Line(start: 4, end: 8, fileOffset: 4, part: .init(index: 1, count: 2)),
            Line(start: 8, end: 12, fileOffset: 4, part: .init(index: 2, count: 2)),
            Line(start: 13, end: 15, fileOffset: 13),
        ]
        #expect(TailCounting.wholeLines(lines, before: 0) == TailCounting.Count(lines: 0, split: 0))
        #expect(TailCounting.wholeLines(lines, before: 4) == TailCounting.Count(lines: 1, split: 0))
        #expect(TailCounting.wholeLines(lines, before: 13) == TailCounting.Count(lines: 2, split: 1))
        #expect(TailCounting.wholeLines(lines, before: 100) == TailCounting.Count(lines: 3, split: 1))
    }
}
