import LogSplitCore
import Testing

@Suite struct RawBytesTests {
    @Test func keepsValidUTF8AsItIs() {
        let text = "/data/caf\u{e9}/\u{1F600}/access_log.%Y"
        #expect(RawBytes.string(decoding: Array(text.utf8)) == text)
        #expect(RawBytes.bytes(of: text) == Array(text.utf8))
        #expect(!RawBytes.hasEscapes(text))
    }

    @Test(arguments: [
        [0xFF], [0x2F, 0x72, 0xFF, 0xFE, 0x2F], [0xC3], [0xC3, 0x28], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80],
        [0xF4, 0x90, 0x80, 0x80], [0xF0, 0x9F, 0x98], [0x61, 0xC0, 0xAF, 0x62], [0x80, 0xBF],
    ] as [[UInt8]])
    func restoresEveryInvalidByteExactly(bytes: [UInt8]) {
        let text = RawBytes.string(decoding: bytes)
        #expect(!text.contains("\u{FFFD}"))
        #expect(RawBytes.hasEscapes(text))
        #expect(RawBytes.bytes(of: text) == bytes)
    }

    @Test func roundTripsEveryByteStringOfLengthTwo() {
        for a in 0...255 {
            for b in 0...255 {
                let bytes = [UInt8(a), UInt8(b)]
                #expect(RawBytes.bytes(of: RawBytes.string(decoding: bytes)) == bytes)
            }
        }
    }

    @Test func givesSystemCallsTheRawBytes() {
        let text = RawBytes.string(decoding: [0x78, 0xFF, 0x79])
        let seen: [UInt8] = RawBytes.withCString(text) { pointer in
            (0..<3).map { UInt8(bitPattern: pointer[$0]) } + [UInt8(bitPattern: pointer[3])]
        }
        #expect(seen == [0x78, 0xFF, 0x79, 0])
    }
}
