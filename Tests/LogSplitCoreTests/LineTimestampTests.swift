import LogSplitCore
import Testing

@Suite struct LineTimestampTests {
    func instant(_ line: String) -> Int? {
        var bytes = Array(line.utf8)
        return bytes.withUnsafeMutableBytes { LineTimestamp.instant(in: UnsafeRawBufferPointer($0)) }
    }

    @Test func readsApachesRequestTimeWithItsOffset() {
        let line = #"10.0.0.1 - - [26/Nov/2026:14:10:31 +0800] "GET / HTTP/1.1" 200 5 "-" "curl""#
        #expect(instant(line) == 1_795_673_431)  // 2026-11-26 06:10:31 UTC
        #expect(instant(#"::1 - - [26/Nov/2026:06:10:31 +0000] "GET /""#) == 1_795_673_431)
        #expect(instant(#"::1 - - [26/Nov/2026:00:40:31 -0530] "GET /""#) == 1_795_673_431)
    }

    @Test(arguments: [
        "no time here",
        "1.2.3.4 - - [26/Foo/2026:14:10:31 +0800] x",
        "1.2.3.4 - - [26/Nov/2026:14:10:31 +08] x",
        "1.2.3.4 - - [26/Nov/2026:25:10:31 +0800] x",
        "1.2.3.4 - [evil] [26/Nov/2026:14:10:31 +0800] x",
        "1.2.3.4 - - [26/Nov/2026:14:1",
    ])
    func rejectsMalformedOrMisleadingTimes(line: String) {
        #expect(instant(line) == nil)
    }

    @Test func parsesCronologStartTimes() throws {
        #expect(try StartTime.parse("26 Nov 2026 14:00:00", american: false) == 1_795_701_600)
        #expect(try StartTime.parse("26-Nov-2026 14:00", american: false) == 1_795_701_600)
        #expect(try StartTime.parse("Nov 26 2026 14:00:00", american: true) == 1_795_701_600)
        #expect(throws: UsageError.self) { try StartTime.parse("yesterday", american: false) }
    }
}
