import Foundation
import LinuxSystem
import LogDump
import LogShipCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct StateStoreTests {
    func scratch() throws -> String {
        var template = Array("/tmp/logdump-state.XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { throw POSIXError(.EIO) }
        return String(cString: made)
    }

    func record(_ name: String, step: FileRecord.Step = .compressed) -> FileRecord {
        var record = FileRecord(source: SafePath(base: "/var/log/containers", components: ["c1", name]), container: "c1", site: nil,
                                periodStart: 1_700_000_000, device: 1, inode: UInt64(name.utf8.count))
        record.step = step
        record.compressedSHA256 = String(repeating: "a", count: 64)
        return record
    }

    func leftovers(_ store: StateStore) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: store.recordsPath).filter { $0.hasSuffix(AtomicFile.temporarySuffix) }
    }

    @Test func aBatchSavedAtOnceIsAllReadableAndReplacesWhatWasThere() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try StateStore(directory: directory, create: true)
        try store.save(record("b.log", step: .closed))
        let batch = ["a.log", "b.log", "c.log"].map { record($0, step: .shipping) }
        let errors = store.saveMany(batch)
        #expect(errors.allSatisfy { $0 == nil })
        for saved in batch {
            let loaded = try store.load(id: saved.id)
            #expect(loaded?.step == .shipping)
            #expect(loaded?.source == saved.source)
        }
        #expect(store.allRecords().records.count == 3)
        #expect(try leftovers(store).isEmpty)
    }

    @Test func aRecordThatCannotBeWrittenFailsAloneAndLeavesNoTemporary() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try StateStore(directory: directory, create: true)
        let batch = ["a.log", "b.log", "c.log"].map { record($0) }
        try store.save(record("b.log", step: .closed))
        // A directory where b's temporary file goes: creating it fails (EISDIR), the others are saved.
        let blocker = store.recordsPath + "/" + batch[1].id + ".json" + AtomicFile.temporarySuffix
        try FileManager.default.createDirectory(atPath: blocker, withIntermediateDirectories: false)
        let errors = store.saveMany(batch)
        #expect(errors[0] == nil && errors[2] == nil)
        #expect(errors[1] != nil)
        #expect("\(errors[1]!)".contains(blocker))
        #expect(try store.load(id: batch[0].id)?.step == .compressed)
        #expect(try store.load(id: batch[1].id)?.step == .closed)  // the old record stays
        #expect(try store.load(id: batch[2].id)?.step == .compressed)
        try FileManager.default.removeItem(atPath: blocker)
        #expect(try leftovers(store).isEmpty)
    }

    @Test func theSameRecordTwiceInOneBatchSavesTheFirstAndFailsTheSecond() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try StateStore(directory: directory, create: true)
        let errors = store.saveMany([record("a.log", step: .shipping), record("a.log", step: .shipped)])
        #expect(errors[0] == nil)
        #expect(errors[1] != nil)
        #expect(try store.load(id: record("a.log").id)?.step == .shipping)
    }

    @Test func aTemporaryLeftByAKilledSaveIsNotARecordAndIsCleanedByTheNextRun() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try StateStore(directory: directory, create: true)
        #expect(store.saveMany([record("a.log")]).allSatisfy { $0 == nil })
        // What a run killed between writing a batch's temporaries and renaming them leaves.
        let torn = store.recordsPath + "/" + record("b.log").id + ".json" + AtomicFile.temporarySuffix
        #expect(FileManager.default.createFile(atPath: torn, contents: Data("{\"version\":".utf8)))
        let (records, problems) = store.allRecords()
        #expect(records.map(\.id) == [record("a.log").id])
        #expect(problems.isEmpty)
        store.removeTemporaryFiles()
        #expect(try leftovers(store).isEmpty)
        #expect(try store.load(id: record("a.log").id)?.step == .compressed)
    }
}
