import LogSplitCore
import Testing

@Suite struct DurationSpecTests {
    @Test(arguments: [
        ("1hour", 1, Periodicity.hour), ("2hours", 2, .hour), ("hourly", 1, .hour), ("15 min", 15, .minute),
        ("30sec", 30, .second), ("1day", 1, .day), ("1week", 1, .week), ("3months", 3, .month), ("90", 90, .second),
    ])
    func parsesCronologDurations(text: String, count: Int, unit: Periodicity) throws {
        let spec = try DurationSpec(parsing: text)
        #expect(spec.count == count)
        #expect(spec.unit == unit)
    }

    @Test func rejectsUnknownUnitsWithAnExample() {
        #expect(throws: UsageError.self) { try DurationSpec(parsing: "1h") }
    }

    @Test(arguments: ["0hours", "0min", "7hours", "7min", "5months", "60sec"])
    func rejectsPeriodsThatCronologCrashesOnOrCannotAlign(text: String) throws {
        #expect(throws: UsageError.self) { try DurationSpec(parsing: text).validatedAsPeriod(original: text) }
    }

    @Test func countsNominalSeconds() throws {
        #expect(try DurationSpec(parsing: "5min").seconds == 300)
        #expect(try DurationSpec(parsing: "1hour").seconds == 3600)
    }

    @Test(arguments: ["-1hour", "-5min", " -1sec", "-0sec", "-999999999months"])
    func aNegativeDurationIsARangeErrorNamingTheValue(text: String) {
        #expect {
            try DurationSpec(parsing: text)
        } throws: { error in
            let message = (error as? UsageError)?.message ?? ""
            return message.contains("'\(text)'") && message.contains("negative")
        }
    }

    @Test func theLargestCountsNeverTrap() throws {
        #expect(try DurationSpec(parsing: "999999999months").seconds == 999_999_999 * 31 * 86_400)
        #expect(DurationSpec(count: 2, unit: .once).seconds == Int.max)
        #expect(DurationSpec(count: Int.max, unit: .month).seconds == Int.max)
        #expect(throws: UsageError.self) { try DurationSpec(parsing: "9999999999sec") }
    }

    @Test func parsesSizes() throws {
        #expect(try ByteCount.parse("16M") == 16 << 20)
        #expect(try ByteCount.parse("512k") == 512 << 10)
        #expect(try ByteCount.parse("100") == 100)
        #expect(throws: UsageError.self) { try ByteCount.parse("lots") }
    }
}
