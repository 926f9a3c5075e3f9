import LogSplitCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Inputs the fuzzers in Fuzz/ found (issue 12), minimised, each pinned to the answer it must give.
/// Inputs that trapped run in a child process (an exit test), so a regression fails that test alone
/// instead of ending the whole test run.
@Suite struct FuzzFoundRegressionTests {
    // MARK: - TemplateFuzzer

    /// Found by TemplateFuzzer (input `access_log.`): `%s` with nothing left of the name built the range
    /// `1...0` in FileNameToken.match and trapped ("Range requires lowerBound <= upperBound").
    /// logdump scans directories containers can write to: one file named `access_log.` stopped every run.
    @Test func anEpochTemplateRefusesANameThatEndsWhereItsNumberShouldStart() async {
        await #expect(processExitsWith: .success) {
            let utc = CivilTimeZone(identifier: "UTC")
            for (pattern, name) in [("access_log.%s", "access_log."), ("{site}/access_log.%s", "shop/access_log."),
                                    ("x.%s.log", "x."), ("%s", "")] {
                let template = try! Template(pattern)
                guard template.periodStart(ofFileName: name, site: nil, zone: utc) == nil else { exit(1) }
            }
            exit(0)
        }
    }

    /// Found by TemplateFuzzer (a template with four conversions the matcher does not parse, `%\u{FFFD}`, and
    /// a 60-byte name took 39 s): each such conversion becomes an `.any` token that tries every length up to
    /// the next `/`, and FileNameToken.match backtracks through all their combinations before failing, so
    /// the time grows as (name length)^(number of such conversions). `access_log.%Z%Z%j` with a 1000-byte
    /// name takes about a second, with 4000 bytes (names may be 4096) about 16 s, `%Z%Z%Z%j` hours: a name a
    /// container writes stalls every logdump run. 0ce90d4 remembers failed (token, offset) pairs: no longer
    /// exponential, but still quadratic, since each unparsed conversion tries every length up to the next
    /// `/`: with a 4000-byte name one call takes 1.3 s (`%Z%Z%j`) to 2.6 s (`%Z%Z%Z%j`) optimised with ASan,
    /// and these three calls take over 10 s in a debug build. A width bound on `.any` (what a conversion can
    /// render, or a few dozen bytes) would make it linear. A watchdog thread ends the child process with
    /// status 3 after 10 s (not alarm(): the test binary links logsplit's SIGALRM handler).
    @Test func matchingTakesBoundedTimeWhateverTheNameAndTemplate() async {
        await #expect(processExitsWith: .success) {
            var watchdog = pthread_t()
            pthread_create(&watchdog, nil, { _ in
                sleep(10)
                _exit(3)
            }, nil)
            let utc = CivilTimeZone(identifier: "UTC")
            let name = "access_log." + String(repeating: "x", count: 4000)
            for pattern in ["access_log.%Z%Z%j", "access_log.%Z%Z%Z%j", "access_log.%z%Z%+%j"] {
                guard try! Template(pattern).periodStart(ofFileName: name, site: nil, zone: utc) == nil else { exit(1) }
            }
            exit(0)
        }
    }

    // MARK: - RawBytesFuzzer

    /// Found by RawBytesFuzzer (input `df c9 87 38`): string(decoding:) reuses one UTF8 decoder for every
    /// code point, and the byte it read past an invalid sequence (`df` then `c9`) came out again later:
    /// the bytes came back as `df c9 87 c9 87`, a different path.
    @Test(arguments: [
        [0xDF, 0xC9, 0x87, 0x38], [0x32, 0xCA, 0x90, 0xB1, 0xDF, 0xFF, 0xC9, 0x87, 0xF7, 0x08],
        [0xC3, 0xC3, 0xA9], [0xE2, 0xE2, 0x82, 0xAC, 0x41], [0xF0, 0xF0, 0x9F, 0x98, 0x80, 0x2F],
    ] as [[UInt8]])
    func bytesReadPastAnInvalidSequenceAreNotRepeated(bytes: [UInt8]) {
        #expect(RawBytes.bytes(of: RawBytes.string(decoding: bytes)) == bytes)
    }

    /// Found by RawBytesFuzzer (input `f4 8f bc 80`): a valid UTF-8 name holding one of the 256 escape code
    /// points (U+10FF00...U+10FFFF) came back as the byte it escapes: `f4 8f bc 80` became a NUL, and
    /// `f4 8f bc af` (U+10FF2F) becomes `/`, so a name a container chose turns into a different path at
    /// the system call (`..` + U+10FF2F + `x` reaches open() as `../x`). Escaping each byte of such a
    /// sequence, as for invalid UTF-8, makes every byte string round-trip.
    @Test(arguments: [
        [0xF4, 0x8F, 0xBC, 0x80], [0xF4, 0x8F, 0xBC, 0xAF], [0xF4, 0x8F, 0xBF, 0xBF],
        [0x2E, 0x2E, 0xF4, 0x8F, 0xBC, 0xAF, 0x78],
    ] as [[UInt8]])
    func validUTF8OfAnEscapeCodePointRoundTripsAsItsBytes(bytes: [UInt8]) {
        let text = RawBytes.string(decoding: bytes)
        #expect(RawBytes.bytes(of: text) == bytes)
        let seen: [UInt8] = RawBytes.withCString(text) { pointer in
            var out: [UInt8] = []
            var i = 0
            while pointer[i] != 0 { out.append(UInt8(bitPattern: pointer[i])); i += 1 }
            return out
        }
        #expect(seen == bytes)
    }

    /// Found by TemplateFuzzer (`{site}.%s` NUL `x-ss_log.9999999998`): not a parser fault but one the harness
    /// could not check, because it guessed the matched site only when `{site}` is a whole path component. The
    /// matcher reports the site it matched (`match(fileName:)`), and rendering the start for it gives the name back.
    @Test func aSiteSharingItsComponentWithAConversionIsReportedAndRendersBack() throws {
        let template = try Template("{site}.%s")
        let zone = CivilTimeZone(identifier: "Australia/Lord_Howe")
        let found = try #require(template.match(fileName: "x-ss_log.9999999998", site: nil, zone: zone))
        #expect(found.site == "x-ss_log")
        #expect(try template.render(periodStart: found.periodStart, site: found.site, zone: zone) == "x-ss_log.9999999998")
        #expect(template.periodStart(ofFileName: "x-ss_log.9999999998", site: nil, zone: zone) == found.periodStart)
        #expect(template.match(fileName: "x-ss_log.9999999998", site: "shop", zone: zone) == nil)
        #expect(template.match(fileName: "shop.9999999998", site: "shop", zone: zone)?.site == "shop")
    }
}
