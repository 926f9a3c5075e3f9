/// Carries bytes that are not UTF-8 (a path or argument from a Linux system, where names are bytes) through
/// Swift `String`s without loss, and back.
///
/// Swift decodes invalid UTF-8 into U+FFFD, which would turn `/data/\xff` into a different path. Here, as in
/// Python's "surrogateescape" (PEP 383), every byte that is not part of a valid UTF-8 sequence becomes one
/// code point of the last Supplementary Private Use Area (U+10FF00 + byte), and `bytes(of:)` turns those
/// back into the raw byte. Valid UTF-8 is kept as it is, except the UTF-8 of those 256 private code points,
/// whose bytes are escaped one by one: every byte string comes back exactly.
public enum RawBytes {
    static let escapeBase: UInt32 = 0x10_FF00

    /// The string for `bytes`, with each invalid byte escaped.
    public static func string<Bytes: Collection>(decoding bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var scalars = String.UnicodeScalarView()
        var pending: [UInt8] = []
        // Decode one code point at a time so that the bytes of an invalid sequence can be escaped one by one.
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let lead = bytes[index]
            let length = lead < 0x80 ? 1 : lead >= 0xC2 && lead <= 0xDF ? 2 : lead >= 0xE0 && lead <= 0xEF ? 3
                : lead >= 0xF0 && lead <= 0xF4 ? 4 : 0
            pending.removeAll(keepingCapacity: true)
            var end = index
            for _ in 0..<max(length, 1) where end != bytes.endIndex {
                pending.append(bytes[end])
                end = bytes.index(after: end)
            }
            if length > 0, pending.count == length,
               case let .scalarValue(scalar) = decodeOne(pending), !isEscape(scalar) {
                scalars.append(scalar)
                index = end
            } else {
                scalars.append(Unicode.Scalar(escapeBase + UInt32(lead))!)
                index = bytes.index(after: index)
            }
        }
        return String(scalars)
    }

    /// Valid UTF-8 of an escape code point is escaped byte by byte like invalid UTF-8: taken as it is, it
    /// would come back as the byte it stands for (U+10FF2F as `/`), a different path (Fuzz/RawBytesFuzzer).
    private static func isEscape(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= escapeBase && scalar.value <= escapeBase + 0xFF
    }

    /// One code point from exactly `bytes`, with a fresh decoder: a decoder kept across calls would hand back a
    /// byte it read ahead past an invalid sequence (found by Fuzz/RawBytesFuzzer).
    private static func decodeOne(_ bytes: [UInt8]) -> UnicodeDecodingResult {
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        let result = decoder.decode(&iterator)
        // A valid scalar must use every byte (the length table and the decoder agree on well-formed input).
        guard case .scalarValue = result, iterator.next() == nil else { return .error }
        return result
    }

    /// The string for a NUL-terminated C string, with each invalid byte escaped.
    public static func string(cString: UnsafePointer<CChar>) -> String {
        var length = 0
        while cString[length] != 0 { length += 1 }
        return cString.withMemoryRebound(to: UInt8.self, capacity: length) {
            string(decoding: UnsafeBufferPointer(start: $0, count: length))
        }
    }

    /// The bytes `string` stands for: UTF-8, with each escaped byte restored.
    public static func bytes(of string: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(string.utf8.count)
        for scalar in string.unicodeScalars {
            if scalar.value >= escapeBase && scalar.value <= escapeBase + 0xFF {
                out.append(UInt8(scalar.value - escapeBase))
            } else {
                out.append(contentsOf: String(scalar).utf8)
            }
        }
        return out
    }

    /// Whether `string` holds escaped bytes (the fast path of `withCString` checks this first).
    public static func hasEscapes(_ string: String) -> Bool {
        string.unicodeScalars.contains { $0.value >= escapeBase && $0.value <= escapeBase + 0xFF }
    }

    /// Calls `body` with the NUL-terminated bytes `string` stands for: what to give a system call as a path.
    /// `body` returns the call's result; read `errno` after this returns (nothing here changes it).
    public static func withCString<R>(_ string: String, _ body: (UnsafePointer<CChar>) -> R) -> R {
        if !hasEscapes(string) {
            return string.withCString(body)
        }
        var raw = bytes(of: string).map { CChar(bitPattern: $0) }
        raw.append(0)
        return raw.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
