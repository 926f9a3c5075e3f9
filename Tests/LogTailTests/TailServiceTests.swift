import Foundation
import LogDump
import LogShipCore
import Synchronization
import LogTail
import Testing

/// The followers over real files with a recording transport (the wire is tested against rsyslog elsewhere).
@Suite(.serialized) struct TailServiceTests {
    @Test func everyWholeLineArrivesInOrderAndAClosedFileWithAPartialLastLineIsFinished() throws {
        let world = try TailWorld()
        let old = TailWorld.lines("c1 www old", 0..<200)
        try world.append("c1", "www", "access_log.2026112001", TailWorld.text(old) + "last line without newline")
        let current = TailWorld.lines("c1 www now", 0..<50)
        try world.append("c1", "www", TailWorld.currentHourName, TailWorld.text(current) + "still being writ")
        let transport = RecordingTransport()
        let running = try world.start(transport)
        let expected = old + ["last line without newline"] + current
        TailWorld.waitUntil(10) { transport.messages.count >= expected.count }
        #expect(running.stop() == 0)
        let closedFile = transport.messages.filter { $0.file == "access_log.2026112001" }.map(\.text)
        let openFile = transport.messages.filter { $0.file == TailWorld.currentHourName }.map(\.text)
        #expect(closedFile == old + ["last line without newline"])
        #expect(openFile == current, "the partial line of an open file waits for its newline")
        let saved = try world.checkpoints()
        let closedPath = world.path("c1", "www", "access_log.2026112001")
        let closedSize = try FileManager.default.attributesOfItem(atPath: closedPath)[.size] as! Int
        #expect(saved[closedPath]?.finished == true)
        #expect(saved[closedPath]?.offset == Int64(closedSize))
        let openPath = world.path("c1", "www", TailWorld.currentHourName)
        #expect(saved[openPath]?.finished == false)
        #expect(saved[openPath]?.offset == Int64(TailWorld.text(current).utf8.count))
        #expect(transport.closeCount == 1)
    }

    @Test func theCheckpointMovesOnlyOverAcknowledgedLinesAndTheRestIsSentAgainWithoutAGap() throws {
        let (_, lines, transport) = try TailWorld.interruptedDelivery()
        #expect(transport.texts == lines, "30 acknowledged, then the other 70 from line 30 on: each once, in order")
        #expect(transport.deliveries >= 2)
    }

    @Test func aRestartResumesFromTheCheckpointSendingOnlyNewLines() throws {
        let world = try TailWorld()
        let name = TailWorld.currentHourName
        let first = TailWorld.lines("c1 www a", 0..<40)
        try world.append("c1", "www", name, TailWorld.text(first))
        let one = RecordingTransport()
        let running = try world.start(one)
        TailWorld.waitUntil(10) { one.messages.count >= 40 }
        #expect(running.stop() == 0)
        let second = TailWorld.lines("c1 www b", 0..<25)
        try world.append("c1", "www", name, TailWorld.text(second))
        let two = RecordingTransport()
        let again = try world.start(two)
        TailWorld.waitUntil(10) { two.messages.count >= 25 }
        #expect(again.stop() == 0)
        #expect(one.texts == first)
        #expect(two.texts == second)
    }

    @Test func aFileRemovedAndRecreatedUnderTheSameNameIsReadFromTheStart() throws {
        let world = try TailWorld()
        let name = TailWorld.currentHourName
        try world.append("c1", "www", name, TailWorld.text(TailWorld.lines("first file", 0..<30)))
        let one = RecordingTransport()
        let running = try world.start(one)
        TailWorld.waitUntil(10) { one.messages.count >= 30 }
        #expect(running.stop() == 0)
        try FileManager.default.removeItem(atPath: world.path("c1", "www", name))
        let replacement = TailWorld.lines("second file, longer than the first one", 0..<40)
        try world.append("c1", "www", name, TailWorld.text(replacement))
        let two = RecordingTransport()
        let again = try world.start(two)
        TailWorld.waitUntil(10) { two.messages.count >= 40 }
        #expect(again.stop() == 0)
        #expect(two.texts == replacement)
    }

    @Test func aFileTruncatedWhileStoppedIsReportedAndReadFromTheStart() throws {
        let world = try TailWorld()
        let name = TailWorld.currentHourName
        try world.append("c1", "www", name, TailWorld.text(TailWorld.lines("before truncation", 0..<50)))
        let one = RecordingTransport()
        let running = try world.start(one)
        TailWorld.waitUntil(10) { one.messages.count >= 50 }
        #expect(running.stop() == 0)
        #expect(truncate(world.path("c1", "www", name), 0) == 0)
        let after = TailWorld.lines("after", 0..<3)
        try world.append("c1", "www", name, TailWorld.text(after))
        let two = RecordingTransport()
        let again = try world.start(two)
        TailWorld.waitUntil(10) { two.messages.count >= 3 }
        #expect(again.stop() == 0)
        #expect(two.texts == after)
        #expect(world.logText.contains("truncated") || world.logText.contains("first"), "\(world.logText)")
    }

    @Test func aClosedFileTruncatedAfterItWasStreamedIsReportedAndReadFromTheStart() throws {
        let world = try TailWorld()
        let name = "access_log.2026112001"  // a past hour: closed
        try world.append("c1", "www", name, TailWorld.text(TailWorld.lines("before truncation", 0..<50)))
        let transport = RecordingTransport()
        let running = try world.start(transport)
        let path = world.path("c1", "www", name)
        TailWorld.waitUntil(10) { (try? world.checkpoints()[path]?.finished) == true }
        #expect(truncate(path, 0) == 0)
        let after = TailWorld.lines("after", 0..<3)
        try world.append("c1", "www", name, TailWorld.text(after))
        TailWorld.waitUntil(15) { transport.messages.count >= 53 }
        #expect(running.stop() == 0)
        #expect(transport.texts == TailWorld.lines("before truncation", 0..<50) + after)
        #expect(world.logText.contains("truncated"), "the truncation was not reported:\n\(world.logText)")
        #expect(try world.checkpoints()[path]?.finished == true, "streamed to its new end")
    }

    @Test func aSymlinkOrFifoNamedLikeAnHourFileIsNeverOpenedAndReportedOnce() throws {
        let world = try TailWorld()
        let secret = world.root + "/secret"
        try "TOP SECRET password\n".write(toFile: secret, atomically: true, encoding: .utf8)
        try world.append("c1", "www", "access_log.2026112001", "a real line\n")
        try FileManager.default.createSymbolicLink(atPath: world.path("c1", "www", "access_log.2026112002"), withDestinationPath: secret)
        #expect(mkfifo(world.path("c1", "www", "access_log.2026112003"), 0o644) == 0)
        let transport = RecordingTransport()
        let running = try world.start(transport)
        TailWorld.waitUntil(10) { transport.messages.count >= 1 }
        Thread.sleep(forTimeInterval: 2.5)  // two more rescans
        #expect(running.stop() == 0)
        #expect(transport.texts == ["a real line"])
        let reports = world.logText.split(separator: "\n").filter { $0.contains("access_log.2026112002") }
        #expect(reports.count == 1, "\(reports)")
        #expect(world.logText.contains("access_log.2026112003"))
    }

    @Test func aContainerAppearingMidRunIsFollowedWithinASecondThroughInotify() throws {
        let world = try TailWorld(rescanSeconds: 3600)
        try world.append("c1", "www", TailWorld.currentHourName, "already there\n")
        let transport = RecordingTransport()
        let running = try world.start(transport)
        TailWorld.waitUntil(10) { transport.messages.count >= 1 }
        let started = Date()
        try world.append("c9", "shop", TailWorld.currentHourName, "from a new container\n")
        let arrived = TailWorld.waitUntil(5) { transport.texts.contains("from a new container") }
        let seconds = Date().timeIntervalSince(started)
        #expect(running.stop() == 0)
        #expect(arrived)
        #expect(seconds < 1.5, "took \(seconds) s with the rescan an hour away")
    }

    @Test func aReceiverThatRefusesIsRetriedWithBackoffAndOneOutageMessageEachWay() throws {
        let (world, lines, transport) = try TailWorld.refusedThreeTimes()
        #expect(transport.texts == lines)
        let log = world.logText.split(separator: "\n")
        #expect(log.filter { $0.contains("unreachable") }.count == 1, "\(log)")
        #expect(log.filter { $0.contains("is back") }.count == 1, "\(log)")
    }

    @Test func aLineLongerThanTheBatchBufferArrivesAsNumberedPartsThatRebuildIt() throws {
        let world = try TailWorld(maxMessageBytes: 65_536)
        var long = ""
        for i in 0..<(300_000) { long += String(i % 10) }
        long += long + long + long  // 1.2 MB, more than the 1 MiB batch
        try world.append("c1", "www", TailWorld.currentHourName, "before\n" + long + "\nafter\n")
        let transport = RecordingTransport()
        let running = try world.start(transport)
        TailWorld.waitUntil(15) { transport.texts.last == "after" }
        #expect(running.stop() == 0)
        let messages = transport.messages
        #expect(messages.first?.text == "before")
        #expect(messages.last?.text == "after")
        let parts = messages.dropFirst().dropLast()
        let count = (long.utf8.count + 65_535) / 65_536
        #expect(parts.map { $0.part?.index } == Array(1...count).map { Optional($0) })
        #expect(parts.allSatisfy { $0.part?.count == count && $0.offset == 7 })
        #expect(parts.map(\.text).joined() == long)
    }

    @Test func aReloadWithAnInvalidConfigurationIsRefusedAndAValidOneTakenWithoutLosingPositions() throws {
        let world = try TailWorld()
        let name = TailWorld.currentHourName
        let first = TailWorld.lines("before reload", 0..<20)
        try world.append("c1", "www", name, TailWorld.text(first))
        let next = Mutex<(DumpConfiguration, [ConfigProblem])>((world.configuration, [ConfigProblem(key: "tail.receiver", message: "bad")]))
        let transport = RecordingTransport()
        let running = try world.start(transport, reload: { next.withLock { $0 } })
        TailWorld.waitUntil(10) { transport.messages.count >= 20 }
        running.control.requestReload()
        TailWorld.waitUntil(5) { world.logText.contains("reload refused") }
        let second = TailWorld.lines("after a refused reload", 0..<10)
        try world.append("c1", "www", name, TailWorld.text(second))
        TailWorld.waitUntil(10) { transport.messages.count >= 30 }
        var changed = world.configuration
        changed.tail?.maxMessageBytes = 1000
        next.withLock { $0 = (changed, []) }
        running.control.requestReload()
        TailWorld.waitUntil(5) { world.logText.contains("configuration reloaded") }
        let third = TailWorld.lines("after a good reload", 0..<10)
        try world.append("c1", "www", name, TailWorld.text(third))
        TailWorld.waitUntil(10) { transport.messages.count >= 40 }
        #expect(running.stop() == 0)
        #expect(transport.texts == first + second + third, "no line lost or repeated across reloads")
        #expect(world.logText.contains("tail.receiver: bad"), "\(world.logText)")
    }
}
