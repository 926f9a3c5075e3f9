/// Decimal numbers as ASCII bytes, the way the syslog and RELP headers write them (no sign for counts, no
/// leading zero), without going through `String`.
enum DecimalDigits {
    /// How many digits `value` has (1 for 0). Negative values count their minus sign.
    static func count(_ value: Int64) -> Int {
        if value < 0 { return 1 + count(value == .min ? .max : -value) }
        var digits = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        return digits
    }

    /// Appends `value` in decimal.
    static func append(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 {
            out.append(UInt8(ascii: "-"))
            append(value == .min ? .max : -value, to: &out)
            return
        }
        let digits = count(value)
        let start = out.count
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: digits))
        var rest = value
        var index = start + digits - 1
        while true {
            out[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
            if rest == 0 { break }
            index -= 1
        }
    }

    static func append(_ value: Int, to out: inout [UInt8]) { append(Int64(value), to: &out) }
}
