/// A count and a unit written the cronolog way: `1hour`, `15 min`, `2hours`, `30sec`, `1week`, `3months`.
///
/// cronolog accepts an optional decimal count (default 1), optional spaces, then a case-insensitive unit
/// prefix: `sec`, `min`, `hour`, `day`, `week`, `mon`. Anything after the prefix is ignored, so `hourly`
/// and `1 hours` are valid; `1h` is not. A bare number is taken as seconds (an extension).
public struct DurationSpec: Sendable, Equatable, CustomStringConvertible {
    public let count: Int
    public let unit: Periodicity

    public init(count: Int, unit: Periodicity) {
        self.count = count
        self.unit = unit
    }

    /// Parses `text`; throws a message that names the text and shows the accepted form.
    public init(parsing text: String) throws(UsageError) {
        var rest = Substring(text).drop(while: { $0 == " " || $0 == "\t" })
        if rest.first == "-" {
            throw UsageError("'\(text)' is negative: a duration counts forward; write 0 or more and a unit, e.g. 5min, 1hour")
        }
        let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
        var count = 1
        if !digits.isEmpty {
            guard digits.count <= 9, let value = Int(digits) else {
                throw UsageError("'\(text)' is not a valid period: the count is too large")
            }
            count = value
            rest = rest.dropFirst(digits.count)
        }
        rest = rest.drop(while: { $0 == " " || $0 == "\t" })
        let word = rest.lowercased()
        let unit: Periodicity
        if word.hasPrefix("sec") || (word.isEmpty && !digits.isEmpty) {
            unit = .second
        } else if word.hasPrefix("min") {
            unit = .minute
        } else if word.hasPrefix("hour") {
            unit = .hour
        } else if word.hasPrefix("day") {
            unit = .day
        } else if word.hasPrefix("week") {
            unit = .week
        } else if word.hasPrefix("mon") {
            unit = .month
        } else {
            throw UsageError(
                "'\(text)' is not a valid period: write a count and a unit, e.g. 1hour, 15min, 30sec, 1day, 1week, 1month")
        }
        self.count = count
        self.unit = unit
    }

    /// The length in seconds, with cronolog's nominal unit lengths (a month is 31 days).
    /// Saturates at `Int.max` (a `.once` unit, or a count no parser produces): never traps.
    public var seconds: Int {
        let (product, overflow) = count.multipliedReportingOverflow(by: unit.nominalSeconds)
        return overflow ? (count < 0 ? Int.min : Int.max) : product
    }

    public var description: String { "\(count) \(unit)\(count == 1 ? "" : "s")" }

    /// Validates the spec as a rotation period (`-p`), with cronolog's limits: the count must divide
    /// 60 seconds, 60 minutes, 24 hours or 12 months, and be at most 365 days or 52 weeks.
    /// cronolog crashes on a zero count; here it is a usage error.
    public func validatedAsPeriod(original text: String) throws(UsageError) -> DurationSpec {
        let ok: Bool
        switch unit {
        case .second, .minute: ok = count > 0 && count < 60 && 60 % count == 0
        case .hour: ok = count > 0 && count < 24 && 24 % count == 0
        case .day: ok = count > 0 && count <= 31
        case .week: ok = count > 0 && count < 53
        case .month: ok = count > 0 && count <= 12 && 12 % count == 0
        case .year, .once: ok = false
        }
        guard ok else {
            throw UsageError(
                "invalid period '\(text)': the count must be at least 1 and divide 60 (seconds, minutes), "
                    + "24 (hours) or 12 (months), or be at most 31 days or 52 weeks")
        }
        return self
    }
}

/// A mistake in how the program was called: the message says what is wrong and how to write it.
/// Executables print it with the usage hint and exit with status 1 (cronolog's usage status).
public struct UsageError: Error, Sendable, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
