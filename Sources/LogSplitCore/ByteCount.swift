/// A size given on the command line: a number with an optional `K`, `M` or `G` suffix (powers of 1024).
public enum ByteCount {
    public static func parse(_ text: String) throws(UsageError) -> Int {
        var digits = Substring(text)
        var multiplier = 1
        if let last = digits.last?.uppercased() {
            switch last {
            case "K": multiplier = 1 << 10
            case "M": multiplier = 1 << 20
            case "G": multiplier = 1 << 30
            default: break
            }
            if multiplier != 1 { digits = digits.dropLast() }
        }
        guard let value = Int(digits), value >= 0, value <= Int.max / multiplier else {
            throw UsageError("'\(text)' is not a size: write a number of bytes with an optional K, M or G suffix, e.g. 16M")
        }
        return value * multiplier
    }
}
