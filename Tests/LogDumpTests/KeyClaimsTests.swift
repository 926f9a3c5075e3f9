import Foundation
import LogDestinations
import LogDump
import LogDumpFaults
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Two files whose keys collide (a key template without {site}) never end up at one key, however their batches and
/// runs fall: a key recorded for a file that is still on its way is never chosen for another file.
@Suite(.timeLimit(.minutes(10))) struct KeyClaimsTests {
    /// Refuses every put of a copy whose content `refused` picks (the host went away for that file), like a
    /// destination that is unreachable for one file; everything else goes to `inner`.
    struct RefusesSomePuts: ForwardingDestination {
        let inner: any Destination
        let refused: @Sendable (String) -> Bool
        func put(_ object: LocalObject, key: [String], replace: Bool) throws(DestinationError) {
            if let text = try? DumpSandbox.decompressFile(object.path), refused(text) {
                throw .unavailable("the test's host is gone for this file")
            }
            try inner.put(object, key: key, replace: replace)
        }
    }

    /// What a run killed between writing the key down and linking the copy leaves for the site's one file (written
    /// already): the copy in the spool, the record at `shipping` with `key`, nothing at the destination. A run whose
    /// put fails compresses it; then the record is set as the killed run would have left it.
    static func leaveWaitingAtKey(_ box: DumpSandbox, site: String, key: String) throws {
        let refuse = RunHooks(wrapDestination: { RefusesSomePuts(inner: $0, refused: { $0.contains(" \(site) ") }) })
        #expect(try box.run(hooks: refuse) == 2)
        let store = try StateStore(directory: box.config.stateDirectory, create: false)
        var waiting = try #require(store.allRecords().records.first(where: { $0.site == site }))
        waiting.step = .shipping
        waiting.key = key
        try store.save(waiting)
    }

    @Test func aKeyRecordedForAFileStillOnItsWayIsNeverGivenToAnotherFile() throws {
        let box = try DumpSandbox()
        box.config.keyTemplate = "{host}/%Y/%m/%d/{name}.{ext}"  // www's and static's hour files share one name
        box.config.workers = 1
        let key = "testhost/2026/11/20/access_log.2026112014.zst"
        let www = try box.writeLog("c1", "www", "14", lines: 0..<300)

        try Self.leaveWaitingAtKey(box, site: "www", key: key)
        #expect(box.destinationFiles().isEmpty)

        // static's and tuan's hour files of the same name appear. The next run compresses them first, in this order
        // (they sort first; one worker, slowed down): static's small file is shipped in a batch of its own while
        // tuan's large one compresses, before www's copy is put. It must not take www's key, although that key is
        // free at the destination.
        let staticText = try box.writeLog("c1", "static", "14", lines: 0..<20)
        let tuanText = try box.writeLog("c1", "tuan", "14", lines: 0..<40_000)
        #expect(try box.run(hooks: RunHooks(compressionReadDelayMicroseconds: 40_000)) == 0)

        for site in ["www", "static", "tuan"] { #expect(!box.exists(box.logPath("c1", site, "14")), "\(site)'s original is left") }
        let copies = try box.destinationFiles().map { try DumpSandbox.decompressFile(box.root + "/dest/" + $0) }
        #expect(copies.count == 3, "\(box.destinationFiles())")
        for (site, text) in [("www", www), ("static", staticText), ("tuan", tuanText)] {
            #expect(copies.filter { $0 == text }.count == 1, "\(site)'s lines are not at the destination exactly once")
        }
        #expect(try DumpSandbox.decompressFile(box.root + "/dest/" + key) == www, "the key recorded for www holds something else")
    }
}
