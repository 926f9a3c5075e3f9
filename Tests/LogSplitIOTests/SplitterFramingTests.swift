import Foundation
import LogSplitCore
import LogSplitIO
import Testing

@Suite struct SplitterFramingTests {
    @Test func rotatesOnlyAtLineBoundaries() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (_, status, _) = try split("access.%Y%m%d%H", in: dir, startingAt: fourteenHundred, [
            .data(at: fourteenHundred + 3599, bytes: bytes("line1\nline2-first-half"), perRead: 1 << 20),
            .data(at: fourteenHundred + 3601, bytes: bytes("-second-half\nline3\n"), perRead: 1 << 20),
        ])
        #expect(status == .ok)
        #expect(contents(dir + "/access.2026112614") == "line1\n")
        #expect(contents(dir + "/access.2026112615") == "line2-first-half-second-half\nline3\n")
    }

    @Test func dripFedBytesStillMakeWholeLines() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = (1...200).map { "request \($0) GET /index.html\n" }.joined()
        let (splitter, status, _) = try split("access.%Y%m%d%H", in: dir, startingAt: fourteenHundred, [
            .data(at: fourteenHundred + 10, bytes: bytes(text), perRead: 1)
        ])
        #expect(status == .ok)
        #expect(contents(dir + "/access.2026112614") == text)
        #expect(splitter.counters.lines == 200)
    }

    @Test func aLineLongerThanTheReadBufferStaysInTheFileItStartedIn() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let long = String(repeating: "x", count: 20_000)
        let (splitter, status, _) = try split(
            "access.%Y%m%d%H", in: dir, configure: { $0.readBufferSize = 4096 }, startingAt: fourteenHundred, [
                .data(at: fourteenHundred + 3599, bytes: bytes("short\n" + long), perRead: 8192),
                .data(at: fourteenHundred + 3700, bytes: bytes(long + "\nnext\n"), perRead: 8192),
            ])
        #expect(status == .ok)
        #expect(contents(dir + "/access.2026112614") == "short\n" + long + long + "\n")
        #expect(contents(dir + "/access.2026112615") == "next\n")
        #expect(splitter.counters.longLines == 1)
        #expect(splitter.counters.lines == 3)
    }

    @Test func theLastLineIsWrittenAtEndOfInputWithoutANewline() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (splitter, status, _) = try split("access.%Y%m%d%H", in: dir, startingAt: fourteenHundred, [
            .data(at: fourteenHundred, bytes: bytes("one\ntwo"), perRead: 3)
        ])
        #expect(status == .ok)
        #expect(contents(dir + "/access.2026112614") == "one\ntwo")
        #expect(splitter.counters.lines == 2)
    }

    @Test func createsMissingDirectoriesOfNestedTemplates() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try split("%Y/%m/%d/access.%H", in: dir, startingAt: fourteenHundred, [
            .data(at: fourteenHundred, bytes: bytes("a\n"), perRead: 100)
        ])
        #expect(contents(dir + "/2026/11/26/access.14") == "a\n")
    }

    @Test func delayKeepsWritingThePreviousFileUntilItPasses() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try split("access.%H", in: dir, configure: { $0.delay = 300 }, startingAt: fourteenHundred, [
            .data(at: fourteenHundred + 10, bytes: bytes("a\n"), perRead: 100),
            .data(at: fourteenHundred + 3600 + 200, bytes: bytes("b\n"), perRead: 100),
            .data(at: fourteenHundred + 3600 + 301, bytes: bytes("c\n"), perRead: 100),
        ])
        #expect(contents(dir + "/access.14") == "a\nb\n")
        #expect(contents(dir + "/access.15") == "c\n")
    }
}

@Suite struct SplitterLineCountingTests {
    @Test(arguments: [1, 7, 4096, 1 << 20])
    func countsLinesAndLinesOverPipeBufExactly(perRead: Int) throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // 4095 bytes + newline is exactly PIPE_BUF (not long); 4096 + newline is one byte over (long).
        let atLimit = String(repeating: "a", count: 4095) + "\n"
        let overLimit = String(repeating: "b", count: 4096) + "\n"
        let huge = String(repeating: "c", count: 9000) + "\n"
        let short = "GET /index.html 200\n"
        let text = [short, atLimit, short, overLimit, huge, short, short, overLimit, atLimit].joined()
        let (splitter, status, _) = try split("access.%H", in: dir, startingAt: fourteenHundred, [
            .data(at: fourteenHundred, bytes: bytes(text), perRead: perRead)
        ])
        #expect(status == .ok)
        #expect(contents(dir + "/access.14") == text)
        #expect(splitter.counters.lines == 9)
        #expect(splitter.counters.longLines == 3)
        #expect(splitter.counters.bytes == text.utf8.count)
    }
}
