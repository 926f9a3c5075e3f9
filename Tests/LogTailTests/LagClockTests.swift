import LogTail
import Testing

/// The lag in seconds: how long the oldest byte not yet acknowledged has waited, at most, from an injected clock.
@Suite struct LagClockTests {
    let second: Int64 = 1_000_000

    @Test func nothingWaitingIsNoLagAndWaitingBytesCountFromTheLastTimeAllWereAcknowledged() {
        var clock = LagClock(caughtUpAt: 100 * second)
        clock.observe(backlogBytes: 0, now: 200 * second)
        #expect(clock.lagSeconds(backlogBytes: 0, now: 201 * second) == 0)
        #expect(clock.waitingSince == nil)
        clock.observe(backlogBytes: 500, now: 201 * second)
        clock.observe(backlogBytes: 900, now: 203 * second)
        #expect(clock.lagSeconds(backlogBytes: 900, now: 204 * second + second / 2) == 4.5,
                "the bytes came after 200 s, when everything was last seen acknowledged")
        #expect(clock.waitingSince == 200)
        clock.observe(backlogBytes: 0, now: 205 * second)
        #expect(clock.lagSeconds(backlogBytes: 0, now: 206 * second) == 0)
        #expect(clock.waitingSince == nil)
    }

    @Test func aResumedFileWaitsSinceItsSavedWaitOrSinceTheSaveOrSinceItWasFound() {
        let now = 1000 * second
        #expect(LagClock.resumed(waitingSince: 400, savedAt: 900, now: now).lagSeconds(backlogBytes: 1, now: now) == 600)
        #expect(LagClock.resumed(waitingSince: nil, savedAt: 900, now: now).lagSeconds(backlogBytes: 1, now: now) == 100)
        #expect(LagClock.resumed(waitingSince: nil, savedAt: nil, now: now).lagSeconds(backlogBytes: 1, now: now) == 0)
        #expect(LagClock.resumed(waitingSince: 5000, savedAt: nil, now: now).lagSeconds(backlogBytes: 1, now: now) == 0,
                "a wait saved in the future (clock set back) is not negative")
    }

    @Test func theClockGoingBackNeverGivesANegativeLag() {
        var clock = LagClock(caughtUpAt: 500 * second)
        clock.observe(backlogBytes: 10, now: 501 * second)
        #expect(clock.lagSeconds(backlogBytes: 10, now: 400 * second) == 0)
    }
}
