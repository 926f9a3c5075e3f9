import LogSplitCore
import Testing

@Suite struct LineTimestampTests {
    func instant(_ line: String) -> Int? {
        var bytes = Array(line.utf8)
        return bytes.withUnsafeMutableBytes { LineTimestamp.instant(in: UnsafeRawBufferPointer($0)) }
    }

    @Test func readsApachesRequestTimeWithItsOffset() {
        let line = #"10.0.0.1 - - [26/Nov/2026:14:10:31 +0800] "GET / HTTP/1.1" 200 5 "-" "curl""#
        #expect(instant(line) == 1_795_673_431)  // 2026-11-26 06:10:31 UTC
        #expect(instant(#"::1 - - [26/Nov/2026:06:10:31 +0000] "GET /""#) == 1_795_673_431)
        #expect(instant(#"::1 - - [26/Nov/2026:00:40:31 -0530] "GET /""#) == 1_795_673_431)
    }

    @Test(arguments: [
        "no time here",
        "1.2.3.4 - - [26/Foo/2026:14:10:31 +0800] x",
        "1.2.3.4 - - [26/Nov/2026:14:10:31 +08] x",
        "1.2.3.4 - - [26/Nov/2026:25:10:31 +0800] x",
        "1.2.3.4 - [evil] [26/Nov/2026:14:10:31 +0800] x",
        "1.2.3.4 - - [26/Nov/2026:14:1",
    ])
    func rejectsMalformedOrMisleadingTimes(line: String) {
        #expect(instant(line) == nil)
    }

    /// A day beyond the month's length used to roll over (`31/Feb` read as 3 March).
    @Test(arguments: [
        "[31/Feb/2026:14:10:31 +0000]", "[29/Feb/2025:14:10:31 +0000]", "[29/Feb/2100:14:10:31 +0000]",
        "[31/Apr/2026:14:10:31 +0000]", "[31/Jun/2026:14:10:31 +0000]", "[31/Sep/2026:14:10:31 +0000]",
        "[31/Nov/2026:14:10:31 +0000]",
    ])
    func aDayTheMonthDoesNotHaveLeavesTheLineUntimed(stamp: String) {
        #expect(instant("1.2.3.4 - - \(stamp) x") == nil)
    }

    @Test func leapDaysAndMonthEndsAreTimed() {
        #expect(instant("x [29/Feb/2028:00:00:00 +0000] y") == 1_835_395_200)
        #expect(instant("x [29/Feb/2000:00:00:00 +0000] y") == 951_782_400)
        #expect(instant("x [31/Dec/2026:00:00:00 +0000] y") == 1_798_675_200)
        #expect(instant("x [30/Apr/2026:00:00:00 +0000] y") == 1_777_507_200)
    }

    /// An offset beyond ±14:00, or with minutes over 59, used to be taken as given (`+9999`).
    @Test(arguments: ["+9999", "-9999", "+1401", "-1500", "+0860", "+0199", "+2400"])
    func anImpossibleOffsetLeavesTheLineUntimed(offset: String) {
        #expect(instant("1.2.3.4 - - [26/Nov/2026:14:10:31 \(offset)] x") == nil)
    }

    @Test func theWidestRealOffsetsAreTimed() {
        #expect(instant("x [26/Nov/2026:20:10:31 +1400] y") == 1_795_673_431)
        #expect(instant("x [26/Nov/2026:02:10:31 -1200] y") == 1_795_673_431 + 8 * 3600)
        #expect(instant("x [26/Nov/2026:20:55:31 +0545] y") == 1_795_673_431 + 9 * 3600)
    }

    @Test func parsesCronologStartTimes() throws {
        #expect(try StartTime.parse("26 Nov 2026 14:00:00", american: false) == 1_795_701_600)
        #expect(try StartTime.parse("26-Nov-2026 14:00", american: false) == 1_795_701_600)
        #expect(try StartTime.parse("Nov 26 2026 14:00:00", american: true) == 1_795_701_600)
        #expect(throws: UsageError.self) { try StartTime.parse("yesterday", american: false) }
    }
}
