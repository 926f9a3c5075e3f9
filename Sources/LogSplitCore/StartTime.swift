#if canImport(Glibc)
import Glibc
#endif
import CLinuxShim

/// Parses cronolog's `-s/--start-time` argument: the formats of cronolog's `parse_time`, read as UTC.
///
/// European order (day before month) is the default; `-a` selects American order. Debian's cronolog
/// crashes on every `-s`; this is the behaviour its source intends. The time may be followed by an
/// explicit UTC designator (`GMT`, `UTC`, `Z`, `+0000`, `-0000`, `+00:00`, `-00:00`); anything else after
/// it, and a day the month does not have (`31 Feb`), is an error.
public enum StartTime {
    static let european = [
        "%d %b %Y %T", "%d %b %Y %H:%M", "%d %b %Y", "%d-%b-%Y %T", "%d-%b-%Y %H:%M",
        "%d-%b-%y %T", "%d-%b-%y %H:%M", "%d-%b-%Y", "%b %d %T %Y", "%b %d %Y",
    ]
    static let american = [
        "%b %d %Y %T", "%b %d %Y %H:%M", "%b %d %Y", "%b-%d-%Y %T", "%b-%d-%Y %H:%M",
        "%b-%d-%Y", "%b/%d/%Y %T", "%b/%d/%Y %H:%M", "%b/%d/%Y",
    ]

    /// What may follow the time: nothing, or one explicit UTC designator.
    static let utcDesignators: Set<String> = ["", "GMT", "UTC", "Z", "+0000", "-0000", "+00:00", "-00:00"]

    /// Seconds since the epoch of `text`, taken as UTC.
    public static func parse(_ text: String, american useAmerican: Bool) throws(UsageError) -> Int {
        var impossibleDate = false
        for format in useAmerican ? american : european {
            // strptime returns a pointer into `text`'s C string: everything is read inside the closure,
            // while that buffer lives.
            let parsed: tm? = text.withCString { input -> tm? in
                var fields = tm()
                fields.tm_isdst = -1
                guard let end = clinux_strptime(input, format, &fields) else { return nil }
                var rest = end
                while rest.pointee == 0x20 || rest.pointee == 0x09 { rest += 1 }
                var tail = String(cString: rest)
                while let last = tail.last, last == " " || last == "\t" { tail.removeLast() }
                return utcDesignators.contains(tail) ? fields : nil
            }
            guard let fields = parsed else { continue }
            let year = Int(fields.tm_year) + 1900, month = Int(fields.tm_mon) + 1, day = Int(fields.tm_mday)
            guard month >= 1, month <= 12, day >= 1, day <= LineTimestamp.daysInMonth(month, year: year) else {
                impossibleDate = true
                continue
            }
            let days = LineTimestamp.daysFromCivil(year: year, month: month, day: day)
            return days * 86_400 + Int(fields.tm_hour) * 3600 + Int(fields.tm_min) * 60 + Int(fields.tm_sec)
        }
        if impossibleDate {
            throw UsageError("invalid start time '\(text)': that month has no such day; write a real date, e.g. '28 Feb 2026 14:00:00'")
        }
        throw UsageError(
            "invalid start time '\(text)': write e.g. '26 Nov 2026 14:00:00' or '26-Nov-2026 14:00', optionally followed by UTC"
                + (useAmerican ? " (American order: 'Nov 26 2026 14:00:00')" : ""))
    }
}
