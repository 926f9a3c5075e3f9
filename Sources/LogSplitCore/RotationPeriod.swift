/// A rotation period (unit × multiple) and the arithmetic that finds where periods start, in local time.
///
/// The arithmetic is cronolog 1.6.2's (`start_of_this_period`, `start_of_next_period` in cronoutils.c),
/// so boundaries agree with cronolog across DST changes and in half-hour zones:
/// - seconds, minutes and hours subtract the local seconds/minutes (and hours modulo the multiple);
/// - days, weeks, months and years go back to local midnight and correct for a DST shift on the way;
/// - the next start is found by stepping just past the end and aligning again.
/// Minutes and hours align to multiples of the count (`-p 15min` starts at :00, :15, ...).
public struct RotationPeriod: Sendable, Equatable, CustomStringConvertible {
    public let unit: Periodicity
    public let multiple: Int
    /// Weekly periods start on Monday (`%W`) instead of Sunday (`%U`).
    public let weeksStartOnMonday: Bool

    public init(unit: Periodicity, multiple: Int = 1, weeksStartOnMonday: Bool = false) {
        self.unit = unit
        self.multiple = max(1, multiple)
        self.weeksStartOnMonday = weeksStartOnMonday
    }

    public var description: String {
        unit == .once ? "never (once only)" : "\(multiple) \(unit)\(multiple == 1 ? "" : "s")"
    }

    private static let hour = 3600, day = 86_400, leapAllowance = 2
    private static let dstAllowance = 3 * hour + leapAllowance

    /// The start of the period that contains `t`.
    ///
    /// Multi-day, multi-week and multi-month periods align on the calendar, not on when the process
    /// started (cronolog ignores their count): `-p 3months` starts in January, April, July and October,
    /// `-p 2days` on even local days counted from 1970-01-01, `-p 2weeks` likewise in weeks.
    public func start(containing t: Int, in zone: CivilTimeZone) -> Int {
        guard multiple > 1, unit == .day || unit == .week || unit == .month else {
            return singleStart(containing: t, in: zone)
        }
        let single = RotationPeriod(unit: unit, weeksStartOnMonday: weeksStartOnMonday)
        var start = single.start(containing: t, in: zone)
        let local = zone.breakDown(start)
        let index: Int
        switch unit {
        case .month:
            index = Int(local.tm_mon)
        case .day:
            index = LineTimestamp.daysFromCivil(year: Int(local.tm_year) + 1900, month: Int(local.tm_mon) + 1, day: Int(local.tm_mday))
        default:
            // 1970-01-04 was a Sunday: count whole weeks from there (from the 5th when weeks start on Monday).
            let day = LineTimestamp.daysFromCivil(year: Int(local.tm_year) + 1900, month: Int(local.tm_mon) + 1, day: Int(local.tm_mday))
            index = (day - (weeksStartOnMonday ? 4 : 3)) / 7
        }
        var back = ((index % multiple) + multiple) % multiple
        while back > 0 {
            start = single.start(containing: start - 1, in: zone)
            back -= 1
        }
        return start
    }

    private func singleStart(containing t: Int, in zone: CivilTimeZone) -> Int {
        let local = zone.breakDown(t)
        let sec = Int(local.tm_sec), min = Int(local.tm_min), hr = Int(local.tm_hour)
        switch unit {
        case .once:
            return t
        case .second:
            return t - (sec - multiple * (sec / multiple))
        case .minute:
            return t - sec - 60 * (min - multiple * (min / multiple))
        case .hour:
            return t - sec - 60 * min - Self.hour * (hr - multiple * (hr / multiple))
        case .day, .week, .month, .year:
            let sinceMidnight = hr * Self.hour + min * 60 + sec
            var start: Int
            let expectedDay: Int32
            switch unit {
            case .year:
                start = t - Int(local.tm_yday) * Self.day - sinceMidnight
                expectedDay = 1
            case .month:
                start = t - Int(local.tm_mday - 1) * Self.day - sinceMidnight
                expectedDay = 1
            case .week:
                let weekday = weeksStartOnMonday ? (6 + Int(local.tm_wday)) % 7 : Int(local.tm_wday)
                start = t - weekday * Self.day - sinceMidnight
                // cronolog compares with the day of month of `t` itself here (a quirk kept for identical names).
                expectedDay = local.tm_mday
            default:
                start = t - sinceMidnight
                expectedDay = local.tm_mday
            }
            // A DST change inside the span leaves the result an hour off midnight: go back to midnight,
            // and if that lands on the previous day, forward by a day.
            let adjusted = zone.breakDown(start)
            if adjusted.tm_hour != 0 || adjusted.tm_min != 0 || adjusted.tm_sec != 0 {
                var adjust = -(Int(adjusted.tm_hour) * Self.hour + Int(adjusted.tm_min) * 60 + Int(adjusted.tm_sec))
                if adjusted.tm_mday != expectedDay { adjust += Self.day }
                start += adjust
            }
            return start
        }
    }

    /// The start of the period after the one that starts at `periodStart`; `Int.max` for `.once`.
    public func nextStart(after periodStart: Int, in zone: CivilTimeZone) -> Int {
        // cronolog ignores the multiple of day, week and month periods (`-p 2days` rotates daily);
        // here the step honours it.
        if multiple > 1, unit >= .day, unit != .once {
            var start = periodStart
            for _ in 0..<multiple { start = RotationPeriod(unit: unit, weeksStartOnMonday: weeksStartOnMonday).nextStart(after: start, in: zone) }
            return start
        }
        let probe: Int
        switch unit {
        case .year: probe = periodStart + 366 * Self.day + Self.dstAllowance
        case .month: probe = periodStart + 31 * Self.day + Self.dstAllowance
        case .week: probe = periodStart + 7 * Self.day + Self.dstAllowance
        case .day: probe = periodStart + Self.day + Self.dstAllowance
        case .hour: probe = periodStart + multiple * Self.hour + Self.leapAllowance
        case .minute: probe = periodStart + multiple * 60 + Self.leapAllowance
        case .second: probe = periodStart + multiple
        case .once: return Int.max
        }
        return start(containing: probe, in: zone)
    }
}
