/// Turns the untrusted first field of a log line into a site name that is safe as a path component.
///
/// Rules: ASCII letters are folded to lower case; only `a-z 0-9 . _ -` are allowed; the name must not be
/// empty, must not start with `.` (no `.`, `..`, hidden files) and is at most `maxLength` bytes. Anything
/// else is rejected (the caller sends the line to the fallback site): a site name never contains `/`,
/// NUL, control bytes, spaces or non-ASCII bytes.
public enum SiteName {
    public static let defaultMaxLength = 64

    /// The sanitised name, written into `output` (which must hold `maxLength` bytes); returns its length,
    /// or nil when the field is not an acceptable site name. Allocation-free: used once per line.
    @inline(__always)
    public static func sanitise(
        _ field: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, maxLength: Int = defaultMaxLength
    ) -> Int? {
        let count = field.count
        guard count > 0, count <= maxLength, count <= output.count, field[0] != UInt8(ascii: ".") else { return nil }
        for i in 0..<count {
            var byte = field[i]
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte += 32
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                break
            default:
                return nil
            }
            output[i] = byte
        }
        return count
    }

    /// The sanitised form of `name`, or nil: for names given on the command line (the fallback site).
    public static func sanitise(_ name: String, maxLength: Int = defaultMaxLength) -> String? {
        var bytes = Array(name.utf8)
        let capacity = max(bytes.count, 1)
        return withUnsafeTemporaryAllocation(byteCount: capacity, alignment: 1) { output -> String? in
            bytes.withUnsafeMutableBytes { input -> String? in
                guard let n = sanitise(UnsafeRawBufferPointer(input), into: output, maxLength: maxLength) else { return nil }
                return String(decoding: UnsafeRawBufferPointer(rebasing: output[0..<n]), as: UTF8.self)
            }
        }
    }
}
