import Foundation
import LogDestinations
import LogDump
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What is under a recorded key is replaced only when this file's own put stored it there.
@Suite(.timeLimit(.minutes(10))) struct ShipStageTests {
    @Test func aRecordedKeyHoldingWhatThisFileNeverStoredIsLeftAloneAndTheFileGoesToTheNextName() throws {
        let box = try DumpSandbox()
        let text = try box.writeLog("c1", "shop", "05", lines: 0..<200)
        let key = "testhost/c1/shop/2026/11/20/access_log.2026112005.zst"
        // A run killed between writing the key down and linking the copy; meanwhile another writer (another host
        // with a key template without {host}, an operator) stored something else under that key.
        try KeyClaimsTests.leaveWaitingAtKey(box, site: "shop", key: key)
        let foreign = Data("someone else's bytes\n".utf8)
        try FileManager.default.createDirectory(atPath: (box.keyPath("c1", "shop", "05") as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try foreign.write(to: URL(fileURLWithPath: box.keyPath("c1", "shop", "05")))

        #expect(try box.run() == 0)

        #expect(try Data(contentsOf: URL(fileURLWithPath: box.root + "/dest/" + key)) == foreign, "the other writer's copy was replaced")
        #expect(try DumpSandbox.decompressFile(box.keyPath("c1", "shop", "05", suffix: ".1")) == text)
        #expect(!box.exists(box.logPath("c1", "shop", "05")))
        #expect(box.destinationFiles().count == 2)
    }
}
