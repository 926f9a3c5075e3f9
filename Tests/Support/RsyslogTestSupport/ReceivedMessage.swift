#if canImport(Glibc)
import Glibc
#endif

/// One message as the test receiver wrote it, cut back into the fields the tests compare: the structured data's
/// parameters (unescaped) and MSG's bytes.
public struct ReceivedMessage: Equatable, Sendable {
    public var header: [UInt8]
    public var parameters: [String: String]
    public var message: [UInt8]

    /// Parses `<PRI>1 TS HOST APP PROCID MSGID [logsplit@32473 k="v" ...] MSG`; nil if it is not one of ours.
    public init?(_ raw: [UInt8]) {
        let marker = Array("[logsplit@32473".utf8)
        guard let start = Self.find(marker, in: raw) else { return nil }
        header = Array(raw[..<start])
        parameters = [:]
        var index = start + marker.count
        while index < raw.count && raw[index] == UInt8(ascii: " ") {
            index += 1
            guard let eq = raw[index...].firstIndex(of: UInt8(ascii: "=")), eq + 1 < raw.count, raw[eq + 1] == UInt8(ascii: "\"") else { return nil }
            let name = String(decoding: raw[index..<eq], as: UTF8.self)
            index = eq + 2
            var value: [UInt8] = []
            while index < raw.count && raw[index] != UInt8(ascii: "\"") {
                if raw[index] == UInt8(ascii: "\\") && index + 1 < raw.count { index += 1 }
                value.append(raw[index])
                index += 1
            }
            guard index < raw.count else { return nil }
            parameters[name] = String(decoding: value, as: UTF8.self)
            index += 1
        }
        guard index + 1 < raw.count || index + 1 == raw.count, index < raw.count, raw[index] == UInt8(ascii: "]") else { return nil }
        index += 1
        if index < raw.count && raw[index] == UInt8(ascii: " ") { index += 1 }
        message = Array(raw[index...])
    }

    public var offset: Int64? { parameters["offset"].flatMap { Int64($0) } }

    /// The first index of `needle` in `haystack` (memchr + memcmp: the tests scan megabytes in debug builds).
    public static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        return haystack.withUnsafeBytes { hay -> Int? in
            needle.withUnsafeBytes { pin -> Int? in
                var index = 0
                let last = hay.count - pin.count
                while index <= last {
                    guard let hit = memchr(hay.baseAddress! + index, Int32(pin[0]), last - index + 1) else { return nil }
                    index = hay.baseAddress!.distance(to: UnsafeRawPointer(hit))
                    if memcmp(hay.baseAddress! + index, pin.baseAddress!, pin.count) == 0 { return index }
                    index += 1
                }
                return nil
            }
        }
    }
}
