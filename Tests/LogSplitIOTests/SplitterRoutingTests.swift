import Foundation
import LogSplitCore
import LogSplitIO
import Testing

@Suite struct SplitterRoutingTests {
    @Test func routesLinesBySiteFieldAndStripsIt() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = "www GET /a\nTUAN GET /b\n../etc GET /c\nwww GET /d\nbad\u{1}name GET /e\n"
        let (splitter, _, _) = try split("{site}/access.%H", in: dir, configure: { $0.siteField = true },
                                         startingAt: fourteenHundred, [.data(at: fourteenHundred, bytes: bytes(input), perRead: 7)])
        #expect(contents(dir + "/www/access.14") == "GET /a\nGET /d\n")
        #expect(contents(dir + "/tuan/access.14") == "GET /b\n")
        #expect(contents(dir + "/_other/access.14") == "../etc GET /c\nbad\u{1}name GET /e\n")
        #expect(splitter.counters.fallbackSites == 2)
        #expect(files(under: dir) == ["_other/access.14", "tuan/access.14", "www/access.14"])
    }

    @Test func boundsDistinctSitesAndOpenFiles() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = (0..<50).map { "site\($0) GET /\($0)\n" }.joined() + (0..<50).map { "site\($0) again\n" }.joined()
        let (splitter, status, _) = try split("{site}/access.%H", in: dir, configure: {
            $0.siteField = true
            $0.maxSites = 20
            $0.maxOpenFiles = 4
        }, startingAt: fourteenHundred, [.data(at: fourteenHundred, bytes: bytes(input), perRead: 64)])
        #expect(status == .ok)
        #expect(files(under: dir).count == 21)  // 20 sites + the fallback
        #expect(contents(dir + "/site0/access.14") == "GET /0\nagain\n")
        #expect(splitter.counters.fallbackSites == 60)
        #expect(splitter.counters.lines == 100)
    }

    @Test func everySiteKeepsItsOwnFileWhileTheSiteTableGrows() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // 400 sites with 50-byte names, each spelled twice (lower and upper case), then all of them again: the
        // table starts with 64 slots and 2 KiB of names and must grow several times without losing a spelling.
        let names = (0..<400).map { "s\($0)-" + String(repeating: "x", count: 50 - "s\($0)-".count) }
        let input = names.map { "\($0) GET /first\n" }.joined() + names.map { "\($0.uppercased()) GET /upper\n" }.joined()
            + names.reversed().map { "\($0) GET /again\n" }.joined()
        let (splitter, status, _) = try split("{site}/access.%H", in: dir, configure: { $0.siteField = true },
                                              startingAt: fourteenHundred, [.data(at: fourteenHundred, bytes: bytes(input), perRead: 4096)])
        #expect(status == .ok)
        #expect(splitter.counters.fallbackSites == 0)
        #expect(files(under: dir).count == 400)
        for name in [names[0], names[63], names[64], names[399]] {
            #expect(contents(dir + "/\(name)/access.14") == "GET /first\nGET /upper\nGET /again\n")
        }
    }

    @Test func lineTimeSendsSlowRequestsToTheirOwnHour() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = """
            1.1.1.1 - - [26/Nov/2026:14:59:58 +0000] "GET /late-but-in-window"
            1.1.1.1 - - [26/Nov/2026:15:00:01 +0000] "GET /on-time"
            1.1.1.1 - - no time at all
            1.1.1.1 - - [26/Nov/2026:12:00:00 +0000] "GET /too-late"
            1.1.1.1 - - [26/Nov/2027:12:00:00 +0000] "GET /future"

            """
        let (splitter, _, _) = try split("access.%Y%m%d%H", in: dir, configure: { $0.lineTime = true; $0.lateWindow = 300 },
                                         startingAt: fourteenHundred, [.data(at: fourteenHundred + 3605, bytes: bytes(input), perRead: 4096)])
        #expect(contents(dir + "/access.2026112614") == "1.1.1.1 - - [26/Nov/2026:14:59:58 +0000] \"GET /late-but-in-window\"\n")
        #expect(contents(dir + "/access.2026112615")?.split(separator: "\n").count == 4)
        #expect(splitter.counters.lateLines == 1)
        #expect(splitter.counters.untimedLines == 2)
    }
}

@Suite struct SplitterDescriptorBoundTests {
    @Test func moreSitesInOneReadThanOpenFilesStillKeepsDescriptorsBounded() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = (0..<300).map { "site\($0) GET /\($0)\n" }.joined()
        let (splitter, status, _) = try split("{site}/access.%H", in: dir, configure: {
            $0.siteField = true
            $0.maxOpenFiles = 8
        }, startingAt: fourteenHundred, [.data(at: fourteenHundred, bytes: bytes(input), perRead: 1 << 20)])
        #expect(status == .ok)
        #expect(splitter.counters.lines == 300)
        #expect(files(under: dir).count == 300)
        #expect(contents(dir + "/site299/access.14") == "GET /299\n")
        #expect(splitter.peakOpenFiles == 8)
    }
}
