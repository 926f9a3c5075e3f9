import Foundation
import LogSplitCore
import LogSplitIO
import Testing

/// Rendered names are resolved lexically before the no-follow walk (as the kernel resolves cronolog's),
/// and a link never replaces the log file it points to.
@Suite struct SplitterPathTests {
    @Test func aTemplateThroughDotDotAndDoubleSlashesWritesTheResolvedFile() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (splitter, status, diagnostics) = try split("sub/%Y/..//./access.%H", in: dir, startingAt: fourteenHundred, [
            .data(at: fourteenHundred, bytes: bytes("a line\n"), perRead: 100)
        ])
        #expect(status == .ok, "\(diagnostics.messages)")
        #expect(contents(dir + "/sub/access.14") == "a line\n")
        #expect(splitter.counters.droppedLines == 0)
        #expect(!FileManager.default.fileExists(atPath: dir + "/sub/2026"))
    }

    /// With --site-field the start check sees only one site; a link that is another site's log file is
    /// skipped at run time (and said so), so the lines stay in the file.
    @Test func aLinkThatIsASitesOwnLogFileIsNotMade() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (splitter, status, diagnostics) = try split("{site}/access", in: dir, configure: {
            $0.siteField = true
            $0.link = LinkSpec(kind: .symbolic, path: dir + "/shop/./access")
        }, startingAt: fourteenHundred, [
            .data(at: fourteenHundred, bytes: bytes("shop one\nshop two\n"), perRead: 100)
        ])
        #expect(status == .ok)
        #expect(contents(dir + "/shop/access") == "one\ntwo\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: dir + "/shop/access")
        #expect(attributes[.type] as? FileAttributeType == .typeRegular)
        #expect(splitter.counters.lines == 2)
        #expect(diagnostics.messages.contains { $0.contains("would replace the log file") }, "\(diagnostics.messages)")
    }
}
