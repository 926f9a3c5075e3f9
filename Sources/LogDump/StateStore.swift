import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The versioned state directory: `<dir>/v1/records/<id>.json` (one per source file), `<dir>/v1/spool/`
/// (compressed copies), `<dir>/v1/last-run.json`, and `<dir>/lock`.
///
/// Every record is replaced atomically (temporary file, fsync, rename, fsync of the directory): after a crash
/// a record is either the old one or the new one, never a mix. Temporary files left by a killed run are
/// removed by the next run, which holds the lock.
public final class StateStore: @unchecked Sendable {
    public let directory: String
    public let recordsPath: String
    public let spoolPath: String
    let recordsFD: Int32
    let spoolFD: Int32
    let versionFD: Int32

    public init(directory: String, create: Bool) throws(SystemError) {
        self.directory = directory
        let version = directory + "/v1"
        recordsPath = version + "/records"
        spoolPath = version + "/spool"
        if create {
            try FileSystem.makeDirectories(recordsPath, mode: 0o700)
            try FileSystem.makeDirectories(spoolPath, mode: 0o700)
        }
        let v = open(version, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard v >= 0 else { throw SystemError("open state directory", version) }
        let r = open(recordsPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard r >= 0 else { let e = errno; close(v); throw SystemError("open", recordsPath, e) }
        let s = open(spoolPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard s >= 0 else { let e = errno; close(v); close(r); throw SystemError("open", spoolPath, e) }
        versionFD = v
        recordsFD = r
        spoolFD = s
    }

    deinit {
        close(recordsFD)
        close(spoolFD)
        close(versionFD)
    }

    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    public func load(id: String) throws -> FileRecord? {
        guard let bytes = try FileSystem.readSmallFile(recordsFD, id + ".json", directoryPath: recordsPath) else { return nil }
        let record = try JSONDecoder().decode(FileRecord.self, from: Data(bytes))
        guard record.version == FileRecord.currentVersion else {
            throw SystemError("read record (unknown version \(record.version))", recordsPath + "/" + id + ".json", EINVAL)
        }
        return record
    }

    public func save(_ record: FileRecord) throws {
        var copy = record
        copy.updatedAt = Int(time(nil))
        let data = try Self.encoder.encode(copy)
        try FileSystem.writeAtomically(recordsFD, record.id + ".json", Array(data), directoryPath: recordsPath)
    }

    public func allRecords() -> (records: [FileRecord], problems: [String]) {
        var records: [FileRecord] = []
        var problems: [String] = []
        guard let names = try? FileSystem.entries(of: recordsFD, path: recordsPath) else { return ([], ["cannot list \(recordsPath)"]) }
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
        for (fd, path) in [(recordsFD, recordsPath), (spoolFD, spoolPath), (versionFD, directory + "/v1")] {
            guard let names = try? FileSystem.entries(of: fd, path: path) else { continue }
            for raw in names {
                let name = String(decoding: raw, as: UTF8.self)
                if name.hasSuffix(".tmp") { unlinkat(fd, name, 0) }
            }
        }
    }

    /// Spool files no record needs any more (a run killed between recording and deleting leaves them).
    public func removeUnneededSpoolFiles(records: [FileRecord], now: Int) {
        var needed = Set<String>()
        for r in records {
            guard let format = r.format, let ext = CompressionFormatName(rawValue: format)?.ext else { continue }
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
        guard let names = try? FileSystem.entries(of: spoolFD, path: spoolPath) else { return }
        for raw in names {
            let name = String(decoding: raw, as: UTF8.self)
            if !needed.contains(name) { unlinkat(spoolFD, name, 0) }
        }
    }

    /// Drops records of files removed long ago, so the state directory does not grow forever. Safe: if such
    /// a file ever came back, its old key is found taken at the destination and the next free `.N` is used.
    public func forgetFinishedRecords(_ records: [FileRecord], olderThan cutoff: Int, now: Int) {
        for r in records where r.step == .removed && r.updatedAt < cutoff && (r.keepCompressedUntil ?? 0) <= now {
            unlinkat(recordsFD, r.id + ".json", 0)
        }
    }

    public func writeLastRun(_ summary: RunSummary) throws {
        let data = try Self.encoder.encode(summary)
        try FileSystem.writeAtomically(versionFD, "last-run.json", Array(data), directoryPath: directory + "/v1")
    }

    public func lastRun() -> RunSummary? {
        guard let bytes = try? FileSystem.readSmallFile(versionFD, "last-run.json", directoryPath: directory + "/v1") else { return nil }
        return try? JSONDecoder().decode(RunSummary.self, from: Data(bytes))
    }
}

/// Maps a recorded format name to its extension.
enum CompressionFormatName: String {
    case zstd, gzip
    var ext: String { self == .zstd ? "zst" : "gz" }
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
