import LogSplitCore
import Testing

/// Period boundaries in fixed zones, DST both ways included. Instants are UTC seconds since the epoch.
@Suite struct RotationPeriodTests {
    let hourly = RotationPeriod(unit: .hour)

    func name(_ t: Int, _ zone: CivilTimeZone, _ period: RotationPeriod, _ pattern: String = "%Y%m%d%H") -> String {
        zone.format(pattern, at: period.start(containing: t, in: zone))!
    }

    @Test func hourlyPeriodsStartOnTheHourInUTC() {
        let utc = CivilTimeZone(identifier: "UTC")
        let t = 1_795_701_600 + 1234  // 2026-11-26 14:20:34 UTC
        #expect(hourly.start(containing: t, in: utc) == 1_795_701_600)
        #expect(hourly.nextStart(after: 1_795_701_600, in: utc) == 1_795_701_600 + 3600)
    }

    @Test func hourlyPeriodsFollowLocalHoursInAHalfHourZone() {
        let kolkata = CivilTimeZone(identifier: "Asia/Kolkata")  // UTC+5:30: local hours start at :30 UTC
        let t = 1_795_701_600 + 10 * 60  // 14:10 UTC = 19:40 IST
        #expect(hourly.start(containing: t, in: kolkata) == 1_795_701_600 - 30 * 60)
        #expect(name(t, kolkata, hourly) == "2026112619")
    }

    @Test func fallBackPutsBothLocalOneOClockHoursInOneName() {
        let newYork = CivilTimeZone(identifier: "America/New_York")
        let edtOne = 1_793_505_600 + 3600 + 1800  // 2026-11-01 05:30 UTC = 01:30 EDT
        let estOne = edtOne + 3600  // 06:30 UTC = 01:30 EST
        #expect(name(edtOne, newYork, hourly) == "2026110101")
        #expect(name(estOne, newYork, hourly) == "2026110101")
        #expect(name(estOne + 3600, newYork, hourly) == "2026110102")
    }

    @Test func springForwardSkipsTheMissingHour() {
        let newYork = CivilTimeZone(identifier: "America/New_York")
        let beforeGap = 1_772_953_140  // 2026-03-08 06:59 UTC = 01:59 EST
        #expect(name(beforeGap, newYork, hourly) == "2026030801")
        let start = hourly.start(containing: beforeGap, in: newYork)
        let next = hourly.nextStart(after: start, in: newYork)
        #expect(next == beforeGap + 60)
        #expect(name(next, newYork, hourly) == "2026030803")
    }

    @Test func lordHowesHalfHourShiftMakesAnHourAndAHalfOfOneName() {
        let lordHowe = CivilTimeZone(identifier: "Australia/Lord_Howe")
        let oneAM = 1_775_311_200  // 2026-04-04 14:00 UTC = 2026-04-05 01:00 LHDT (+11); DST ends at 02:00 LHDT
        for offset in [0, 29 * 60, 30 * 60, 89 * 60] {
            #expect(name(oneAM + offset, lordHowe, hourly) == "2026040501", "offset \(offset)")
        }
        #expect(name(oneAM + 90 * 60, lordHowe, hourly) == "2026040502")
    }

    @Test func daysAcrossDSTStartAtLocalMidnightAndLast23Or25Hours() {
        let newYork = CivilTimeZone(identifier: "America/New_York")
        let daily = RotationPeriod(unit: .day)
        let midnight = 1_793_505_600  // 2026-11-01 00:00 EDT
        #expect(daily.start(containing: midnight + 20 * 3600, in: newYork) == midnight)
        #expect(daily.nextStart(after: midnight, in: newYork) == 1_793_595_600)  // 25 hours later
        let berlin = CivilTimeZone(identifier: "Europe/Berlin")
        let springDay = 1_774_738_800  // 2026-03-29 00:00 CET
        #expect(daily.start(containing: springDay + 12 * 3600, in: berlin) == springDay)
        #expect(daily.nextStart(after: springDay, in: berlin) == 1_774_821_600)  // 23 hours later
    }

    @Test func weeksStartOnSundayOrMonday() {
        let utc = CivilTimeZone(identifier: "UTC")
        let thursday = 1_795_701_600  // 2026-11-26 is a Thursday
        let sunday = RotationPeriod(unit: .week).start(containing: thursday, in: utc)
        let monday = RotationPeriod(unit: .week, weeksStartOnMonday: true).start(containing: thursday, in: utc)
        #expect(utc.format("%Y-%m-%d %H:%M:%S %a", at: sunday) == "2026-11-22 00:00:00 Sun")
        #expect(utc.format("%Y-%m-%d %H:%M:%S %a", at: monday) == "2026-11-23 00:00:00 Mon")
    }

    @Test func monthsStartOnTheFirst() {
        let utc = CivilTimeZone(identifier: "UTC")
        let monthly = RotationPeriod(unit: .month)
        let start = monthly.start(containing: 1_795_701_600, in: utc)
        #expect(utc.format("%Y-%m-%d %H:%M:%S", at: start) == "2026-11-01 00:00:00")
        #expect(utc.format("%Y-%m-%d %H:%M:%S", at: monthly.nextStart(after: start, in: utc)) == "2026-12-01 00:00:00")
    }

    @Test func multiHourAndMultiMinutePeriodsAlignToTheirCount() {
        let utc = CivilTimeZone(identifier: "UTC")
        let t = 1_795_701_600 + 3600 + 20 * 60  // 15:20 UTC
        #expect(utc.format("%H:%M", at: RotationPeriod(unit: .hour, multiple: 2).start(containing: t, in: utc)) == "14:00")
        #expect(utc.format("%H:%M", at: RotationPeriod(unit: .minute, multiple: 15).start(containing: t, in: utc)) == "15:15")
    }

    @Test func onceOnlyNeverEnds() {
        let utc = CivilTimeZone(identifier: "UTC")
        let once = RotationPeriod(unit: .once)
        #expect(once.start(containing: 42, in: utc) == 42)
        #expect(once.nextStart(after: 42, in: utc) == Int.max)
    }
}

@Suite struct MultiplePeriodAlignmentTests {
    let utc = CivilTimeZone(identifier: "UTC")

    func startName(_ period: RotationPeriod, _ t: Int) -> String {
        utc.format("%Y-%m-%d", at: period.start(containing: t, in: utc))!
    }

    @Test func quartersStartInJanuaryAprilJulyOctober() {
        let quarterly = RotationPeriod(unit: .month, multiple: 3)
        #expect(startName(quarterly, 1_795_701_600) == "2026-10-01")  // 26 Nov 2026
        let start = quarterly.start(containing: 1_795_701_600, in: utc)
        #expect(utc.format("%Y-%m-%d", at: quarterly.nextStart(after: start, in: utc)) == "2027-01-01")
    }

    @Test func multiDayPeriodsDoNotDependOnTheFirstLine() {
        let twoDays = RotationPeriod(unit: .day, multiple: 2)
        let day = 86_400
        let thursday = 1_795_701_600  // 2026-11-26 is day 20783 since 1970-01-01: odd, so its pair began the 25th
        #expect(startName(twoDays, thursday) == "2026-11-25")
        #expect(startName(twoDays, thursday + day) == "2026-11-27")
        #expect(startName(twoDays, thursday + 2 * day) == "2026-11-27")
        #expect(startName(twoDays, thursday + 3 * day) == "2026-11-29")
    }

    @Test func multiWeekPeriodsAlignOnWholeWeeks() {
        let twoWeeks = RotationPeriod(unit: .week, multiple: 2)
        let week = 7 * 86_400
        let a = startName(twoWeeks, 1_795_701_600)
        let b = startName(twoWeeks, 1_795_701_600 + week)
        let c = startName(twoWeeks, 1_795_701_600 + 2 * week)
        #expect((a == b) != (b == c))
    }
}
