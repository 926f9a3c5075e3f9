import LogTail
import Testing

@Suite struct BackoffAndOutageTests {
    @Test func backoffDoublesFromOneSecondToThirtyWithJitterInTheUpperHalf() {
        var backoff = Backoff()
        let full = (0..<8).map { _ in backoff.nextDelay(random: 1) }
        #expect(full == [1, 2, 4, 8, 16, 30, 30, 30])
        backoff.reset()
        #expect(backoff.nextDelay(random: 0) == 0.5)
        #expect(backoff.nextDelay(random: 0.5) == 1.5)
    }

    @Test func anOutageIsReportedOnceWhenItStartsAndOnceWhenItEnds() {
        var outage = OutageReport(receiver: "relp://logs:2514")
        let first = outage.failed(now: 100, reason: "connection refused", backlogBytes: 4096, backlogFiles: 2)
        #expect(first?.contains("relp://logs:2514") == true)
        #expect(first?.contains("4096 bytes in 2 file(s)") == true)
        #expect(outage.failed(now: 101, reason: "connection refused", backlogBytes: 5000, backlogFiles: 2) == nil)
        #expect(outage.failed(now: 130, reason: "timeout", backlogBytes: 6000, backlogFiles: 2) == nil)
        let back = outage.delivered(now: 140, backlogBytes: 6000)
        #expect(back?.contains("back after 40 s") == true)
        #expect(outage.delivered(now: 141, backlogBytes: 0) == nil)
    }
}
