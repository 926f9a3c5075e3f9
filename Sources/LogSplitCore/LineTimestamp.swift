#if canImport(Glibc)
import Glibc
#endif

/// Reads the request time Apache writes as `%t`, `[26/Nov/2026:14:10:31 +0800]`, from a log line.
///
/// Allocation-free and independent of the process time zone: the line carries its own UTC offset, so
/// the instant is computed with calendar arithmetic. The first `[` of the line must open a well-formed
/// timestamp; anything else (a hostile `%u` with a bracket, a truncated line) gives nil.
public enum LineTimestamp {
    /// Bytes of `dd/Mon/yyyy:HH:MM:SS +zzzz]` after the `[`.
    public static let length = 27

    /// The instant (seconds since the epoch) of the line's `[%t]`, or nil when it has none that parses.
    @inline(__always)
    public static func instant(in line: UnsafeRawBufferPointer, searchLimit: Int = 512) -> Int? {
        guard let base = line.baseAddress else { return nil }
        let limit = min(line.count, searchLimit)
        guard limit > 0, let bracket = memchr(base, 91, limit) else { return nil }  // "["
        let i = base.distance(to: UnsafeRawPointer(bracket))
        guard line.count - (i + 1) >= length else { return nil }
        return parse(UnsafeRawBufferPointer(start: base + i + 1, count: length))
    }

    /// Parses exactly `dd/Mon/yyyy:HH:MM:SS +zzzz]`. A day the month does not have (`31/Feb`), an offset
    /// beyond ±14:00 or with minutes over 59 make the timestamp invalid (nil), as any other malformed one.
    public static func parse(_ t: UnsafeRawBufferPointer) -> Int? {
        @inline(__always) func digits(_ at: Int, _ n: Int) -> Int? {
            var value = 0
            for k in at..<(at + n) {
                let d = Int(t[k]) - 48
                guard d >= 0, d <= 9 else { return nil }
                value = value * 10 + d
            }
            return value
        }
        guard t[2] == UInt8(ascii: "/"), t[6] == UInt8(ascii: "/"), t[11] == UInt8(ascii: ":"),
            t[14] == UInt8(ascii: ":"), t[17] == UInt8(ascii: ":"), t[20] == UInt8(ascii: " "),
            t[26] == UInt8(ascii: "]"),
            let day = digits(0, 2), let year = digits(7, 4), let hour = digits(12, 2),
            let minute = digits(15, 2), let second = digits(18, 2), let offset = digits(22, 4),
            let month = month(t[3], t[4], t[5]),
            day >= 1, day <= daysInMonth(month, year: year), hour <= 23, minute <= 59, second <= 60,
            offset % 100 <= 59, offset <= 1400
        else { return nil }
        let sign: Int
        switch t[21] {
        case UInt8(ascii: "+"): sign = 1
        case UInt8(ascii: "-"): sign = -1
        default: return nil
        }
        let offsetSeconds = sign * ((offset / 100) * 3600 + (offset % 100) * 60)
        let days = daysFromCivil(year: year, month: month, day: day)
        return days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
    }

    @inline(__always)
    static func month(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int? {
        // Packs the three letters (case as Apache writes them) and compares with the English abbreviations.
        let key = UInt32(a) << 16 | UInt32(b) << 8 | UInt32(c)
        switch key {
        case 0x4A_61_6E: return 1  // Jan
        case 0x46_65_62: return 2  // Feb
        case 0x4D_61_72: return 3  // Mar
        case 0x41_70_72: return 4  // Apr
        case 0x4D_61_79: return 5  // May
        case 0x4A_75_6E: return 6  // Jun
        case 0x4A_75_6C: return 7  // Jul
        case 0x41_75_67: return 8  // Aug
        case 0x53_65_70: return 9  // Sep
        case 0x4F_63_74: return 10  // Oct
        case 0x4E_6F_76: return 11  // Nov
        case 0x44_65_63: return 12  // Dec
        default: return nil
        }
    }

    /// The number of days of `month` (1...12) in `year` (proleptic Gregorian: leap years by 4, 100, 400).
    @inline(__always)
    public static func daysInMonth(_ month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
