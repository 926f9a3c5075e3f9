import Foundation
import LogDump
import LogTail
import Testing

@Suite struct CheckpointStoreTests {
    func entry(_ path: String, offset: Int64) -> TailCheckpoint {
        TailCheckpoint(path: path, container: "c", site: "s", device: 1, inode: 2, headLength: 0, headSHA256: "",
                       offset: offset, finished: false, size: offset, acknowledgedAt: 0)
    }

    @Test func changesAreWrittenAtMostOnceASecondAndAtLeastOnceAMinute() throws {
        let directory = try TailWorld()
        var written: [TailCheckpointDocument] = []
        let store = try CheckpointStore(stateDirectory: directory.state, save: { written.append($0) })
        store.update(entry("/a", offset: 10))
        store.saveIfDue(now: 1000)
        store.update(entry("/a", offset: 20))
        store.saveIfDue(now: 1000)
        #expect(written.map { $0.files.map(\.offset) } == [[10]], "the second change waits for the next second")
        store.saveIfDue(now: 1001)
        #expect(written.map { $0.files.map(\.offset) } == [[10], [20]])
        store.saveIfDue(now: 1030)
        #expect(written.count == 2, "nothing changed, and a minute has not passed")
        store.saveIfDue(now: 1061)
        #expect(written.count == 3, "the heartbeat shows run that tail is alive")
        #expect(written.last?.savedAt == 1061)
    }

    @Test func savedCheckpointsAreReadBackAfterARestart() throws {
        let world = try TailWorld()
        let store = try CheckpointStore(stateDirectory: world.state)
        store.update(entry("/x/access_log.2026113014", offset: 4096))
        #expect(store.saveNow(now: 5) == nil)
        let reopened = try CheckpointStore(stateDirectory: world.state)
        #expect(reopened["/x/access_log.2026113014"]?.offset == 4096)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: world.state + "/v1/tail")
        #expect(leftovers == ["checkpoints.json"])
    }

    @Test func aDamagedCheckpointFileIsAnErrorNamingIt() throws {
        let world = try TailWorld()
        try FileManager.default.createDirectory(atPath: world.state + "/v1/tail", withIntermediateDirectories: true)
        try "{not json".write(toFile: world.state + "/v1/tail/checkpoints.json", atomically: true, encoding: .utf8)
        #expect {
            _ = try CheckpointStore(stateDirectory: world.state)
        } throws: { error in
            "\(error)".contains(world.state + "/v1/tail/checkpoints.json")
        }
    }
}
