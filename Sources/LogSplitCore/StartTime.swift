#if canImport(Glibc)
import Glibc
#endif
import CLinuxShim

/// Parses cronolog's `-s/--start-time` argument: the formats of cronolog's `parse_time`, read as UTC.
///
/// European order (day before month) is the default; `-a` selects American order. Debian's cronolog
/// crashes on every `-s`; this is the behaviour its source intends.
public enum StartTime {
    static let european = [
        "%d %b %Y %T", "%d %b %Y %H:%M", "%d %b %Y", "%d-%b-%Y %T", "%d-%b-%Y %H:%M",
        "%d-%b-%y %T", "%d-%b-%y %H:%M", "%d-%b-%Y", "%b %d %T %Y", "%b %d %Y",
    ]
    static let american = [
        "%b %d %Y %T", "%b %d %Y %H:%M", "%b %d %Y", "%b-%d-%Y %T", "%b-%d-%Y %H:%M",
        "%b-%d-%Y", "%b/%d/%Y %T", "%b/%d/%Y %H:%M", "%b/%d/%Y",
    ]

    /// Seconds since the epoch of `text`, taken as UTC.
    public static func parse(_ text: String, american useAmerican: Bool) throws(UsageError) -> Int {
        for format in useAmerican ? american : european {
            var fields = tm()
            fields.tm_isdst = -1
            guard let end = clinux_strptime(text, format, &fields) else { continue }
            var rest = end
            while rest.pointee == 0x20 || rest.pointee == 0x09 { rest += 1 }
            let tail = String(cString: rest)
            guard tail.isEmpty || tail.hasPrefix("GMT") else { continue }
            let days = LineTimestamp.daysFromCivil(
                year: Int(fields.tm_year) + 1900, month: Int(fields.tm_mon) + 1, day: Int(fields.tm_mday))
            return days * 86_400 + Int(fields.tm_hour) * 3600 + Int(fields.tm_min) * 60 + Int(fields.tm_sec)
        }
        throw UsageError(
            "invalid start time '\(text)': write e.g. '26 Nov 2026 14:00:00' or '26-Nov-2026 14:00'"
                + (useAmerican ? " in American order: 'Nov 26 2026 14:00:00'" : ""))
    }
}
