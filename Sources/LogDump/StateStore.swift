import Foundation
import LinuxSystem
import LogShipCore

#if canImport(Glibc)
import Glibc
#endif

/// The versioned state directory: `<dir>/v1/records/<id>.json` (one per source file), `<dir>/v1/spool/`
/// (compressed copies), `<dir>/v1/last-run.json`, and `<dir>/lock`.
///
/// Every record is replaced atomically (temporary file, fsync, rename, fsync of the directory; `saveMany`: one
/// fsync of the directory for a batch): after a crash a record is either the old one or the new one, never a mix. Temporary files left by a killed run are
/// removed by the next run, which holds the lock.
public final class StateStore: @unchecked Sendable {
    public let directory: String
    public let recordsPath: String
    public let spoolPath: String
    let recordsDirectory: FileDescriptor
    let spoolDirectory: FileDescriptor
    let versionDirectory: FileDescriptor

    public init(directory: String, create: Bool) throws(SystemError) {
        self.directory = directory
        let versionPath = directory + "/v1"
        recordsPath = versionPath + "/records"
        spoolPath = versionPath + "/spool"
        if create {
            try SafeDirectory.makeTrusted(recordsPath, mode: 0o700)
            try SafeDirectory.makeTrusted(spoolPath, mode: 0o700)
        }
        versionDirectory = try FileDescriptor.open(versionPath, O_RDONLY | O_DIRECTORY, operation: "open state directory")
        recordsDirectory = try FileDescriptor.open(recordsPath, O_RDONLY | O_DIRECTORY)
        spoolDirectory = try FileDescriptor.open(spoolPath, O_RDONLY | O_DIRECTORY)
    }

    /// The spool directory, for fsync after a compressed copy is renamed into it.
    public var spoolFD: Int32 { spoolDirectory.rawValue }

    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    public func load(id: String) throws -> FileRecord? {
        guard let bytes = try Self.readSmallFile(recordsDirectory, id + ".json", directoryPath: recordsPath) else { return nil }
        let record = try JSONDecoder().decode(FileRecord.self, from: Data(bytes))
        guard record.version == FileRecord.currentVersion else {
            throw SystemError("read record (unknown version \(record.version))", path: recordsPath + "/" + id + ".json", code: EINVAL)
        }
        return record
    }

    public func save(_ record: FileRecord) throws {
        if let error = saveMany([record])[0] { throw error }
    }

    /// Saves several records (one, for `save`), each stamped with the time and replaced atomically, with one fsync
    /// of the records directory for all of them (`AtomicFile.writeMany`): a record counts as saved only once this
    /// returns, so nothing that depends on any of them may happen before. Returns one error per record, in order
    /// (nil: saved and durable).
    public func saveMany(_ records: [FileRecord]) -> [(any Error)?] {
        let now = WallClock.seconds()
        var errors = [(any Error)?](repeating: nil, count: records.count)
        var files: [(name: String, bytes: [UInt8])] = []
        var positions: [Int] = []
        for (index, record) in records.enumerated() {
            var copy = record
            copy.updatedAt = now
            do {
                files.append((record.id + ".json", Array(try Self.encoder.encode(copy))))
                positions.append(index)
            } catch {
                errors[index] = error
            }
        }
        for (index, error) in zip(positions, AtomicFile.writeMany(files, in: recordsDirectory, directoryPath: recordsPath)) {
            errors[index] = error
        }
        return errors
    }

    public func allRecords() -> (records: [FileRecord], problems: [String]) {
        var records: [FileRecord] = []
        var problems: [String] = []
        guard let names = try? SafeDirectory.entries(of: recordsDirectory, path: recordsPath) else { return ([], ["cannot list \(recordsPath)"]) }
        for raw in names {
            let name = String(decoding: raw, as: UTF8.self)
            guard name.hasSuffix(".json") else { continue }
            do {
                if let r = try load(id: String(name.dropLast(5))) { records.append(r) }
            } catch {
                problems.append("unreadable record \(recordsPath)/\(name): \(error)")
            }
        }
        return (records, problems)
    }

    /// Removes temporary files a killed run left in the state directory (call with the lock held).
    public func removeTemporaryFiles() {
        func clean(_ directory: borrowing FileDescriptor, _ path: String) {
            guard let names = try? SafeDirectory.entries(of: directory, path: path) else { return }
            for raw in names where raw.count > 4 && Array(raw.suffix(4)) == Array(AtomicFile.temporarySuffix.utf8) {
                unlinkat(directory.rawValue, String(decoding: raw, as: UTF8.self), 0)
            }
        }
        clean(recordsDirectory, recordsPath)
        clean(spoolDirectory, spoolPath)
        clean(versionDirectory, directory + "/v1")
    }

    /// Spool files no record needs any more (a run killed between recording and deleting leaves them).
    public func removeUnneededSpoolFiles(records: [FileRecord], now: Int) {
        var needed = Set<String>()
        for r in records {
            guard let ext = r.format?.fileExtension else { continue }
            switch r.step {
            case .compressed, .shipping, .shipped:
                needed.insert(r.spoolName(extension: ext))
            case .removed:
                if let until = r.keepCompressedUntil, until > now {
                    needed.insert(r.spoolName(extension: ext))
                    // Earlier generations kept as well: they are named by generation.
                }
                for part in r.shipped where (r.keepCompressedUntil ?? 0) > now {
                    needed.insert("\(r.id).g\(part.generation).\(ext)")
                }
            case .closed:
                break
            }
        }
        guard let names = try? SafeDirectory.entries(of: spoolDirectory, path: spoolPath) else { return }
        for raw in names {
            let name = String(decoding: raw, as: UTF8.self)
            if !needed.contains(name) { unlinkat(spoolDirectory.rawValue, name, 0) }
        }
    }

    /// Drops records of files removed long ago, so the state directory does not grow forever. Safe: if such
    /// a file ever came back, its old key is found taken at the destination and the next free `.N` is used.
    public func forgetFinishedRecords(_ records: [FileRecord], olderThan cutoff: Int, now: Int) {
        for r in records where r.step == .removed && r.updatedAt < cutoff && (r.keepCompressedUntil ?? 0) <= now {
            unlinkat(recordsDirectory.rawValue, r.id + ".json", 0)
        }
    }

    /// The whole content of a small file in a directory, or nil when it does not exist.
    static func readSmallFile(_ directory: borrowing FileDescriptor, _ name: String, directoryPath: String) throws(SystemError) -> [UInt8]? {
        let path = directoryPath + "/" + name
        let file: FileDescriptor
        do { file = try directory.open(name, O_RDONLY | O_NOFOLLOW, displayPath: path) } catch {
            if error.code == ENOENT { return nil }
            throw error
        }
        return try file.readAll(limit: 1 << 20, path: path)
    }

    /// Removes this generation's compressed copy from the spool.
    public func removeSpoolCopy(_ record: FileRecord) {
        guard let ext = record.format?.fileExtension else { return }
        unlinkat(spoolDirectory.rawValue, record.spoolName(extension: ext), 0)
    }

    public func writeLastRun(_ summary: RunSummary) throws {
        let data = try Self.encoder.encode(summary)
        try AtomicFile.write(Array(data), to: "last-run.json", in: versionDirectory, directoryPath: directory + "/v1")
    }

    public func lastRun() -> RunSummary? {
        guard let bytes = try? Self.readSmallFile(versionDirectory, "last-run.json", directoryPath: directory + "/v1") else { return nil }
        return try? JSONDecoder().decode(RunSummary.self, from: Data(bytes))
    }
}

/// What the last `run` did, for `status`.
public struct RunSummary: Codable, Sendable {
    public var startedAt: Int
    public var finishedAt: Int
    public var exitCode: Int32
    public var shipped: Int
    public var failed: Int
    public var bytesIn: Int
    public var bytesOut: Int
    public var messages: [String]
}
