import Foundation
import LogDestinations
import LogDump
import LogDumpFaults
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// One shipper while the workers compress; once compression is done a second one takes what waits, so the last
/// files of a run do not wait for the batch in flight.
@Suite(.timeLimit(.minutes(10))) struct DumpRunnerShipperTests {
    /// Takes `seconds` over every batch put and notes how many batch puts were in flight at once, at most.
    final class SlowBatches: ForwardingDestination, Sendable {
        let inner: any Destination
        let seconds: Double
        private let inFlight = Atomic<Int>(0)
        private let most = Atomic<Int>(0)
        private let batches = Atomic<Int>(0)
        var mostAtOnce: Int { most.load(ordering: .relaxed) }
        var batchCount: Int { batches.load(ordering: .relaxed) }

        init(inner: any Destination, seconds: Double) {
            self.inner = inner
            self.seconds = seconds
        }

        func putMany(_ requests: [PutRequest]) -> [Result<Void, DestinationError>] {
            batches.add(1, ordering: .relaxed)
            let now = inFlight.add(1, ordering: .relaxed).newValue
            most.max(now, ordering: .relaxed)
            usleep(UInt32(seconds * 1_000_000))
            defer { inFlight.subtract(1, ordering: .relaxed) }
            return inner.putMany(requests)
        }
    }

    @Test func theFilesWaitingWhenCompressionEndsGoBesideTheBatchInFlight() throws {
        let box = try DumpSandbox()
        box.config.workers = 1
        var texts: [String: String] = [:]
        for hour in ["00", "01", "02", "03", "04", "05"] { texts[hour] = try box.writeLog("c1", "shop", hour, lines: 0..<4_000) }
        let slow = Mutex<SlowBatches?>(nil)
        // Each file takes a while to compress (two reads, 60 ms each), and each batch 2 s to put: the first file
        // goes alone, and the five others are compressed (one worker) and waiting long before that put ends.
        let hooks = RunHooks(wrapDestination: { inner in
            let wrapped = SlowBatches(inner: inner, seconds: 2)
            slow.withLock { $0 = wrapped }
            return wrapped
        }, compressionReadDelayMicroseconds: 60_000)

        #expect(try box.run(hooks: hooks) == 0)

        let destination = try #require(slow.withLock { $0 })
        #expect(destination.mostAtOnce == 2, "batches in flight at once: \(destination.mostAtOnce)")
        #expect(destination.batchCount == 2, "batches: \(destination.batchCount)")
        for (hour, text) in texts {
            #expect(!box.exists(box.logPath("c1", "shop", hour)))
            #expect(try DumpSandbox.decompressFile(box.keyPath("c1", "shop", hour)) == text)
        }
    }
}
