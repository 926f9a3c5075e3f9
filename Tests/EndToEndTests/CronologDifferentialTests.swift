import Foundation
import Testing

/// logsplit against the real Debian cronolog 1.6.2 (package `cronolog`), both run under libfaketime
/// (package `faketime`) on the same stepped fake clock with the same lines: file names, bytes, modes,
/// symlink targets and hard links must be identical. Where logsplit deliberately differs (a fixed Debian
/// bug, a line at a boundary), the test asserts our behaviour and its name says so.
///
/// All times in the schedules are UTC; comments give the local time when a `-z` zone is in play.
/// Each line is written alone and the clock moves only after the line is on disk (see DifferentialRunner).
@Suite("logsplit matches Debian cronolog 1.6.2 file for file")
struct CronologDifferentialTests {

    // MARK: - Period inference from the template

    @Test func hourlyTemplateRotatesAtEveryHourLikeCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-26 13:59:58", count: 2)
        s.lines(at: "2026-11-26 13:59:59")
        s.lines(at: "2026-11-26 14:00:00", count: 2)
        s.lines(at: "2026-11-26 14:59:59")
        s.lines(at: "2026-11-26 15:00:00")
        s.lines(at: "2026-11-26 17:30:00")  // no traffic at 16: no file for 16
        try DifferentialRunner.expectSameOutput(
            ["access_log.%Y%m%d%H"], schedule: s,
            expected: [
                "access_log.2026112613": [1, 2, 3], "access_log.2026112614": [4, 5, 6],
                "access_log.2026112615": [7], "access_log.2026112617": [8],
            ])
    }

    @Test func dailyTemplateRotatesAtMidnightLikeCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-12-31 23:59:58")
        s.lines(at: "2026-12-31 23:59:59")
        s.lines(at: "2027-01-01 00:00:00")
        s.lines(at: "2027-01-01 00:00:01")
        s.lines(at: "2027-01-01 23:59:59")
        s.lines(at: "2027-01-03 12:00:00")
        try DifferentialRunner.expectSameOutput(
            ["access_log.%Y%m%d"], schedule: s,
            expected: ["access_log.20261231": [1, 2], "access_log.20270101": [3, 4, 5], "access_log.20270103": [6]])
    }

    @Test func perMinuteTemplateRotatesEveryMinuteLikeCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-26 10:00:59")
        s.lines(at: "2026-11-26 10:01:00")
        s.lines(at: "2026-11-26 10:01:30")
        s.lines(at: "2026-11-26 10:01:59")
        s.lines(at: "2026-11-26 10:02:00")
        s.lines(at: "2026-11-26 10:05:00")
        try DifferentialRunner.expectSameOutput(
            ["access_log.%Y%m%d%H%M"], schedule: s,
            expected: [
                "access_log.202611261000": [1], "access_log.202611261001": [2, 3, 4],
                "access_log.202611261002": [5], "access_log.202611261005": [6],
            ])
    }

    /// `%U`: weeks start on Sunday; the name comes from the period's start, so the days of the last week of
    /// 2026 that fall in 2027 still go to `2026-W52`.
    @Test func weeklySundayTemplateRotatesOnSundayLikeCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-28 23:59:59")  // Sat, week of Sun 22 Nov (U=47)
        s.lines(at: "2026-11-29 00:00:00")  // Sun (U=48)
        s.lines(at: "2026-11-30 00:00:00")  // Mon, same week
        s.lines(at: "2026-12-31 23:59:59")  // Thu, week of Sun 27 Dec (U=52)
        s.lines(at: "2027-01-01 00:00:00")  // Fri, same week: still the 2026-W52 file
        s.lines(at: "2027-01-03 00:00:00")  // Sun (2027 U=01)
        try DifferentialRunner.expectSameOutput(
            ["access_log.%Y-W%U"], schedule: s,
            expected: [
                "access_log.2026-W47": [1], "access_log.2026-W48": [2, 3],
                "access_log.2026-W52": [4, 5], "access_log.2027-W01": [6],
            ])
    }

    /// `%W`: weeks start on Monday (cronolog switches its week start when the template has `%W`).
    @Test func weeklyMondayTemplateRotatesOnMondayLikeCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-29 23:59:59")  // Sun, week of Mon 23 Nov (W=47)
        s.lines(at: "2026-11-30 00:00:00")  // Mon (W=48)
        s.lines(at: "2026-12-06 23:59:59")  // Sun, same week
        s.lines(at: "2026-12-07 00:00:00")  // Mon (W=49)
        try DifferentialRunner.expectSameOutput(
            ["access_log.%Y-W%W"], schedule: s,
            expected: ["access_log.2026-W47": [1], "access_log.2026-W48": [2, 3], "access_log.2026-W49": [4]])
    }

    @Test func monthlyTemplateRotatesOnTheFirstLikeCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-01-31 23:59:59")
        s.lines(at: "2026-02-01 00:00:00")
        s.lines(at: "2026-02-28 23:59:59")
        s.lines(at: "2026-03-01 00:00:00")
        s.lines(at: "2026-12-31 23:59:59")
        s.lines(at: "2027-01-01 00:00:00")
        try DifferentialRunner.expectSameOutput(
            ["access_log.%Y%m"], schedule: s,
            expected: [
                "access_log.202601": [1], "access_log.202602": [2, 3], "access_log.202603": [4],
                "access_log.202612": [5], "access_log.202701": [6],
            ])
    }

    @Test func yearlyTemplateRotatesOnNewYearLikeCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-12-31 23:59:59")
        s.lines(at: "2027-01-01 00:00:00")
        try DifferentialRunner.expectSameOutput(
            ["access_log.%Y"], schedule: s, expected: ["access_log.2026": [1], "access_log.2027": [2]])
    }

    /// Directories are created as needed (0775 & ~umask, compared too), across a month boundary.
    @Test func nestedDirectoryTemplateCreatesTheSameTreeAsCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-04-30 23:59:59")
        s.lines(at: "2026-05-01 00:00:00")
        s.lines(at: "2026-05-01 00:59:59")
        s.lines(at: "2026-05-01 01:00:00")
        try DifferentialRunner.expectSameOutput(
            ["%Y/%m/%d/access.%H"], schedule: s,
            expected: ["2026/04/30/access.23": [1], "2026/05/01/access.00": [2, 3], "2026/05/01/access.01": [4]])
    }

    /// Files 0664 and directories 0775, less the umask, as cronolog makes them.
    @Test(arguments: ["0002", "0022", "0077", "0027"])
    func permissionsFollowTheUmaskLikeCronolog(umask: String) throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-04-30 23:59:59")
        s.lines(at: "2026-05-01 00:00:00")
        let (_, ours) = try DifferentialRunner.expectSameOutput(["%Y/%m/access.%d%H"], schedule: s, umask: umask)
        let mask = UInt32(umask, radix: 8)!
        for (path, entry) in ours.tree.entries {
            switch entry {
            case .file(_, let mode): #expect(mode == 0o664 & ~mask, "\(path) \(String(mode, radix: 8))")
            case .directory(let mode): #expect(mode == 0o775 & ~mask, "\(path) \(String(mode, radix: 8))")
            default: Issue.record("unexpected \(path)")
            }
        }
    }

    /// Existing files are appended to (their mode kept), existing directories used as they are.
    @Test func existingFilesAndDirectoriesAreAppendedToLikeCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-26 13:59:59")
        s.lines(at: "2026-11-26 14:00:00")
        try DifferentialRunner.expectSameOutput(["logs/access_log.%Y%m%d%H"], schedule: s, prepare: { out in
            try FileManager.default.createDirectory(
                atPath: out + "/logs", withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            let old = out + "/logs/access_log.2026112613"
            FileManager.default.createFile(
                atPath: old, contents: Data("an older line\n".utf8), attributes: [.posixPermissions: 0o600])
        })
    }

    /// Every specifier cronolog recognises drives the same period in logsplit; one schedule crossing a
    /// second, minute, hour, noon, day, month and year boundary shows it for each.
    @Test(arguments: [
        "log.%Y%m%d%H%M%S",  // second
        "log.%s",  // second (epoch seconds)
        "log.%Y%m%d.%T",  // second
        "log.%Y%m%d.%R",  // second (cronolog treats %R as per-second)
        "log.%Y%m%d%H%M",  // minute
        "log.%Y%m%d-%I%p",  // hour (12-hour clock)
        "log.%p",  // hour (names repeat: appended)
        "log.%Y%m%d%H%z",  // hour, offset in the name
        "log.%Y.%j",  // day
        "log.%a",  // day (names repeat weekly)
        "log.%Y%m%d.%A",  // day
        "log.%D",  // day, mm/dd/yy: nested directories
        "log.%b%Y",  // month
        "log.%B",  // month
        "log.%y",  // year
        "log",  // no specifier: one file forever
    ])
    func inferredPeriodMatchesCronolog(template: String) throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-12-31 11:59:58")
        s.lines(at: "2026-12-31 11:59:59")
        s.lines(at: "2026-12-31 12:00:00")
        s.lines(at: "2026-12-31 23:59:59")
        s.lines(at: "2027-01-01 00:00:00")
        s.lines(at: "2027-01-01 00:00:00")
        s.lines(at: "2027-01-01 00:00:01")
        s.lines(at: "2027-01-01 00:01:00")
        s.lines(at: "2027-01-01 01:00:00")
        s.lines(at: "2027-01-02 00:00:00")
        s.lines(at: "2027-02-01 00:00:00")
        try DifferentialRunner.expectSameOutput([template], schedule: s)
    }

    // MARK: - Time zones and DST (-z)

    /// New York springs forward at 2026-03-08 02:00 EST = 07:00 UTC: there is no 02 file.
    @Test func springForwardInNewYorkSkipsTheMissingHourLikeCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-03-08 06:30:00")  // 01:30 EST
        s.lines(at: "2026-03-08 06:59:59")  // 01:59:59 EST
        s.lines(at: "2026-03-08 07:00:00")  // 03:00 EDT
        s.lines(at: "2026-03-08 07:30:00")  // 03:30 EDT
        s.lines(at: "2026-03-08 08:00:00")  // 04:00 EDT
        try DifferentialRunner.expectSameOutput(
            ["-z", "America/New_York", "access_log.%Y%m%d%H"], schedule: s,
            expected: ["access_log.2026030801": [1, 2], "access_log.2026030803": [3, 4], "access_log.2026030804": [5]])
    }

    /// New York falls back at 2026-11-01 02:00 EDT = 06:00 UTC: both 01 hours go to one `…01` file,
    /// after a rotation to the same name (cronolog appends; so must we).
    @Test func fallBackInNewYorkPutsBothOneOClockHoursInOneFileLikeCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-01 04:59:59")  // 00:59:59 EDT
        s.lines(at: "2026-11-01 05:00:00")  // 01:00 EDT
        s.lines(at: "2026-11-01 05:59:59")  // 01:59:59 EDT
        s.lines(at: "2026-11-01 06:00:00")  // 01:00 EST
        s.lines(at: "2026-11-01 06:59:59")  // 01:59:59 EST
        s.lines(at: "2026-11-01 07:00:00")  // 02:00 EST
        try DifferentialRunner.expectSameOutput(
            ["-z", "America/New_York", "access_log.%Y%m%d%H"], schedule: s,
            expected: [
                "access_log.2026110100": [1], "access_log.2026110101": [2, 3, 4, 5], "access_log.2026110102": [6],
            ])
    }

    /// With `%Z` in the name the two 01 hours of the fall-back night get separate files.
    @Test func fallBackWithZoneNameInTemplateSeparatesTheTwoHoursLikeCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-01 05:30:00")  // 01:30 EDT
        s.lines(at: "2026-11-01 06:30:00")  // 01:30 EST
        s.lines(at: "2026-11-01 07:30:00")  // 02:30 EST
        try DifferentialRunner.expectSameOutput(
            ["--time-zone=America/New_York", "access_log.%Y%m%d%H%Z"], schedule: s,
            expected: [
                "access_log.2026110101EDT": [1], "access_log.2026110101EST": [2], "access_log.2026110102EST": [3],
            ])
    }

    /// Days of 23 and 25 hours: daily periods start at local midnight on both DST days.
    @Test func dailyTemplateAcrossBothNewYorkDSTChangesMatchesCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-03-08 04:59:59")  // Sat 7 Mar 23:59:59 EST
        s.lines(at: "2026-03-08 05:00:00")  // Sun 8 Mar 00:00 EST
        s.lines(at: "2026-03-09 03:59:59")  // Sun 8 Mar 23:59:59 EDT
        s.lines(at: "2026-03-09 04:00:00")  // Mon 9 Mar 00:00 EDT
        s.lines(at: "2026-11-01 03:59:59")  // Sat 31 Oct 23:59:59 EDT
        s.lines(at: "2026-11-01 04:00:00")  // Sun 1 Nov 00:00 EDT
        s.lines(at: "2026-11-02 04:59:59")  // Sun 1 Nov 23:59:59 EST
        s.lines(at: "2026-11-02 05:00:00")  // Mon 2 Nov 00:00 EST
        try DifferentialRunner.expectSameOutput(
            ["-z", "America/New_York", "access_log.%Y%m%d"], schedule: s,
            expected: [
                "access_log.20260307": [1], "access_log.20260308": [2, 3], "access_log.20260309": [4],
                "access_log.20261031": [5], "access_log.20261101": [6, 7], "access_log.20261102": [8],
            ])
    }

    /// Berlin: 2026-03-29 02:00 CET → 03:00 CEST at 01:00 UTC; 2026-10-25 03:00 CEST → 02:00 CET at 01:00 UTC.
    @Test func hourlyTemplateAcrossBothBerlinDSTChangesMatchesCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-03-29 00:59:59")  // 01:59:59 CET
        s.lines(at: "2026-03-29 01:00:00")  // 03:00 CEST
        s.lines(at: "2026-10-25 00:00:00")  // 02:00 CEST
        s.lines(at: "2026-10-25 00:59:59")  // 02:59:59 CEST
        s.lines(at: "2026-10-25 01:00:00")  // 02:00 CET
        s.lines(at: "2026-10-25 01:59:59")  // 02:59:59 CET
        s.lines(at: "2026-10-25 02:00:00")  // 03:00 CET
        try DifferentialRunner.expectSameOutput(
            ["-z", "Europe/Berlin", "access_log.%Y%m%d%H"], schedule: s,
            expected: [
                "access_log.2026032901": [1], "access_log.2026032903": [2],
                "access_log.2026102502": [3, 4, 5, 6], "access_log.2026102503": [7],
            ])
    }

    @Test func dailyTemplateAcrossBothBerlinDSTChangesMatchesCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-03-28 22:59:59")  // Sat 28 Mar 23:59:59 CET
        s.lines(at: "2026-03-28 23:00:00")  // Sun 29 Mar 00:00 CET
        s.lines(at: "2026-03-29 21:59:59")  // Sun 29 Mar 23:59:59 CEST
        s.lines(at: "2026-03-29 22:00:00")  // Mon 30 Mar 00:00 CEST
        s.lines(at: "2026-10-24 21:59:59")  // Sat 24 Oct 23:59:59 CEST
        s.lines(at: "2026-10-24 22:00:00")  // Sun 25 Oct 00:00 CEST
        s.lines(at: "2026-10-25 22:59:59")  // Sun 25 Oct 23:59:59 CET
        s.lines(at: "2026-10-25 23:00:00")  // Mon 26 Oct 00:00 CET
        try DifferentialRunner.expectSameOutput(
            ["-z", "Europe/Berlin", "access_log.%Y%m%d"], schedule: s,
            expected: [
                "access_log.20260328": [1], "access_log.20260329": [2, 3], "access_log.20260330": [4],
                "access_log.20261024": [5], "access_log.20261025": [6, 7], "access_log.20261026": [8],
            ])
    }

    /// Kolkata is UTC+5:30: local hours start at half past the UTC hour.
    @Test func hourlyTemplateInHalfHourZoneRotatesAtLocalHourLikeCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-26 08:29:59")  // 13:59:59 IST
        s.lines(at: "2026-11-26 08:30:00")  // 14:00 IST
        s.lines(at: "2026-11-26 09:00:00")  // 14:30 IST
        s.lines(at: "2026-11-26 09:29:59")  // 14:59:59 IST
        s.lines(at: "2026-11-26 09:30:00")  // 15:00 IST
        s.lines(at: "2026-11-26 18:29:59")  // 23:59:59 IST
        s.lines(at: "2026-11-26 18:30:00")  // 27 Nov 00:00 IST
        try DifferentialRunner.expectSameOutput(
            ["-z", "Asia/Kolkata", "access_log.%Y%m%d%H"], schedule: s,
            expected: [
                "access_log.2026112613": [1], "access_log.2026112614": [2, 3, 4], "access_log.2026112615": [5],
                "access_log.2026112623": [6], "access_log.2026112700": [7],
            ])
    }

    /// The zone from the environment (no `-z`) is used the same way.
    @Test func zoneFromEnvironmentIsUsedLikeCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-26 08:29:59")  // 13:59:59 IST
        s.lines(at: "2026-11-26 08:30:00")  // 14:00 IST
        try DifferentialRunner.expectSameOutput(
            ["access_log.%Y%m%d%H"], schedule: s, timeZone: "Asia/Kolkata",
            expected: ["access_log.2026112613": [1], "access_log.2026112614": [2]])
    }

    /// Zones whose hours start at :30 or :45 past the UTC hour, and Lord Howe, whose DST shift is 30 minutes
    /// (2026-04-05 02:00 +11 → 01:30 +10:30 at 15:00 UTC on the 4th; 2026-10-04 02:00 +10:30 → 02:30 +11).
    @Test(arguments: ["Asia/Kathmandu", "Pacific/Chatham", "Australia/Lord_Howe", "America/St_Johns"])
    func hourlyTemplateInOddOffsetZonesMatchesCronolog(zone: String) throws {
        var s = DifferentialSchedule()
        for time in [
            "2026-04-04 13:59:59", "2026-04-04 14:00:00", "2026-04-04 14:29:59", "2026-04-04 14:30:00",
            "2026-04-04 14:59:59", "2026-04-04 15:00:00", "2026-04-04 15:14:59", "2026-04-04 15:15:00",
            "2026-04-04 15:29:59", "2026-04-04 15:30:00", "2026-04-04 15:45:00", "2026-04-04 16:00:00",
            "2026-10-03 15:29:59", "2026-10-03 15:30:00", "2026-10-03 15:59:59", "2026-10-03 16:00:00",
            "2026-10-03 16:30:00",
        ] {
            s.lines(at: time)
        }
        try DifferentialRunner.expectSameOutput(["-z", zone, "access_log.%Y%m%d%H%M"], schedule: s)
        try DifferentialRunner.expectSameOutput(["-z", zone, "access_log.%Y%m%d%H"], schedule: s)
        try DifferentialRunner.expectSameOutput(["-z", zone, "access_log.%Y%m%d"], schedule: s)
    }

    /// Multi-hour periods align on the local hour number (`tm_hour / n * n`), also on DST nights.
    @Test(arguments: ["America/New_York", "Europe/Berlin"], ["2hours", "3hours", "6hours"])
    func multiHourPeriodAcrossDSTMatchesCronolog(zone: String, period: String) throws {
        var s = DifferentialSchedule()
        for time in [
            "2026-03-08 04:59:59", "2026-03-08 05:00:00", "2026-03-08 06:59:59", "2026-03-08 07:00:00",
            "2026-03-08 08:00:00", "2026-03-29 00:59:59", "2026-03-29 01:00:00", "2026-03-29 02:00:00",
            "2026-10-25 00:00:00", "2026-10-25 00:59:59", "2026-10-25 01:00:00", "2026-10-25 02:00:00",
            "2026-10-25 03:00:00", "2026-11-01 04:59:59", "2026-11-01 05:00:00", "2026-11-01 05:59:59",
            "2026-11-01 06:00:00", "2026-11-01 06:59:59", "2026-11-01 07:00:00", "2026-11-01 08:00:00",
        ] {
            s.lines(at: time)
        }
        try DifferentialRunner.expectSameOutput(["-z", zone, "-p", period, "access_log.%Y%m%d%H"], schedule: s)
    }

    /// Zone specifications as glibc takes them: POSIX rule strings, a leading colon, an unknown name
    /// (glibc falls back to UTC, silently, in both programs), across both European DST changes.
    @Test(arguments: ["EST5EDT", "CET-1CEST,M3.5.0,M10.5.0/3", "<+0330>-3:30", ":Europe/Paris", "Mars/Olympus"])
    func zoneSpecificationsAreReadLikeCronolog(zone: String) throws {
        var s = DifferentialSchedule()
        for time in [
            "2026-03-08 06:59:59", "2026-03-08 07:00:00", "2026-03-29 00:59:59", "2026-03-29 01:00:00",
            "2026-10-25 00:59:59", "2026-10-25 01:00:00", "2026-10-25 01:59:59", "2026-10-25 02:00:00",
            "2026-11-01 05:59:59", "2026-11-01 06:00:00",
        ] {
            s.lines(at: time)
        }
        try DifferentialRunner.expectSameOutput(["-z", zone, "access_log.%Y%m%d%H%Z"], schedule: s)
    }

    // MARK: - Explicit periods and delays (-p, -d, -o)

    @Test func twoHourPeriodAlignsToEvenHoursLikeCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-26 01:59:59")
        s.lines(at: "2026-11-26 02:00:00")
        s.lines(at: "2026-11-26 03:59:59")
        s.lines(at: "2026-11-26 04:00:00")
        s.lines(at: "2026-11-26 23:59:59")
        s.lines(at: "2026-11-27 00:00:00")
        try DifferentialRunner.expectSameOutput(
            ["-p", "2hours", "access_log.%Y%m%d%H"], schedule: s,
            expected: [
                "access_log.2026112600": [1], "access_log.2026112602": [2, 3], "access_log.2026112604": [4],
                "access_log.2026112622": [5], "access_log.2026112700": [6],
            ])
    }

    @Test func fifteenMinutePeriodAlignsToQuarterHoursLikeCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-26 10:14:59")
        s.lines(at: "2026-11-26 10:15:00")
        s.lines(at: "2026-11-26 10:29:59")
        s.lines(at: "2026-11-26 10:30:00")
        s.lines(at: "2026-11-26 10:59:59")
        s.lines(at: "2026-11-26 11:00:00")
        try DifferentialRunner.expectSameOutput(
            ["--period=15min", "access_log.%Y%m%d%H%M"], schedule: s,
            expected: [
                "access_log.202611261000": [1], "access_log.202611261015": [2, 3],
                "access_log.202611261030": [4], "access_log.202611261045": [5], "access_log.202611261100": [6],
            ])
    }

    /// A period shorter than the template's unit: rotations reopen the same name and append.
    @Test func hourlyPeriodWithDailyTemplateAppendsToTheDayFileLikeCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-26 10:59:59")
        s.lines(at: "2026-11-26 11:00:00")
        s.lines(at: "2026-11-27 00:00:00")
        try DifferentialRunner.expectSameOutput(
            ["-p", "1hour", "access_log.%Y%m%d"], schedule: s,
            expected: ["access_log.20261126": [1, 2], "access_log.20261127": [3]])
    }

    /// A period longer than the template's unit: the name shows the period's start (hour 00).
    @Test func dailyPeriodWithHourlyTemplateNamesTheFileAfterMidnightLikeCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-26 10:00:00")
        s.lines(at: "2026-11-26 23:59:59")
        s.lines(at: "2026-11-27 00:00:00")
        try DifferentialRunner.expectSameOutput(
            ["-p", "1day", "access_log.%Y%m%d%H"], schedule: s,
            expected: ["access_log.2026112600": [1, 2], "access_log.2026112700": [3]])
    }

    /// Longer explicit periods: names show the period's start (Sunday for weeks, the 1st for months).
    @Test(arguments: [
        ["-p", "1week", "access_log.%Y%m%d"], ["-p", "1month", "access_log.%Y%m%d"],
        ["-p", "5min", "access_log.%Y%m%d%H%M"], ["-p", "1minute", "access_log.%Y%m%d%H%M%S"],
        ["-p", "1day", "-d", "1hour", "access_log.%Y%m%d"], ["-p", "1month", "-d", "1day", "access_log.%Y%m"],
    ])
    func explicitPeriodMatchesCronolog(arguments: [String]) throws {
        try DifferentialRunner.expectSameOutput(arguments, schedule: Self.longSchedule)
    }

    /// Lines from 26 Nov 2026 10:00 to 1 Apr 2027, crossing second, minute, hour, day, week, month, year.
    static var longSchedule: DifferentialSchedule {
        var s = DifferentialSchedule()
        for time in [
            "2026-11-26 10:00:00", "2026-11-26 10:00:29", "2026-11-26 10:00:30", "2026-11-26 10:04:59",
            "2026-11-26 10:05:00", "2026-11-27 00:00:00", "2026-11-28 00:00:00", "2026-11-28 23:59:59",
            "2026-11-29 00:00:00", "2026-11-30 00:00:00", "2026-11-30 00:59:59", "2026-11-30 01:00:00",
            "2026-12-01 00:00:00", "2026-12-01 00:30:00", "2026-12-02 00:00:00", "2026-12-31 23:59:59",
            "2027-01-01 00:00:00", "2027-01-01 23:00:00", "2027-01-02 00:00:00", "2027-04-01 00:00:00",
        ] {
            s.lines(at: time)
        }
        return s
    }

    /// cronolog ignores the count of second periods (`start_of_this_period` does not align seconds):
    /// `-p 30sec` rotates every second. logsplit aligns to :00 and :30.
    @Test func thirtySecondPeriodAlignsToHalfMinutesFixingCronologIgnoredCount() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-26 10:00:10")
        s.lines(at: "2026-11-26 10:00:29")
        s.lines(at: "2026-11-26 10:00:31")
        let theirs = try DifferentialRunner.run(.cronolog, arguments: ["-p", "30sec", "a.%H%M%S"], schedule: s)
        let ours = try DifferentialRunner.run(.logsplit, arguments: ["-p", "30sec", "a.%H%M%S"], schedule: s)
        #expect(theirs.tree.sequencesByFile == ["a.100010": [1], "a.100029": [2], "a.100031": [3]])
        #expect(ours.tree.sequencesByFile == ["a.100000": [1, 2], "a.100030": [3]], "\(ours.tree)")
    }

    /// cronolog decides that weeks start on Monday only while inferring the period from `%W`; with an
    /// explicit `-p 1week` its weeks start on Sunday even for a `%W` template, so a Sunday and the Monday
    /// after it share a file named after the Sunday's (previous) week. logsplit starts `%W` weeks on Monday.
    @Test func explicitWeekWithMondayTemplateStartsOnMondayFixingCronologSundayWeeks() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-29 12:00:00")  // Sun (W=47)
        s.lines(at: "2026-11-30 12:00:00")  // Mon (W=48)
        let arguments = ["-p", "1week", "access_log.%Y-W%W"]
        let theirs = try DifferentialRunner.run(.cronolog, arguments: arguments, schedule: s)
        let ours = try DifferentialRunner.run(.logsplit, arguments: arguments, schedule: s)
        #expect(theirs.tree.sequencesByFile == ["access_log.2026-W47": [1, 2]])  // the week of Sun 29 Nov
        #expect(ours.tree.sequencesByFile == ["access_log.2026-W47": [1], "access_log.2026-W48": [2]], "\(ours.tree)")
    }

    /// cronolog ignores the count of month periods (`-p 3months` rotates monthly); logsplit's 3-month
    /// periods are calendar quarters, whatever month the first line arrives in.
    @Test func threeMonthPeriodsAreCalendarQuartersFixingCronologIgnoredCount() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-26 10:00:00")
        s.lines(at: "2026-12-31 23:59:59")
        s.lines(at: "2027-01-01 00:00:00")
        s.lines(at: "2027-04-01 00:00:00")
        let theirs = try DifferentialRunner.run(.cronolog, arguments: ["-p", "3months", "a.%Y%m"], schedule: s)
        let ours = try DifferentialRunner.run(.logsplit, arguments: ["-p", "3months", "a.%Y%m"], schedule: s)
        #expect(theirs.tree.sequencesByFile == ["a.202611": [1], "a.202612": [2], "a.202701": [3], "a.202704": [4]])
        #expect(ours.tree.sequencesByFile == ["a.202610": [1, 2], "a.202701": [3], "a.202704": [4]], "\(ours.tree)")
    }

    /// cronolog ignores the count of day, week and month periods (`-p 2days` rotates daily). Whatever
    /// logsplit does with it, a period's boundaries must not depend on when the first line arrived
    /// (a restart would otherwise move them): two runs starting a day (a week, a month) apart must file
    /// the lines they share under the same names.
    @Test(arguments: [
        (["-p", "2days", "a.%Y%m%d"], ["2026-11-26 10:00:00", "2026-11-27 10:00:00"], "2026-11-28 10:00:00"),
        (["-p", "2weeks", "a.%Y%m%d"], ["2026-11-26 10:00:00", "2026-12-03 10:00:00"], "2026-12-10 10:00:00"),
        (["-p", "3months", "a.%Y%m"], ["2026-10-26 10:00:00", "2026-11-26 10:00:00"], "2026-12-26 10:00:00"),
        (["-p", "2months", "a.%Y%m"], ["2026-11-26 10:00:00", "2026-12-26 10:00:00"], "2027-01-26 10:00:00"),
    ])
    func multiplePeriodBoundariesDoNotDependOnTheFirstLine(
        arguments: [String], starts: [String], shared: String
    ) throws {
        var names: [String] = []
        for start in starts {
            var s = DifferentialSchedule()
            s.lines(at: start)
            s.lines(at: shared)
            let ours = try DifferentialRunner.run(.logsplit, arguments: arguments, schedule: s)
            let name = ours.tree.sequencesByFile.first { $0.value.contains(2) }?.key ?? "?"
            names.append(name)
        }
        #expect(Set(names).count == 1, "\(arguments): the \(shared) line went to \(names) after starts \(starts)")
    }

    /// `-d 5min`: the hour-10 file stays current until 11:05; the name still comes from the period start.
    @Test func delayKeepsThePreviousFileForTheDelayWindowLikeCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-26 10:59:00")
        s.lines(at: "2026-11-26 11:00:00")  // in the window: still the 10 file
        s.lines(at: "2026-11-26 11:04:59")  // in the window: still the 10 file
        s.lines(at: "2026-11-26 11:05:00")  // switch
        s.lines(at: "2026-11-26 11:30:00")
        s.lines(at: "2026-11-26 12:03:00")  // in the window of hour 11: still the 11 file
        s.lines(at: "2026-11-26 14:01:00")  // long gap: the 11 file closed at 12:05, so the 14 file
        try DifferentialRunner.expectSameOutput(
            ["-d", "5min", "access_log.%Y%m%d%H"], schedule: s,
            expected: [
                "access_log.2026112610": [1, 2, 3], "access_log.2026112611": [4, 5, 6], "access_log.2026112614": [7],
            ])
    }

    /// A logger started inside the delay window has no previous file open: cronolog opens the current
    /// period's file (the delay only keeps an already open file longer). So does logsplit.
    @Test func delayWindowAtStartOpensTheCurrentPeriodLikeCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-26 11:02:00")
        s.lines(at: "2026-11-26 12:04:00")  // 11's window
        s.lines(at: "2026-11-26 12:05:00")
        try DifferentialRunner.expectSameOutput(
            ["-d", "5min", "-S", "current", "-P", "previous", "access_log.%Y%m%d%H"], schedule: s,
            expected: ["access_log.2026112611": [1, 2], "access_log.2026112612": [3]])
    }

    /// `-d` after a gap longer than period + delay: the first line after the gap opens the current period.
    @Test func delayAfterAGapOpensTheCurrentPeriodLikeCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-26 10:30:00")
        s.lines(at: "2026-11-26 12:03:00")  // the 10 file closed at 11:05: this is the 12 file
        s.lines(at: "2026-11-26 13:04:00")  // 12's window: still the 12 file
        try DifferentialRunner.expectSameOutput(
            ["--delay=5min", "access_log.%Y%m%d%H"], schedule: s,
            expected: ["access_log.2026112610": [1], "access_log.2026112612": [2, 3]])
    }

    @Test func onceOnlyNeverRotatesLikeCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-26 13:59:59")
        s.lines(at: "2026-11-26 14:00:00")
        s.lines(at: "2026-11-27 00:00:00")
        try DifferentialRunner.expectSameOutput(
            ["-o", "access_log.%Y%m%d%H"], schedule: s, expected: ["access_log.2026112613": [1, 2, 3]])
    }

    // MARK: - Bursts and long lines

    /// Many lines in one write (more than cronolog's 64 KiB read buffer), then a boundary, then more.
    @Test func burstOfLinesLargerThanOneReadMatchesCronolog() throws {
        var s = DifferentialSchedule()
        s.burst(at: "2026-11-26 13:59:59", count: 2000)
        s.burst(at: "2026-11-26 14:00:00", count: 3000, padding: 100)
        s.lines(at: "2026-11-26 14:00:01")
        try DifferentialRunner.expectSameOutput(
            ["access_log.%Y%m%d%H"], schedule: s,
            expected: ["access_log.2026112613": Array(1...2000), "access_log.2026112614": Array(2001...5001)])
    }

    /// Lines longer than PIPE_BUF, than cronolog's 64 KiB buffer, and than logsplit's 256 KiB buffer.
    @Test func longLinesMatchCronolog() throws {
        var s = DifferentialSchedule()
        s.burst(at: "2026-11-26 13:59:59", count: 1, padding: 5000)
        s.burst(at: "2026-11-26 13:59:59", count: 1, padding: 100_000)
        s.burst(at: "2026-11-26 14:00:00", count: 1, padding: 300_000)
        s.burst(at: "2026-11-26 14:00:00", count: 3, padding: 70_000)
        s.lines(at: "2026-11-26 15:00:00")
        try DifferentialRunner.expectSameOutput(
            ["access_log.%Y%m%d%H"], schedule: s,
            expected: ["access_log.2026112613": [1, 2], "access_log.2026112614": [3, 4, 5, 6],
                       "access_log.2026112615": [7]])
    }

    /// A line longer than logsplit's 256 KiB buffer in flight at the boundary: logsplit must write its
    /// start before the newline arrives, so the whole line stays in the file it started in, and the
    /// rotation waits for the newline. cronolog splits it between the two files.
    @Test func overlongLineInFlightStaysInOneFileFixingCronologSplitLine() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-26 13:59:58")
        s.lineInFlight(from: "2026-11-26 13:59:59", to: "2026-11-26 14:00:00", split: 280_000, padding: 300_000)
        s.lines(at: "2026-11-26 14:00:01")
        let theirs = try DifferentialRunner.run(.cronolog, arguments: ["access_log.%Y%m%d%H"], schedule: s)
        let ours = try DifferentialRunner.run(.logsplit, arguments: ["access_log.%Y%m%d%H"], schedule: s)
        #expect(theirs.tree.allSequences.sorted() == [1, 3], "cronolog's torn line should not parse")
        #expect(theirs.tree.files["access_log.2026112613"]?.count == 69 + 280_000)
        #expect(ours.status == 0, "\(ours.stderr)")
        #expect(ours.tree.sequencesByFile == ["access_log.2026112613": [1, 2], "access_log.2026112614": [3]],
                "\(ours.tree)")
    }

    /// Bytes are copied as they are: NUL, CR, invalid UTF-8, tabs, a bare `\r` at the end of a line.
    @Test func arbitraryBytesInLinesAreCopiedLikeCronolog() throws {
        var s = DifferentialSchedule()
        let odd: [[UInt8]] = [[0], [0xFF, 0xFE, 0x80], [0x0D], Array("\t\u{7F}é€".utf8), [0x1B, 0x5B, 0x32, 0x4A]]
        for (index, bytes) in odd.enumerated() {
            s.rawLine(at: index < 3 ? "2026-11-26 13:59:59" : "2026-11-26 14:00:00", payload: bytes)
        }
        s.rawLine(at: "2026-11-26 14:00:01", payload: [0x0D], endingWithCarriageReturn: true)
        try DifferentialRunner.expectSameOutput(
            ["access_log.%Y%m%d%H"], schedule: s,
            expected: ["access_log.2026112613": [1, 2, 3], "access_log.2026112614": [4, 5, 6]])
    }

    // MARK: - Links (-S, -P, -H)

    /// A link in a directory that does not exist is not made (cronolog: silently; logsplit says so on
    /// stderr); the log files are written all the same.
    @Test func linkInAMissingDirectoryIsNotMadeLikeCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-26 13:59:59")
        s.lines(at: "2026-11-26 14:00:00")
        let (_, ours) = try DifferentialRunner.expectSameOutput(
            ["-S", "links/current", "-P", "links/previous", "logs/access_log.%Y%m%d%H"], schedule: s,
            expected: ["logs/access_log.2026112613": [1], "logs/access_log.2026112614": [2]])
        #expect(ours.stderr.contains("links/current"), "\(ours.stderr)")
    }

    /// With `-P`, Debian cronolog moves both links at every rotation (`previous` renamed, `current` made anew).
    @Test func symlinkWithPreviousLinkFollowsEveryRotationLikeCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-26 13:59:59")
        s.lines(at: "2026-11-26 14:00:00")
        s.lines(at: "2026-11-26 14:30:00")
        s.lines(at: "2026-11-26 15:00:00")
        let (theirs, _) = try DifferentialRunner.expectSameOutput(
            ["-S", "current", "-P", "previous", "access_log.%Y%m%d%H"], schedule: s,
            expected: ["access_log.2026112613": [1], "access_log.2026112614": [2, 3], "access_log.2026112615": [4]])
        #expect(theirs.tree.symlinks == ["current": "access_log.2026112615", "previous": "access_log.2026112614"])
    }

    /// Absolute paths, as in an Apache `CustomLog` line, with long option names and links in another
    /// directory than the files: link targets are the expanded template text.
    @Test func absoluteTemplateAndLinksMatchCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-26 13:59:59")
        s.lines(at: "2026-11-26 14:00:00")
        s.lines(at: "2026-11-26 15:00:00")
        let (theirs, _) = try DifferentialRunner.expectSameOutput(
            ["--symlink=$OUT/current", "--prev-symlink=$OUT/previous", "$OUT/logs/%Y/access.%m%d%H"], schedule: s,
            expected: ["logs/2026/access.112613": [1], "logs/2026/access.112614": [2], "logs/2026/access.112615": [3]])
        #expect(theirs.tree.symlinks == [
            "current": "$OUT/logs/2026/access.112615", "previous": "$OUT/logs/2026/access.112614",
        ])
    }

    /// A relative template with the link in a subdirectory: the target text (relative to the working
    /// directory, as cronolog writes it) dangles from the link's directory. cronolog's `stat()` follows the
    /// link, sees nothing, never renames or replaces it (`symlink()` fails with EEXIST): its `current` stays
    /// on the first file and `previous` never appears. logsplit writes the same target text but moves both
    /// links at every rotation.
    @Test func danglingSymlinkStillMovesFixingCronologStaleDanglingLink() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-26 13:59:59")
        s.lines(at: "2026-11-26 14:00:00")
        let (theirs, ours) = try DifferentialRunner.expectSameOutput(
            ["--symlink=logs/current", "--prev-symlink=logs/previous", "logs/%Y/access.%m%d%H"], schedule: s,
            ignoring: ["logs/current", "logs/previous"],
            expected: ["logs/2026/access.112613": [1], "logs/2026/access.112614": [2]])
        #expect(theirs.tree.symlinks == ["logs/current": "logs/2026/access.112613"], "the cronolog bug is gone?")
        #expect(ours.tree.symlinks == [
            "logs/current": "logs/2026/access.112614", "logs/previous": "logs/2026/access.112613",
        ])
    }

    /// With `-P`, Debian cronolog's hard links work too: `current` and `previous` share inodes with the files.
    @Test func hardLinkWithPreviousLinkFollowsEveryRotationLikeCronolog() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-26 13:59:59")
        s.lines(at: "2026-11-26 14:00:00")
        s.lines(at: "2026-11-26 15:00:00")
        let (theirs, _) = try DifferentialRunner.expectSameOutput(
            ["-H", "current", "-P", "previous", "access_log.%Y%m%d%H"], schedule: s)
        #expect(theirs.tree.hardLinks == [["access_log.2026112614", "previous"], ["access_log.2026112615", "current"]])
    }

    /// Debian bug (the compiler dropped the NULL check after `stat(NULL)`, so `rename(link, NULL)` fails):
    /// without `-P`, cronolog's `-S` link stays on the first file forever. logsplit moves it at every
    /// rotation. Everything else must match.
    @Test func symlinkWithoutPreviousLinkFollowsRotationFixingDebianCronologStaleLink() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-26 13:59:59")
        s.lines(at: "2026-11-26 14:00:00")
        s.lines(at: "2026-11-26 15:00:00")
        let (theirs, ours) = try DifferentialRunner.expectSameOutput(
            ["-S", "current", "access_log.%Y%m%d%H"], schedule: s, ignoring: ["current"])
        #expect(theirs.tree.symlinks == ["current": "access_log.2026112613"], "the Debian bug is no longer there?")
        #expect(ours.tree.symlinks == ["current": "access_log.2026112615"])
    }

    /// The same Debian bug with `-H`: cronolog's hard link stays on the first file; logsplit's follows.
    @Test func hardLinkWithoutPreviousLinkFollowsRotationFixingDebianCronologStaleLink() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-26 13:59:59")
        s.lines(at: "2026-11-26 14:00:00")
        s.lines(at: "2026-11-26 15:00:00")
        let (theirs, ours) = try DifferentialRunner.expectSameOutput(
            ["--hardlink=current", "access_log.%Y%m%d%H"], schedule: s, ignoring: ["current"])
        #expect(theirs.tree.hardLinks == [["access_log.2026112613", "current"]], "the Debian bug is no longer there?")
        #expect(ours.tree.hardLinks == [["access_log.2026112615", "current"]])
    }

    /// `-l` is cronolog's other spelling of `-S`; `-P` given before `-S` is rejected by cronolog
    /// ("A current log symlink is needed") but accepted by logsplit, with the same result.
    @Test func previousLinkBeforeSymlinkIsAcceptedFixingDebianCronologOptionOrder() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-26 13:59:59")
        s.lines(at: "2026-11-26 14:00:00")
        let theirs = try DifferentialRunner.run(
            .cronolog, arguments: ["-l", "current", "-P", "previous", "access_log.%Y%m%d%H"], schedule: s)
        let ours = try DifferentialRunner.run(
            .logsplit, arguments: ["-P", "previous", "-l", "current", "access_log.%Y%m%d%H"], schedule: s)
        #expect(ours.status == 0, "\(ours.stderr)")
        #expect(ours.tree == theirs.tree, "\(ours.tree.differences(from: theirs.tree))")
        #expect(theirs.tree.symlinks == ["current": "access_log.2026112614", "previous": "access_log.2026112613"])
    }

    // MARK: - Deliberate differences

    /// cronolog copies read chunks: a line in flight at the boundary is split between two files.
    /// logsplit switches only at a line boundary: the line is whole in one file, nothing is torn.
    @Test func lineInFlightAtBoundaryStaysWholeFixingCronologSplitLine() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-26 13:59:58")
        s.lineInFlight(from: "2026-11-26 13:59:59", to: "2026-11-26 14:00:00")
        s.lines(at: "2026-11-26 14:00:01")
        let theirs = try DifferentialRunner.run(.cronolog, arguments: ["access_log.%Y%m%d%H"], schedule: s)
        let ours = try DifferentialRunner.run(.logsplit, arguments: ["access_log.%Y%m%d%H"], schedule: s)
        let line2 = DifferentialLines.line(2, time: Faketime.utc("2026-11-26 13:59:59"))
        // cronolog: the first 20 bytes of line 2 end the 13 file, the rest starts the 14 file.
        let theirFiles = theirs.tree.files
        #expect(theirFiles["access_log.2026112613"].map { Array($0.suffix(20)) } == Array(line2.prefix(20)))
        #expect(theirFiles["access_log.2026112614"].map { Array($0.prefix(line2.count - 20)) } == Array(line2.dropFirst(20)))
        #expect(theirs.tree.allSequences.sorted() == [1, 3], "cronolog's torn line should not parse")
        // logsplit: every line whole, exactly once. A line belongs to the period in which it is complete
        // (its newline was read at 14:00:00), so line 2 opens the 14 file.
        #expect(ours.status == 0, "\(ours.stderr)")
        #expect(ours.tree.sequencesByFile == ["access_log.2026112613": [1], "access_log.2026112614": [2, 3]],
                "\(ours.tree)")
        for (name, bytes) in ours.tree.files {
            #expect(bytes.last == UInt8(ascii: "\n"), "\(name) ends in a torn line")
            let lines = bytes.split(separator: UInt8(ascii: "\n"))
            #expect(DifferentialLines.sequences(in: bytes).count == lines.count, "\(name) holds a torn line")
        }
    }

    /// cronolog ignores `%F` (and `%k %l %V %G %g %u %P %X %C %z`) for rotation: a `%F`-only template
    /// never rotates. logsplit recognises `%F` as daily.
    @Test func percentFTemplateRotatesDailyFixingCronologNeverRotating() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-26 23:59:59")
        s.lines(at: "2026-11-27 00:00:00")
        s.lines(at: "2026-11-28 12:00:00")
        let theirs = try DifferentialRunner.run(.cronolog, arguments: ["access_log.%F"], schedule: s)
        let ours = try DifferentialRunner.run(.logsplit, arguments: ["access_log.%F"], schedule: s)
        #expect(theirs.tree.sequencesByFile == ["access_log.2026-11-26": [1, 2, 3]])
        #expect(ours.status == 0, "\(ours.stderr)")
        #expect(ours.tree.sequencesByFile == [
            "access_log.2026-11-26": [1], "access_log.2026-11-27": [2], "access_log.2026-11-28": [3],
        ], "\(ours.tree)")
    }

    /// Specifiers cronolog ignores when inferring the period (`%V %G %g %u %l %P %X %C %F %k %e`): logsplit
    /// rotates whenever the name would change, so every line is in the file its own arrival time names.
    @Test(arguments: [
        "a.%G-W%V", "a.%g%V", "a.%G.%u", "a.%F.%l%P", "a.%X", "a.%C.%y%j", "a.%F", "a.%F.%k", "a.%e.%m",
    ])
    func everyLineIsInTheFileItsTimeNamesFixingCronologIgnoredSpecifiers(template: String) throws {
        let schedule = Self.longSchedule
        let ours = try DifferentialRunner.run(.logsplit, arguments: [template], schedule: schedule)
        #expect(ours.status == 0, "\(ours.stderr)")
        var expected: [String: [Int]] = [:]
        var sequence = 0
        for step in schedule.steps {
            sequence += 1
            expected[Self.utcStrftime(template, step.time), default: []].append(sequence)
        }
        #expect(ours.tree.sequencesByFile == expected, "\(ours.tree)")
    }

    /// strftime(3) of a UTC time, in the test process.
    static func utcStrftime(_ format: String, _ time: Int64) -> String {
        var t = time_t(time)
        var broken = tm()
        gmtime_r(&t, &broken)
        var buffer = [CChar](repeating: 0, count: 512)
        let count = strftime(&buffer, buffer.count, format, &broken)
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `%k` (space-padded hour) is ignored by cronolog's inference, so with `%d` it rotates daily and the
    /// hour in the name is the first line's; logsplit recognises `%k` as hourly.
    @Test func percentKTemplateRotatesHourlyFixingCronologDailyRotation() throws {
        var s = DifferentialSchedule()
        s.lines(at: "2026-11-26 09:59:59")
        s.lines(at: "2026-11-26 10:00:00")
        let theirs = try DifferentialRunner.run(.cronolog, arguments: ["access_log.%Y%m%d.%k"], schedule: s)
        let ours = try DifferentialRunner.run(.logsplit, arguments: ["access_log.%Y%m%d.%k"], schedule: s)
        #expect(theirs.tree.sequencesByFile == ["access_log.20261126. 0": [1, 2]])
        #expect(ours.status == 0, "\(ours.stderr)")
        #expect(ours.tree.sequencesByFile == ["access_log.20261126. 9": [1], "access_log.20261126.10": [2]],
                "\(ours.tree)")
    }
}
