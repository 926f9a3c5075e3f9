import SyslogWire
import Testing

/// The RFC 5424 message and the RFC 6587 frame of a line, byte for byte.
@Suite struct SyslogMessageFormatTests {
    static let origin = LineOrigin(container: "web08246", site: "www", file: "access_log.2026113014")

    static func batch(_ lines: [[UInt8]], origin: LineOrigin = origin, offsets: [Int64]? = nil, parts: [LineBatch.Part?]? = nil,
                      at microseconds: Int64 = 1_796_047_509_000_042) -> LineBatch {
        var batch = LineBatch(origin: origin, readAtMicroseconds: microseconds)
        for (index, line) in lines.enumerated() {
            let start = batch.bytes.count
            batch.bytes.append(contentsOf: line)
            batch.lines.append(.init(start: start, end: batch.bytes.count, fileOffset: offsets?[index] ?? Int64(index * 100),
                                     part: parts?[index] ?? nil))
        }
        return batch
    }

    @Test func aLineBecomesAnRFC5424MessageWithItsOriginInTheStructuredData() throws {
        let format = try SyslogMessageFormat(hostname: "web08246.example", msgID: "ACCESS")
        let encoder = format.encoder(for: Self.batch([Array("GET / 200".utf8)], offsets: [123_456]))
        #expect(String(decoding: encoder.message(0), as: UTF8.self)
            == #"<134>1 2026-11-30T14:05:09.000042Z web08246.example logsplit - ACCESS [logsplit@32473 container="web08246" site="www" file="access_log.2026113014" offset="123456"] GET / 200"#)
        #expect(encoder.length(of: 0) == encoder.message(0).count)
    }

    @Test func thePriorityIsFacilityTimesEightPlusSeverity() throws {
        #expect(try SyslogMessageFormat(hostname: "h").priority == 134)
        let format = try SyslogMessageFormat(hostname: "h", facility: .local7, severity: .notice)
        #expect(format.priority == 189)
        #expect(format.encoder(for: Self.batch([[0x41]])).message(0).starts(with: Array("<189>1 ".utf8)))
        #expect(SyslogFacility(name: "LOCAL3") == .local3)
        #expect(SyslogSeverity(name: "info") == .informational)
        #expect(SyslogFacility(name: "local8") == nil)
    }

    @Test func theTimestampIsRFC3339UTCWithMicroseconds() {
        #expect(String(decoding: RFC3339Timestamp.bytes(microseconds: 0), as: UTF8.self) == "1970-01-01T00:00:00.000000Z")
        #expect(String(decoding: RFC3339Timestamp.bytes(microseconds: 951_782_400_999_999), as: UTF8.self) == "2000-02-29T00:00:00.999999Z")
        #expect(String(decoding: RFC3339Timestamp.bytes(microseconds: 4_102_444_799_000_001), as: UTF8.self) == "2099-12-31T23:59:59.000001Z")
        #expect(String(decoding: RFC3339Timestamp.bytes(microseconds: -5), as: UTF8.self) == "1970-01-01T00:00:00.000000Z")
    }

    @Test func quotesBackslashesAndClosingBracketsInParameterValuesAreEscaped() throws {
        let origin = LineOrigin(container: #"we"ird\c]on"#, site: "s]", file: #"a\b"#)
        let message = try SyslogMessageFormat(hostname: "h").encoder(for: Self.batch([Array("x] \"y\" \\z".utf8)], origin: origin)).message(0)
        let text = String(decoding: message, as: UTF8.self)
        #expect(text.contains(#"container="we\"ird\\c\]on" site="s\]" file="a\\b" offset="0"]"#))
        // MSG is not structured data: its bytes are left as written.
        #expect(text.hasSuffix(#"] x] "y" \z"#))
    }

    @Test func longStructuredDataIsWrittenWholeAndCountedExactly() throws {
        let long = String(repeating: "site-\u{e9}-]", count: 400)
        let origin = LineOrigin(container: String(repeating: "c", count: 1000), site: long, file: "access_log.2026113014")
        let encoder = try SyslogMessageFormat(hostname: "h").encoder(for: Self.batch([Array("line".utf8)], origin: origin))
        let message = encoder.message(0)
        #expect(encoder.length(of: 0) == message.count)
        #expect(String(decoding: message, as: UTF8.self).contains(long.replacingOccurrences(of: "]", with: "\\]")))
    }

    @Test func msgKeepsNonUTF8BytesAndGetsNoByteOrderMark() throws {
        let line: [UInt8] = [0x47, 0xff, 0xfe, 0x00, 0xc3, 0x28, 0x09]
        let message = try SyslogMessageFormat(hostname: "h").encoder(for: Self.batch([line])).message(0)
        #expect(Array(message.suffix(line.count + 2)) == [UInt8(ascii: "]"), UInt8(ascii: " ")] + line)
        #expect(!message.contains(0xef) || !message.contains(0xbb))
    }

    @Test func aPieceOfALongLineNamesItsPart() throws {
        let encoder = try SyslogMessageFormat(hostname: "h")
            .encoder(for: Self.batch([Array("abc".utf8)], offsets: [70_000], parts: [LineBatch.Part(index: 2, count: 13)]))
        #expect(String(decoding: encoder.message(0), as: UTF8.self).hasSuffix(#"offset="70000" part="2/13"] abc"#))
        #expect(encoder.length(of: 0) == encoder.message(0).count)
    }

    @Test func anOctetCountedFrameIsTheLengthASpaceAndTheMessage() throws {
        let line = Array(repeating: UInt8(ascii: "a"), count: 70_000)
        let encoder = try SyslogMessageFormat(hostname: "h").encoder(for: Self.batch([line, [0x41]]))
        var frames: [UInt8] = []
        encoder.appendOctetCountedFrame(0, to: &frames)
        encoder.appendOctetCountedFrame(1, to: &frames)
        let first = encoder.message(0), second = encoder.message(1)
        #expect(frames == Array("\(first.count) ".utf8) + first + Array("\(second.count) ".utf8) + second)
    }

    @Test func headerFieldsOutsideRFC5424AreRefusedWithTheReason() {
        #expect(throws: SyslogTransportError.misconfigured(#"syslog hostname "web 1" contains byte 0x20: RFC 5424 allows printable US-ASCII only (no space); change it"#)) {
            try SyslogMessageFormat(hostname: "web 1")
        }
        #expect(throws: SyslogTransportError.self) { try SyslogMessageFormat(hostname: "") }
        #expect(throws: SyslogTransportError.self) { try SyslogMessageFormat(hostname: String(repeating: "h", count: 256)) }
        #expect(throws: SyslogTransportError.self) { try SyslogMessageFormat(hostname: "h", appName: String(repeating: "a", count: 49)) }
        #expect(throws: SyslogTransportError.self) { try SyslogMessageFormat(hostname: "h\u{e9}") }
        #expect(throws: SyslogTransportError.self) { try SyslogMessageFormat(hostname: "h", msgID: String(repeating: "m", count: 33)) }
        #expect(throws: SyslogTransportError.self) { try SyslogMessageFormat(hostname: "h", procID: String(repeating: "p", count: 129)) }
        #expect((try? SyslogMessageFormat(hostname: String(repeating: "h", count: 255), appName: String(repeating: "a", count: 48),
                                          procID: String(repeating: "p", count: 128), msgID: String(repeating: "m", count: 32))) != nil)
        #expect((try? SyslogMessageFormat(hostname: "h", procID: "", msgID: ""))?.procID == "-")
    }
}
