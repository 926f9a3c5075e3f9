import LogCompression
import LogSplitCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Exit codes of `logdump` (documented in the README and `logdump --help`).
public enum ExitCode {
    public static let ok: Int32 = 0
    public static let usage: Int32 = 1
    public static let someFilesFailed: Int32 = 2
    public static let locked: Int32 = 3
    public static let unusable: Int32 = 4
}

/// How a run reports to the operator.
public struct RunOptions: Sendable {
    public var progress: Bool
    public var verbose: Bool
    public init(progress: Bool = false, verbose: Bool = false) {
        self.progress = progress
        self.verbose = verbose
    }
}

/// Per container and site: what a run did (for messages and Prometheus metrics).
public struct SiteCounters: Sendable {
    public var shipped = 0
    public var failed = 0
    public var bytesIn = 0
    public var bytesOut = 0
}

/// One pass: find closed files, then compress → ship → verify → remove each, recording every step.
public final class DumpRunner: @unchecked Sendable {
    let configuration: DumpConfiguration
    let options: RunOptions
    let destination: any Destination
    let scanner: SourceScanner
    let zone: CivilTimeZone
    let keyTemplate: KeyTemplate
    let stepDelay: UInt32
    let now: Int
    let output = Mutex<Void>(())

    public init(configuration: DumpConfiguration, options: RunOptions, environment: [String: String] = [:]) throws(ConfigProblem) {
        self.configuration = configuration
        self.options = options
        scanner = try SourceScanner(configuration: configuration)
        zone = configuration.zone
        keyTemplate = try KeyTemplate(configuration.keyTemplate)
        let delayMs = UInt32(environment["LOGDUMP_TEST_STEP_DELAY_MS"] ?? "") ?? 0
        stepDelay = delayMs * 1000
        destination = DirectoryDestination(
            root: configuration.destinationPath,
            corruptAfterWrite: environment["LOGDUMP_TEST_CORRUPT_DESTINATION"] == "1",
            stepDelayMicroseconds: stepDelay)
        now = Int(time(nil))
    }

    func say(_ message: String) {
        output.withLock { _ in
            let text = "logdump: " + message + "\n"
            _ = text.withCString { write(2, $0, strlen($0)) }
        }
    }

    // MARK: - The run

    public func run() -> Int32 {
        let started = Int(time(nil))
        let store: StateStore
        do { store = try StateStore(directory: configuration.stateDirectory, create: true) } catch {
            say("cannot use the state directory: \(error)")
            return ExitCode.unusable
        }
        let lockPath = configuration.stateDirectory + "/lock"
        let lockFD = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lockFD >= 0 else {
            say("cannot open the lock file \(lockPath): \(String(cString: strerror(errno)))")
            return ExitCode.unusable
        }
        defer { close(lockFD) }
        guard flock(lockFD, LOCK_EX | LOCK_NB) == 0 else {
            say("another logdump run holds \(lockPath); nothing done (a run taking longer than the cron interval?)")
            return ExitCode.locked
        }
        store.removeTemporaryFiles()
        do { try destination.checkAvailable() } catch {
            say("\(error); nothing shipped, nothing removed")
            writeSummary(store, started: started, exit: ExitCode.unusable, outcomes: [], messages: ["\(error)"])
            return ExitCode.unusable
        }

        let (files, warnings) = scanner.scan()
        for w in warnings { say("warning: " + w) }
        let (loaded, problems) = store.allRecords()
        for p in problems { say("warning: " + p) }
        var records: [String: FileRecord] = [:]
        for r in loaded { records[r.id] = r }

        // Work: every closed file without a finished record, and every unfinished record.
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

        let outcomes = execute(jobs, store: store)

        let (after, _) = store.allRecords()
        store.removeUnneededSpoolFiles(records: after, now: Int(time(nil)))
        store.forgetFinishedRecords(after, olderThan: Int(time(nil)) - configuration.recordDays * 86_400, now: Int(time(nil)))
        let failed = outcomes.filter { $0.error != nil }
        for f in failed { say(f.error!) }
        let exit = failed.isEmpty ? ExitCode.ok : ExitCode.someFilesFailed
        writeSummary(store, started: started, exit: exit, outcomes: outcomes, messages: failed.compactMap(\.error))
        if options.verbose {
            let shipped = outcomes.filter { $0.shippedParts > 0 }.count
            say("\(shipped) file(s) shipped, \(failed.count) failed, \(jobs.count - shipped - failed.count) waiting")
        }
        return exit
    }

    struct Job: Sendable {
        var record: FileRecord
        var file: SourceFile?
        var newGeneration: Bool
    }

    struct Outcome: Sendable {
        var container: String?
        var site: String?
        var shippedParts = 0
        var bytesIn = 0
        var bytesOut = 0
        var error: String? = nil
    }

    func execute(_ jobs: [Job], store: StateStore) -> [Outcome] {
        guard !jobs.isEmpty else { return [] }
        let workers = min(configuration.effectiveWorkers, jobs.count)
        let cores = DumpConfiguration.coreCount()
        let threads = configuration.threads > 0 ? configuration.threads : max(1, cores / workers)
        let next = Mutex<Int>(0)
        let results = Mutex<[Outcome]>([])
        let progress = options.progress ? ProgressBar(total: jobs.count) : nil
        let work: @Sendable (Int) -> Void = { _ in
            let cache = CompressorCache()
            while true {
                let index: Int = next.withLock { i in
                    defer { i += 1 }
                    return i
                }
                guard index < jobs.count else { return }
                let outcome = self.process(jobs[index], store: store, threads: threads, cache: cache)
                results.withLock { $0.append(outcome) }
                progress?.advance(bytes: outcome.bytesIn)
            }
        }
        if workers == 1 {
            work(0)
        } else {
            var threadsStarted: [pthread_t] = []
            final class Box: @unchecked Sendable { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
            for w in 0..<workers {
                let box = Unmanaged.passRetained(Box { work(w) })
                var thread = pthread_t()
                let rc = pthread_create(&thread, nil, { raw in
                    let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
                    box.body()
                    return nil
                }, box.toOpaque())
                if rc == 0 { threadsStarted.append(thread) } else {
                    box.release()
                    work(w)
                }
            }
            for t in threadsStarted { pthread_join(t, nil) }
        }
        progress?.finish()
        return results.withLock { $0 }
    }

    // MARK: - Closure

    /// Closed: its period ended more than `grace` ago, it has not changed for `quiet`, and nobody holds
    /// logsplit's shared lock on it (a probe with `LOCK_EX|LOCK_NB`, released at once).
    func isClosed(_ file: SourceFile) -> Bool {
        guard now >= file.periodEnd + configuration.graceSeconds else { return false }
        guard now - file.modified >= configuration.quietSeconds else { return false }
        guard let parent = try? file.path.openParent() else { return false }
        defer { close(parent) }
        let fd = openat(parent, file.path.name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return false }
        flock(fd, LOCK_UN)
        return true
    }

    // MARK: - One file

    /// One compressor per worker thread, reused from file to file (a failed file drops it).
    final class CompressorCache {
        var compressor: (any StreamCompressor)?
    }

    func process(_ job: Job, store: StateStore, threads: Int, cache: CompressorCache) -> Outcome {
        var record = job.record
        var outcome = Outcome(container: record.container, site: record.site)
        let format = configuration.format
        do {
            if job.newGeneration {
                try store.save(record)
            }
            loop: while true {
                switch record.step {
                case .closed:
                    guard try compress(&record, store: store, threads: threads, format: format, cache: cache) else {
                        break loop
                    }
                    pause()
                case .compressed:
                    try chooseKey(&record, store: store)
                    pause()
                case .shipping:
                    try ship(&record, store: store)
                    outcome.shippedParts += 1
                    outcome.bytesIn += record.length ?? 0
                    outcome.bytesOut += record.compressedSize ?? 0
                    pause()
                case .shipped:
                    if try removeOriginal(&record, store: store) == false { break loop }
                    pause()
                case .removed:
                    break loop
                }
            }
        } catch {
            outcome.error = "\(record.source): \(record.step) step failed: \(error)"
            record.lastError = outcome.error
            record.failures += 1
            // Best effort: the step itself is unchanged, so the next run retries it.
            if record.step != .closed || record.generation > 0 || (try? store.load(id: record.id)) != nil {
                try? store.save(record)
            }
        }
        return outcome
    }

    func pause() {
        if stepDelay > 0 { usleep(stepDelay) }
    }

    func spoolPath(_ record: FileRecord, _ store: StateStore, ext: String) -> String {
        store.spoolPath + "/" + record.spoolName(extension: ext)
    }

    /// closed → compressed. Returns false when the file must wait (changed, vanished): not an error.
    func compress(_ record: inout FileRecord, store: StateStore, threads: Int, format: CompressionFormat,
                  cache: CompressorCache) throws -> Bool {
        let parent: Int32
        do { parent = try record.source.openParent() } catch {
            if error.code == ENOENT { return try forget(&record, store: store, why: "vanished before it was compressed") }
            throw error
        }
        defer { close(parent) }
        let fd = openat(parent, record.source.name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return try forget(&record, store: store, why: "vanished before it was compressed") }
            if errno == ELOOP { return try forget(&record, store: store, why: "became a symlink; not followed, not shipped") }
            throw SystemError("open", record.source.description)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SystemError("fstat", record.source.description) }
        guard FileSystem.isRegular(info) else {
            say("warning: \(record.source) became a \(FileSystem.kind(info.st_mode)); skipped")
            return false
        }
        if UInt64(info.st_dev) != record.device || UInt64(info.st_ino) != record.inode {
            say("warning: \(record.source) was replaced while logdump looked at it; it is taken up by the next run")
            return false
        }
        if record.offset > 0, let headLength = record.headLength,
           Self.headChecksum(fd, length: headLength)?.crc32 != record.headCRC32 {
            // Same inode number, different beginning: a new file, not the rest of the one shipped.
            record.offset = 0
        }
        let size = Int(info.st_size)
        guard size >= record.offset else {
            throw SystemError("compress (the file shrank below the \(record.offset) bytes already shipped; left in place)",
                              record.source.description, EINVAL)
        }
        let ext = format.fileExtension
        let final = spoolPath(record, store, ext: ext)
        let temporary = final + ".tmp"
        var compressor = FileCompressor(format: format, level: configuration.effectiveLevel, threads: threads)
        compressor.delayMicroseconds = stepDelay > 0 ? stepDelay / 2 : 0
        if cache.compressor == nil { cache.compressor = try compressor.makeCompressor() }
        let result: FileCompressor.Result
        do {
            result = try compressor.compress(sourceFD: fd, sourcePath: record.source.description, offset: record.offset,
                                             length: size - record.offset, outputPath: temporary, using: cache.compressor)
        } catch {
            cache.compressor = nil  // its state is unknown after a failure
            unlink(temporary)
            throw error
        }
        if result.source.count < size - record.offset {
            say("warning: \(record.source) shrank while it was read; shipping the \(result.source.count) bytes that were there")
        }
        let stored = try FileCompressor.verify(path: temporary, format: format, expected: result.source)
        guard rename(temporary, final) == 0 else { throw SystemError("rename", final) }
        guard fsync(store.spoolFD) == 0 else { throw SystemError("fsync", store.spoolPath) }
        let head = Self.headChecksum(fd, length: min(4096, record.offset + result.source.count))
        record.length = result.source.count
        record.sourceCRC32 = result.source.crc32
        record.headCRC32 = head?.crc32
        record.headLength = head?.count
        record.format = format.rawValue
        record.compressedSize = stored.size
        record.compressedSHA256 = stored.sha256
        record.key = nil
        record.step = .compressed
        record.lastError = nil
        try store.save(record)
        return true
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
    func forget(_ record: inout FileRecord, store: StateStore, why: String) throws -> Bool {
        say("warning: \(record.source) \(why)")
        if (try? store.load(id: record.id)) != nil {
            record.step = .removed
            try store.save(record)
        }
        return false
    }

    func keyCandidate(_ record: FileRecord, index: Int) -> [String]? {
        let generation = record.generation + index
        let name = record.source.name + (generation > 0 ? ".\(generation)" : "")
        let ext = CompressionFormatName(rawValue: record.format ?? "")?.ext ?? configuration.format.fileExtension
        return keyTemplate.render(host: configuration.host, container: record.container, site: record.site,
                                  name: name, ext: ext, periodStart: record.periodStart, zone: zone)
    }

    /// compressed → shipping: the first free key (or one that already holds exactly this copy).
    func chooseKey(_ record: inout FileRecord, store: StateStore) throws {
        for index in 0..<1000 {
            guard let key = keyCandidate(record, index: index) else {
                throw SystemError("render the destination key for", record.source.description, EINVAL)
            }
            if let existing = try destination.stat(key: key) {
                if existing.sha256 == record.compressedSHA256 && existing.size == record.compressedSize {
                    record.key = key.joined(separator: "/")
                    break
                }
                if index == 0 {
                    say("warning: \(key.joined(separator: "/")) already exists at the destination with other content; "
                        + "\(record.source) goes under the next free name (never overwritten)")
                }
                continue
            }
            record.key = key.joined(separator: "/")
            break
        }
        guard record.key != nil else { throw SystemError("find a free destination key for", record.source.description, EEXIST) }
        record.step = .shipping
        try store.save(record)
    }

    /// shipping → shipped: write (unless already there), then read back and compare size and SHA-256.
    func ship(_ record: inout FileRecord, store: StateStore) throws {
        guard let keyText = record.key, let sha = record.compressedSHA256, let size = record.compressedSize,
              let ext = CompressionFormatName(rawValue: record.format ?? "")?.ext else {
            throw SystemError("ship (incomplete record)", record.source.description, EINVAL)
        }
        let key = keyText.split(separator: "/").map(String.init)
        let local = spoolPath(record, store, ext: ext)
        let expected = StoredObject(size: size, sha256: sha)
        if let existing = try destination.stat(key: key) {
            if existing != expected {
                // This key was chosen for this record and written by it: a damaged copy of our own.
                say("warning: the copy of \(record.source) at \(destination.description)/\(keyText) does not match what was "
                    + "written (size \(existing.size), sha256 \(existing.sha256.prefix(12))…; expected \(size), "
                    + "\(sha.prefix(12))…): corrupted at the destination? writing it again")
                try destination.put(key: key, localPath: local, replace: true)
            }
        } else {
            try destination.put(key: key, localPath: local, replace: false)
        }
        guard let readBack = try destination.stat(key: key) else {
            throw DestinationError.failed("\(keyText) is missing at the destination right after writing it")
        }
        guard readBack == expected else {
            throw DestinationError.failed("verification failed: \(destination.description)/\(keyText) reads back as size "
                + "\(readBack.size) sha256 \(readBack.sha256), expected size \(size) sha256 \(sha) (corrupted copy; original kept)")
        }
        record.shipped.append(FileRecord.ShippedPart(generation: record.generation, key: keyText, offset: record.offset,
                                                     length: record.length ?? 0, compressedSize: size, shippedAt: Int(time(nil))))
        record.step = .shipped
        record.lastError = nil
        try store.save(record)
    }

    /// shipped → removed. Returns false when the file must wait (a writer holds it).
    func removeOriginal(_ record: inout FileRecord, store: StateStore) throws -> Bool {
        let ext = CompressionFormatName(rawValue: record.format ?? "")?.ext ?? "zst"
        func finish() throws {
            if configuration.keepCompressedHours > 0 {
                record.keepCompressedUntil = Int(time(nil)) + configuration.keepCompressedHours * 3600
            } else {
                record.keepCompressedUntil = nil
            }
            record.step = .removed
            record.lastError = nil
            try store.save(record)
            if configuration.keepCompressedHours == 0 {
                unlinkat(store.spoolFD, record.spoolName(extension: ext), 0)
            }
        }
        let parent: Int32
        do { parent = try record.source.openParent() } catch {
            if error.code == ENOENT || error.code == ELOOP { try finish(); return true }
            throw error
        }
        defer { close(parent) }
        let fd = openat(parent, record.source.name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT || errno == ELOOP { try finish(); return true }
            throw SystemError("open", record.source.description)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SystemError("fstat", record.source.description) }
        guard FileSystem.isRegular(info), UInt64(info.st_dev) == record.device, UInt64(info.st_ino) == record.inode,
              record.headLength == nil || Self.headChecksum(fd, length: record.headLength!)?.crc32 == record.headCRC32 else {
            // Another file took the name (even one that reused the inode number): ours is gone; the newcomer
            // is a new generation for the next run.
            try finish()
            return true
        }
        // Held while checking and unlinking: logsplit cannot take its shared lock on this file meanwhile.
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return false }
        let size = Int(info.st_size)
        let end = record.offset + (record.length ?? 0)
        if size == end {
            guard unlinkat(parent, record.source.name, 0) == 0 else { throw SystemError("remove", record.source.description) }
            guard fsync(parent) == 0 else { throw SystemError("fsync the directory of", record.source.description) }
            try finish()
            return true
        }
        if configuration.keepCompressedHours == 0 {
            unlinkat(store.spoolFD, record.spoolName(extension: ext), 0)
        }
        if size > end {
            say("warning: \(record.source) grew after it was shipped (\(size - end) bytes more); they go out as a new part")
            record.startGeneration(offset: end, device: record.device, inode: record.inode)
        } else {
            say("warning: \(record.source) shrank after it was shipped; left in place, its content goes out again as a new part")
            record.startGeneration(offset: 0, device: record.device, inode: record.inode)
        }
        try store.save(record)
        return false
    }

    func writeSummary(_ store: StateStore, started: Int, exit: Int32, outcomes: [Outcome], messages: [String]) {
        let summary = RunSummary(
            startedAt: started, finishedAt: Int(time(nil)), exitCode: exit,
            shipped: outcomes.reduce(0) { $0 + $1.shippedParts }, failed: outcomes.filter { $0.error != nil }.count,
            bytesIn: outcomes.reduce(0) { $0 + $1.bytesIn }, bytesOut: outcomes.reduce(0) { $0 + $1.bytesOut },
            messages: Array(messages.prefix(20)))
        do { try store.writeLastRun(summary) } catch { say("warning: cannot record the run summary: \(error)") }
        if !configuration.metricsTextfile.isEmpty {
            var perSite: [String: SiteCounters] = [:]
            for o in outcomes {
                let key = "\(o.container ?? "_")\u{0}\(o.site ?? "_")"
                var c = perSite[key] ?? SiteCounters()
                c.shipped += o.shippedParts
                c.failed += o.error == nil ? 0 : 1
                c.bytesIn += o.bytesIn
                c.bytesOut += o.bytesOut
                perSite[key] = c
            }
            do {
                try Metrics.write(path: configuration.metricsTextfile, summary: summary, perSite: perSite)
            } catch {
                say("warning: cannot write metrics to \(configuration.metricsTextfile): \(error)")
            }
        }
    }
}

extension FileRecord {
    /// Starts the next generation: the bytes from `offset` of the (possibly new) file at the same path.
    mutating func startGeneration(offset: Int, device: UInt64, inode: UInt64) {
        generation = max(generation + 1, (shipped.map(\.generation).max() ?? -1) + 1)
        self.offset = offset
        self.device = device
        self.inode = inode
        step = .closed
        length = nil
        sourceCRC32 = nil
        compressedSize = nil
        compressedSHA256 = nil
        key = nil
        keepCompressedUntil = nil
        if offset == 0 {
            headCRC32 = nil
            headLength = nil
        }
    }
}
