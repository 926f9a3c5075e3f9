import LinuxSystem
import LogCompression
import LogShipCore

#if canImport(Glibc)
import Glibc
#endif

/// closed → compressed: the bytes of this generation, compressed into the spool and, in the same pass, decoded again
/// (the format's content checksum and the length checked against the bytes read) before the step is recorded.
struct CompressStage {
    let context: StageContext

    /// One compressor per worker thread, reused from file to file (a failed file drops it).
    final class CompressorCache {
        var compressor: (any StreamCompressor)?
    }

    /// Returns false when the file must wait (changed, vanished): not an error.
    ///
    /// `recordNow` false: the copy is renamed into the spool and the record set to `compressed` but neither is
    /// made durable nor saved here; the caller must do both, in that order, before anything depends on the step
    /// (`recordCompressed`: the shipper, for a batch at once). So a worker does not wait for fsyncs;
    /// a run killed before leaves the record at `closed` and an unrecorded spool file (removed by a later run).
    func run(_ record: inout FileRecord, threads: Int, cache: CompressorCache, recordNow: Bool = true) throws -> Bool {
        let format = context.configuration.format
        let file: FileDescriptor
        do { file = try record.source.openFile() } catch {
            switch error.code {
            case ENOENT: return try forget(&record, why: "vanished before it was compressed")
            case ELOOP: return try forget(&record, why: "became a symlink; not followed, not shipped")
            default: throw error
            }
        }
        let info = try file.status(path: record.source.description)
        guard FileKind(info) == .regular else {
            context.log.warning("\(record.source) became a \(FileKind(info)); skipped")
            return false
        }
        if UInt64(info.st_dev) != record.device || UInt64(info.st_ino) != record.inode {
            context.log.warning("\(record.source) was replaced while logdump looked at it; it is taken up by the next run")
            return false
        }
        if record.offset > 0, let headLength = record.headLength,
           Self.headChecksum(file.rawValue, length: headLength)?.crc32 != record.headCRC32 {
            // Same inode number, different beginning: a new file, not the rest of the one shipped.
            record.offset = 0
        }
        let size = Int(info.st_size)
        guard size >= record.offset else {
            throw SystemError("compress (the file shrank below the \(record.offset) bytes already shipped; left in place)",
                              path: record.source.description, code: EINVAL)
        }
        let final = context.spoolPath(record, ext: format.fileExtension)
        let temporary = final + AtomicFile.temporarySuffix
        var compressor = FileCompressor(format: format, level: context.configuration.effectiveLevel, threads: threads)
        compressor.delayMicroseconds = context.hooks.compressionReadDelayMicroseconds
        if cache.compressor == nil { cache.compressor = try compressor.makeCompressor() }
        let result: FileCompressor.Checked
        do {
            result = try compressor.compressChecked(sourceFD: file.rawValue, sourcePath: record.source.description, offset: record.offset,
                                                    length: size - record.offset, outputPath: temporary, using: cache.compressor,
                                                    durable: recordNow)
        } catch {
            cache.compressor = nil  // its state is unknown after a failure
            unlink(temporary)
            throw error
        }
        if result.sourceBytes < size - record.offset {
            context.log.warning("\(record.source) shrank while it was read; shipping the \(result.sourceBytes) bytes that were there")
        }
        // Nothing is recorded before the destination answered the run's first probe (it runs meanwhile).
        do { try context.destinationReady.wait() } catch {
            unlink(temporary)
            throw error
        }
        let stored = result.object
        _ = try Syscall.retrying("rename", path: final) { rename(temporary, final) }
        if recordNow { _ = try Syscall.retrying("fsync", path: context.store.spoolPath) { fsync(context.store.spoolFD) } }
        let head = Self.headChecksum(file.rawValue, length: min(4096, record.offset + result.sourceBytes))
        record.length = result.sourceBytes
        // The content is checked through the format's own checksum as it is compressed (FileCompressor.compressChecked).
        record.sourceCRC32 = nil
        record.headCRC32 = head?.crc32
        record.headLength = head?.count
        record.format = format
        record.compressedSize = stored.size
        record.compressedSHA256 = stored.sha256
        record.key = nil
        record.step = .compressed
        record.lastError = nil
        if recordNow { try context.store.save(record) }
        return true
    }

    /// Makes the spool copies of records set to `compressed` by `run(recordNow: false)` durable, each (fsync) and
    /// their names (one fsync of the spool directory for all), then saves the records at once. Returns one error
    /// per record, in order (nil: the copy is on disk and the record says `compressed`).
    static func recordCompressed(_ records: [FileRecord], context: StageContext) -> [(any Error)?] {
        var errors = [(any Error)?](repeating: nil, count: records.count)
        for (index, record) in records.enumerated() {
            do {
                let path = context.spoolPath(record, ext: record.format?.fileExtension ?? context.configuration.format.fileExtension)
                let copy = try FileDescriptor.open(path, O_RDONLY | O_NOFOLLOW)
                try copy.sync(path: path)
            } catch {
                errors[index] = error
            }
        }
        let synced = records.indices.filter { errors[$0] == nil }
        guard !synced.isEmpty else { return errors }
        if fsync(context.store.spoolFD) != 0 {
            let error = SystemError("fsync", path: context.store.spoolPath, code: errno)
            for index in synced { errors[index] = error }
            return errors
        }
        for (index, error) in zip(synced, context.saveAll(synced.map { records[$0] })) { errors[index] = error }
        return errors
    }

    /// CRC-32 of the first `length` bytes of the file, or nil when it has fewer.
    static func headChecksum(_ fd: Int32, length: Int) -> ContentChecksum? {
        var bytes = [UInt8](repeating: 0, count: max(length, 1))
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, length, 0) }
        guard n == length else { return nil }
        var checksum = ContentChecksum()
        bytes.withUnsafeBytes { checksum.update(UnsafeRawBufferPointer(rebasing: $0[0..<length])) }
        return checksum
    }

    /// A record whose file disappeared before anything was made from it: nothing to ship.
    func forget(_ record: inout FileRecord, why: String) throws -> Bool {
        context.log.warning("\(record.source) \(why)")
        if (try? context.store.load(id: record.id)) != nil {
            try context.destinationReady.wait()
            record.step = .removed
            try context.store.save(record)
        }
        return false
    }
}
