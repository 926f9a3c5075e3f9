import Foundation
import LogSplitCore
import LogSplitIO
import Testing

@Suite struct SplitterSafetyTests {
    @Test func aSymlinkPlantedAsTheLogFileIsMovedAsideNotFollowed() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let victim = dir + "/victim"
        FileManager.default.createFile(atPath: victim, contents: Data("secret\n".utf8))
        try FileManager.default.createSymbolicLink(atPath: dir + "/access.14", withDestinationPath: victim)
        let (splitter, _, diagnostics) = try split("access.%H", in: dir, startingAt: fourteenHundred, [
            .data(at: fourteenHundred, bytes: bytes("attacker-controlled line\n"), perRead: 100)
        ])
        #expect(contents(victim) == "secret\n")
        #expect(contents(dir + "/access.14") == "attacker-controlled line\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: dir + "/access.14")
        #expect(attributes[.type] as? FileAttributeType == .typeRegular)
        #expect(files(under: dir).contains { $0.hasPrefix("access.14.refused-symlink-") })
        #expect(splitter.counters.refusedPaths == 1)
        #expect(diagnostics.messages.contains { $0.contains("refused a symlink") && $0.contains(dir + "/access.14") })
    }

    @Test func aSymlinkedDirectoryComponentIsMovedAside() throws {
        let dir = makeTemporaryDirectory()
        let outside = makeTemporaryDirectory()
        defer {
            try? FileManager.default.removeItem(atPath: dir)
            try? FileManager.default.removeItem(atPath: outside)
        }
        try FileManager.default.createSymbolicLink(atPath: dir + "/www", withDestinationPath: outside)
        let (splitter, _, _) = try split("{site}/access.%H", in: dir, configure: { $0.siteField = true }, startingAt: fourteenHundred, [
            .data(at: fourteenHundred, bytes: bytes("www hello\n"), perRead: 100)
        ])
        #expect(files(under: outside).isEmpty)
        #expect(contents(dir + "/www/access.14") == "hello\n")
        #expect(splitter.counters.refusedPaths == 1)
    }

    @Test func aDanglingSymlinkIsNotUsedToCreateAFile() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createSymbolicLink(atPath: dir + "/access.14", withDestinationPath: dir + "/created-through-link")
        _ = try split("access.%H", in: dir, startingAt: fourteenHundred, [
            .data(at: fourteenHundred, bytes: bytes("x\n"), perRead: 100)
        ])
        #expect(!FileManager.default.fileExists(atPath: dir + "/created-through-link"))
        #expect(contents(dir + "/access.14") == "x\n")
    }

    @Test func aFifoPlantedAsTheLogFileDoesNotBlock() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(mkfifo(dir + "/access.14", 0o666) == 0)
        _ = try split("access.%H", in: dir, startingAt: fourteenHundred, [
            .data(at: fourteenHundred, bytes: bytes("x\n"), perRead: 100)
        ])
        #expect(contents(dir + "/access.14") == "x\n")
        #expect(files(under: dir).contains { $0.hasPrefix("access.14.refused-fifo-") })
    }

    @Test func holdsASharedLockWhileOpenAndClosesWhenThePeriodEndsWithoutTraffic() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var lockedWhileOpen = false
        var freeAfterPeriod = false
        func exclusiveLockIsFree() -> Bool {
            let fd = open(dir + "/access.14", O_RDONLY)
            defer { close(fd) }
            return flock(fd, LOCK_EX | LOCK_NB) == 0
        }
        _ = try split("access.%H", in: dir, startingAt: fourteenHundred, [
            .data(at: fourteenHundred + 10, bytes: bytes("a\n"), perRead: 100),
            .check { lockedWhileOpen = !exclusiveLockIsFree() },
            .tick(at: fourteenHundred + 3600),
            .tick(at: fourteenHundred + 3601),
            .check { freeAfterPeriod = exclusiveLockIsFree() },
        ])
        #expect(lockedWhileOpen)
        #expect(freeAfterPeriod)
    }

    @Test func theCurrentLinkMovesAtEveryRotationAndThePreviousLinkFollows() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try split("access.%H", in: dir, configure: {
            $0.link = LinkSpec(kind: .symbolic, path: dir + "/current", previous: dir + "/previous")
        }, startingAt: fourteenHundred, [
            .data(at: fourteenHundred, bytes: bytes("a\n"), perRead: 100),
            .data(at: fourteenHundred + 3600, bytes: bytes("b\n"), perRead: 100),
            .data(at: fourteenHundred + 7200, bytes: bytes("c\n"), perRead: 100),
        ])
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/current") == dir + "/access.16")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/previous") == dir + "/access.15")
    }
}
