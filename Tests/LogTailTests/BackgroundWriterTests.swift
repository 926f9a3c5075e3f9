import Foundation
@testable import LogTail
import Synchronization
import Testing

@Suite struct BackgroundWriterTests {
    struct DiskFull: Error {}

    /// A write function that blocks until released, recording what it wrote.
    final class SlowDisk: Sendable {
        let written = Mutex<[Int]>([])
        let started = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        func write(_ value: Int) throws {
            started.signal()
            release.wait()
            written.withLock { $0.append(value) }
        }
    }

    @Test func submittingReturnsAtOnceWhileTheDiskIsSlowAndOnlyTheNewestWaitingDocumentIsWritten() throws {
        let disk = SlowDisk()
        let writer = BackgroundWriter<Int>(name: "test") { try disk.write($0) }
        #expect(writer.submit(1) == nil)
        disk.started.wait()  // 1 is being written and blocks
        #expect(writer.submit(2) == nil, "the caller does not wait for the disk")
        #expect(writer.submit(3) == nil)
        disk.release.signal()
        disk.started.wait()  // the next write began: 3, not 2
        disk.release.signal()
        #expect(writer.finish() == nil)
        #expect(disk.written.withLock { $0 } == [1, 3], "2 was replaced by 3 while it waited")
    }

    @Test func aFailedWriteIsReportedByTheNextSubmitUntilAWriteSucceeds() throws {
        let failing = Mutex(true)
        let writer = BackgroundWriter<Int>(name: "test") { _ in if failing.withLock({ $0 }) { throw DiskFull() } }
        #expect(writer.submit(1) == nil, "no write ended yet")
        var reported: (any Error)?
        for attempt in 2..<2000 where reported == nil {
            usleep(1000)
            reported = writer.submit(attempt)
        }
        #expect(reported is DiskFull, "the failure of an earlier write reached the caller")
        failing.withLock { $0 = false }
        _ = writer.submit(9999)
        #expect(writer.finish() == nil, "the last write succeeded, and finish says so")
    }

    @Test func finishWaitsUntilWhatWasHandedOverIsWritten() throws {
        let written = Mutex<[Int]>([])
        let writer = BackgroundWriter<Int>(name: "test") { value in
            usleep(50_000)
            written.withLock { $0.append(value) }
        }
        _ = writer.submit(7)
        #expect(writer.finish() == nil)
        #expect(written.withLock { $0 } == [7])
        #expect(writer.finish() == nil, "finishing twice is harmless")
    }
}
