import LogShipCore
import Testing

@Suite struct JobPlannerTests {
    func file(_ name: String, start: Int, inode: UInt64 = 7) -> SourceFile {
        SourceFile(path: SafePath(base: "/d", components: ["c1", name]), container: "c1", site: "www", periodStart: start,
                   periodEnd: start + 3600, device: 1, inode: inode, size: 10, modified: start + 100)
    }

    @Test func closedFilesWithoutRecordsBecomeJobsInPeriodOrder() {
        let files = [file("b", start: 7200), file("a", start: 3600), file("open", start: 10_800)]
        let jobs = JobPlanner.plan(files: files, records: [:], isClosed: { $0.periodStart < 10_800 })
        #expect(jobs.map(\.record.source.name) == ["a", "b"])
        #expect(jobs.allSatisfy { $0.record.step == .closed && !$0.newGeneration })
    }

    @Test func aFileBackAfterRemovalIsANewGenerationAndUnfinishedRecordsResume() {
        let back = file("back", start: 3600)
        var removed = FileRecord(source: back.path, container: "c1", site: "www", periodStart: 3600, device: 1, inode: 7)
        removed.step = .removed
        removed.shipped = [.init(generation: 0, key: "k", offset: 0, length: 5, compressedSize: 3, shippedAt: 1)]
        var halfway = FileRecord(source: SafePath(base: "/d", components: ["c1", "gone"]), container: "c1", site: "www",
                                 periodStart: 0, device: 1, inode: 9)
        halfway.step = .shipping
        let jobs = JobPlanner.plan(files: [back, back], records: [removed.id: removed, halfway.id: halfway], isClosed: { _ in true })
        #expect(jobs.count == 2)
        #expect(jobs[0].record.id == halfway.id && jobs[0].file == nil)
        #expect(jobs[1].newGeneration && jobs[1].record.generation == 1 && jobs[1].record.step == .closed)
    }

    @Test func aClosedRecordFollowsAFileThatMovedToAnotherInode() {
        let moved = file("x", start: 0, inode: 99)
        var record = FileRecord(source: moved.path, container: "c1", site: "www", periodStart: 0, device: 1, inode: 7)
        record.offset = 40
        let jobs = JobPlanner.plan(files: [moved], records: [record.id: record], isClosed: { _ in true })
        #expect(jobs.first?.record.inode == 99 && jobs.first?.record.offset == 0)
    }
}
