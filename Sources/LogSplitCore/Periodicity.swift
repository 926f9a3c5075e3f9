/// How often a log file is rotated: the unit of a rotation period, ordered from finest to coarsest.
///
/// The order and the nominal lengths follow cronolog 1.6.2 (`PERIODICITY` in cronoutils.h), so that
/// delays and comparisons behave as operators of cronolog expect.
public enum Periodicity: Int, Comparable, Sendable, CaseIterable, CustomStringConvertible {
    case second, minute, hour, day, week, month, year, once

    public static func < (lhs: Periodicity, rhs: Periodicity) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The name cronolog prints for the unit ("aeon" for a file that never rotates).
    public var description: String {
        switch self {
        case .second: "second"
        case .minute: "minute"
        case .hour: "hour"
        case .day: "day"
        case .week: "week"
        case .month: "month"
        case .year: "year"
        case .once: "aeon"
        }
    }

    /// cronolog's `period_seconds[]`: used to turn a delay such as `5min` into seconds.
    /// A month counts as 31 days, as in cronolog.
    public var nominalSeconds: Int {
        switch self {
        case .second: 1
        case .minute: 60
        case .hour: 3600
        case .day: 86_400
        case .week: 7 * 86_400
        case .month: 31 * 86_400
        case .year: 366 * 86_400
        case .once: Int.max
        }
    }
}
