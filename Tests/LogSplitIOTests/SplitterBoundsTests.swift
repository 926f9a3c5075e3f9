import Foundation
import LogSplitCore
import LogSplitIO
import Testing

/// Bounds from an embedder's configuration are clamped, never trapped on.
@Suite struct SplitterBoundsTests {
    @Test func theLargestMaxSitesIsClampedWhenSizingTheSiteTable() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (splitter, status, _) = try split("{site}/access.%H", in: dir, configure: {
            $0.siteField = true
            $0.maxSites = .max
            $0.maxOpenFiles = .max
        }, startingAt: fourteenHundred, [.data(at: fourteenHundred, bytes: bytes("www a\n"), perRead: 100)])
        #expect(status == .ok)
        #expect(splitter.counters.lines == 1)
        #expect(contents(dir + "/www/access.14") == "a\n")
    }

    /// `-o` never rotates (the next start is Int.max): adding the delay and late window must saturate.
    @Test func onceOnlyWithLineTimeAndAHugeLateWindowWritesTimedLines() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (splitter, status, _) = try split("access", in: dir, configure: {
            $0.period = RotationPeriod(unit: .once)
            $0.lineTime = true
            $0.lateWindow = .max
            $0.drainTimeout = .max
        }, startingAt: fourteenHundred, [
            .data(at: fourteenHundred, bytes: bytes("x [26/Nov/2026:13:59:00 +0000] y\n"), perRead: 100)
        ])
        #expect(status == .ok)
        #expect(splitter.counters.lines == 1)
        #expect(contents(dir + "/access") == "x [26/Nov/2026:13:59:00 +0000] y\n")
    }
}
