import LinuxSystem
import LogShipCore

#if canImport(Glibc)
import Glibc
#endif

/// shipped → removed: the original goes, but only if it is still the file that was shipped, unchanged, and
/// no writer holds it. Bytes appended after shipping go out as the next part instead.
struct RemoveStage {
    let context: StageContext

    /// Returns false when the file must wait (a writer holds it, or it grew and starts a new generation).
    func run(_ record: inout FileRecord) throws -> Bool {
        // Gone, or replaced by a link: ours was removed already (by an earlier run killed before recording it).
        guard let parent = try Self.unlessGone({ () throws(SystemError) in try record.source.openParent() }),
              let file = try Self.unlessGone({ () throws(SystemError) in
                  try parent.open(record.source.name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, displayPath: record.source.description)
              }) else {
            try finish(&record)
            return true
        }
        let info = try file.status(path: record.source.description)
        guard FileKind(info) == .regular, UInt64(info.st_dev) == record.device, UInt64(info.st_ino) == record.inode,
              record.headLength == nil
                || CompressStage.headChecksum(file.rawValue, length: record.headLength!)?.crc32 == record.headCRC32 else {
            // Another file took the name (even one that reused the inode number): ours is gone; the newcomer
            // is a new generation for the next run.
            try finish(&record)
            return true
        }
        // Held while checking and unlinking: logsplit cannot take its shared lock on this file meanwhile.
        guard FileLock.tryExclusive(file.rawValue) else { return false }
        let size = Int(info.st_size)
        let end = record.offset + (record.length ?? 0)
        if size == end {
            guard tailAllowsRemoval(record, size: size) else { return false }
            _ = try Syscall.retrying("remove", path: record.source.description) { unlinkat(parent.rawValue, record.source.name, 0) }
            try parent.sync(path: "the directory of " + record.source.description)
            try finish(&record)
            return true
        }
        if context.configuration.keepCompressedHours == 0 { context.store.removeSpoolCopy(record) }
        if size > end {
            context.log.warning("\(record.source) grew after it was shipped (\(size - end) bytes more); they go out as a new part")
            record.startGeneration(offset: end, device: record.device, inode: record.inode)
        } else {
            context.log.warning("\(record.source) shrank after it was shipped; left in place, its content goes out again as a new part")
            record.startGeneration(offset: 0, device: record.device, inode: record.inode)
        }
        try context.store.save(record)
        return false
    }

    /// With `[tail]` and `gate_removal`, whether tail's checkpoint says this file was streamed to its end;
    /// when not, says why (a warning when tail seems stopped, else with `-v`).
    private func tailAllowsRemoval(_ record: FileRecord, size: Int) -> Bool {
        guard let tail = context.configuration.tail, tail.gateRemoval else { return true }
        let document: TailCheckpointDocument?
        do { document = try TailCheckpointFile.load(stateDirectory: context.configuration.stateDirectory) } catch {
            context.log.warning("\(record.source): kept: the tail checkpoints cannot be read: \(error)")
            return false
        }
        switch TailRemovalGate.verdict(document, path: record.source.description, device: record.device, inode: record.inode,
                                       size: Int64(size), now: context.clock()) {
        case .remove:
            return true
        case let .keep(reason, stopped):
            if stopped { context.log.warning("\(record.source): \(reason)") } else { context.log.info("\(record.source): \(reason)") }
            return false
        }
    }

    /// The descriptor, or nil when the path is gone (ENOENT) or is now a link (ELOOP).
    static func unlessGone(_ open: () throws(SystemError) -> FileDescriptor) throws(SystemError) -> FileDescriptor? {
        do { return try open() } catch {
            if error.code == ENOENT || error.code == ELOOP { return nil }
            throw error
        }
    }

    private func finish(_ record: inout FileRecord) throws {
        let keep = context.configuration.keepCompressedHours
        record.keepCompressedUntil = keep > 0 ? context.clock() + keep * 3600 : nil
        record.step = .removed
        record.lastError = nil
        try context.store.save(record)
        if keep == 0 { context.store.removeSpoolCopy(record) }
    }
}
