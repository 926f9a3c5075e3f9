/// One file's work in a run: its record (new or loaded), the file as scanned (nil when it is gone but its
/// record is unfinished), and whether a new generation starts (the file came back after it was removed).
public struct Job: Sendable, Equatable {
    public var record: FileRecord
    public var file: SourceFile?
    public var newGeneration: Bool

    public init(record: FileRecord, file: SourceFile?, newGeneration: Bool) {
        self.record = record
        self.file = file
        self.newGeneration = newGeneration
    }
}

/// Decides what a run works on, from the files found and the records kept: every closed file without a
/// finished record, and every unfinished record. Pure: the closed test is the caller's.
public enum JobPlanner {
    public static func plan(files: [SourceFile], records: [String: FileRecord],
                            isClosed: (SourceFile) -> Bool) -> [Job] {
        var jobs: [Job] = []
        var seen = Set<String>()
        for file in files {
            let id = FileRecord.id(for: file.path)
            // Two roots may match the same file: one job per file.
            guard seen.insert(id).inserted else { continue }
            if var record = records[id] {
                switch record.step {
                case .removed:
                    // The file is back (a late line re-created it): a new generation, shipped under a new key.
                    guard isClosed(file) else { continue }
                    record.startGeneration(offset: 0, device: file.device, inode: file.inode)
                    jobs.append(Job(record: record, file: file, newGeneration: true))
                case .closed:
                    guard isClosed(file) else { continue }
                    if record.device != file.device || record.inode != file.inode {
                        record.offset = 0
                        record.device = file.device
                        record.inode = file.inode
                    }
                    jobs.append(Job(record: record, file: file, newGeneration: false))
                case .compressed, .shipping, .shipped:
                    jobs.append(Job(record: record, file: file, newGeneration: false))
                }
            } else if isClosed(file) {
                let record = FileRecord(source: file.path, container: file.container, site: file.site,
                                        periodStart: file.periodStart, device: file.device, inode: file.inode)
                jobs.append(Job(record: record, file: file, newGeneration: false))
            }
        }
        for (id, record) in records where !seen.contains(id) && record.step != .removed {
            jobs.append(Job(record: record, file: nil, newGeneration: false))
        }
        jobs.sort { ($0.record.periodStart, $0.record.source.description) < ($1.record.periodStart, $1.record.source.description) }
        return jobs
    }
}
