import LogSplitCore
import Testing

/// `-s/--start-time`: cronolog's formats, read as UTC, with nothing but a UTC designator after the time.
@Suite struct StartTimeTests {
    static let expected = 1_795_701_600  // 2026-11-26 14:00:00 UTC

    @Test(arguments: ["GMT", "UTC", "Z", "+0000", "-0000", "+00:00", "-00:00", "UTC  "])
    func acceptsAnExplicitUTCDesignatorAfterTheTime(designator: String) throws {
        #expect(try StartTime.parse("26 Nov 2026 14:00:00 \(designator)", american: false) == Self.expected)
    }

    @Test(arguments: ["GMTx", "GMT+1", "CET", "+0100", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "UTC UTC", "14"])
    func rejectsAnythingElseAfterTheTimeNamingTheValue(tail: String) {
        let text = "26 Nov 2026 14:00:00 \(tail)"
        #expect {
            try StartTime.parse(text, american: false)
        } throws: { error in
            (error as? UsageError)?.message.contains("'\(text)'") == true
        }
    }

    /// The pointer strptime returns points into the argument's C string: reading it after that buffer is
    /// gone trapped ("UnsafeMutablePointer.initialize overlapping range") on a long tail.
    @Test func longTrailingGarbageIsAnErrorNotATrap() {
        let text = "26 Nov 2026 14:00:00 " + String(repeating: "x", count: 4000)
        #expect(throws: UsageError.self) { try StartTime.parse(text, american: false) }
    }

    @Test(arguments: ["31 Feb 2026 14:00:00", "29 Feb 2025", "31 Apr 2026", "29-Feb-2100 10:00"])
    func rejectsADayTheMonthDoesNotHave(text: String) {
        #expect {
            try StartTime.parse(text, american: false)
        } throws: { error in
            (error as? UsageError)?.message.contains("'\(text)'") == true
        }
    }

    @Test func acceptsLeapDays() throws {
        #expect(try StartTime.parse("29 Feb 2028", american: false) == 1_835_395_200)
        #expect(try StartTime.parse("29 Feb 2000", american: false) == 951_782_400)
    }
}
