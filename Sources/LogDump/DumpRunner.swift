import LinuxSystem
import LogCompression
import LogDestinations
import LogShipCore
import Logging
import Synchronization
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Exit codes of `logdump` (documented in the README and `logdump --help`).
public enum DumpStatus {
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

/// One pass: find closed files, then drive each through the stages compress → ship → verify → remove,
/// recording every step, so that a run killed anywhere is finished by the next one.
public final class DumpRunner: Sendable {
    let configuration: DumpConfiguration
    let options: RunOptions
    let hooks: RunHooks
    let scanner: SourceScanner
    let keyTemplate: KeyTemplate
    let log: Logger
    let clock: @Sendable () -> Int

    public init(configuration: DumpConfiguration, options: RunOptions, hooks: RunHooks = .none,
                clock: @escaping @Sendable () -> Int = { WallClock.seconds() }) throws(ConfigProblem) {
        self.configuration = configuration
        self.options = options
        self.hooks = hooks
        self.clock = clock
        scanner = try SourceScanner(configuration: configuration)
        keyTemplate = try KeyTemplate(configuration.keyTemplate)
        log = DumpLog.logger(verbose: options.verbose)
    }

    public func run() -> Int32 {
        let started = clock()
        let store: StateStore
        do { store = try StateStore(directory: configuration.stateDirectory, create: true) } catch {
            log.error("cannot use the state directory: \(error)")
            return DumpStatus.unusable
        }
        let lockPath = configuration.stateDirectory + "/lock"
        let opened = Result { () throws(SystemError) in try FileDescriptor.open(lockPath, O_RDWR | O_CREAT, mode: 0o600).take() }
        guard case let .success(lockFD) = opened else {
            if case let .failure(error) = opened { log.error("cannot open the lock file \(lockPath): \(error.reason)") }
            return DumpStatus.unusable
        }
        let lock = FileDescriptor(adopting: lockFD)
        defer { flock(lock.rawValue, LOCK_UN) }  // also keeps the lock's descriptor alive for the whole run
        guard FileLock.tryExclusive(lock.rawValue) else {
            log.error("another logdump run holds \(lockPath); nothing done (a run taking longer than the cron interval?)")
            return DumpStatus.locked
        }
        store.removeTemporaryFiles()
        let destination: any Destination
        do { destination = hooks.wrapDestination(try DestinationFactory.make(configuration.destinationSettings)) } catch {
            return unusable(error, store: store, started: started)
        }
        // Asked while the workers compress; nothing is recorded before the answer (DestinationGate).
        let ready = DestinationGate { () throws(DestinationError) in try destination.checkAvailable() }
        let exit = run(store: store, destination: destination, ready: ready, started: started)
        do { try ready.wait() } catch {
            return unusable(error, store: store, started: started)
        }
        return exit
    }

    /// The destination cannot be used: nothing was recorded, nothing shipped or removed.
    private func unusable(_ error: any Error, store: StateStore, started: Int) -> Int32 {
        log.error("\(error); nothing shipped, nothing removed")
        RunReport.write(store, configuration: configuration, log: log, started: started, finished: clock(),
                        exit: DumpStatus.unusable, outcomes: [], messages: ["\(error)"])
        return DumpStatus.unusable
    }

    /// The run proper, with the lock held, while `ready` waits for the destination's answer (or after it); its
    /// exit status only counts when the destination was usable.
    func run(store: StateStore, destination: any Destination, ready: DestinationGate = DestinationGate(), started: Int) -> Int32 {
        let (files, warnings) = scanner.scan()
        for w in warnings { log.warning("\(w)") }
        let (loaded, problems) = store.allRecords()
        for p in problems { log.warning("\(p)") }
        let closure = ClosureCheck(rule: configuration.closedFileRule, now: started)
        let jobs = JobPlanner.plan(files: files, records: Dictionary(loaded.map { ($0.id, $0) }) { a, _ in a },
                                   isClosed: closure.isClosed)

        let context = StageContext(configuration: configuration, store: store, destination: destination, log: log,
                                   hooks: hooks, keyTemplate: keyTemplate, zone: configuration.zone, clock: clock,
                                   destinationReady: ready,
                                   keyClaims: KeyClaims(recorded: loaded.filter { $0.step == .shipping }.compactMap(\.key)))
        let outcomes = execute(jobs, context: context)
        if ready.hasFailed { return DumpStatus.unusable }  // the caller reports it; nothing was recorded

        let (after, _) = store.allRecords()
        let now = clock()
        store.removeUnneededSpoolFiles(records: after, now: now)
        store.forgetFinishedRecords(after, olderThan: now - configuration.recordDays * 86_400, now: now)
        let failed = outcomes.compactMap(\.error)
        for f in failed { log.error("\(f)") }
        let exit = failed.isEmpty ? DumpStatus.ok : DumpStatus.someFilesFailed
        RunReport.write(store, configuration: configuration, log: log, started: started, finished: clock(), exit: exit,
                        outcomes: outcomes, messages: failed)
        let shipped = outcomes.filter { $0.shippedParts > 0 }.count
        log.info("\(shipped) file(s) shipped, \(failed.count) failed, \(jobs.count - shipped - failed.count) waiting")
        return exit
    }

    /// The workers compress; one shipper thread takes the files they hand over as batches (one rsync, one remote
    /// hash for many files), and a second one joins it once compression is done; then this thread removes the
    /// originals the shippers proved.
    func execute(_ jobs: [Job], context: StageContext) -> [Outcome] {
        let workers = min(configuration.effectiveWorkers, max(1, jobs.count))
        let threads = configuration.threads > 0 ? configuration.threads : max(1, WorkerPool.coreCount / workers)
        let results = Mutex<[Outcome]>([])
        let progress = options.progress && !jobs.isEmpty ? ProgressBar(total: jobs.count) : nil
        let finished: @Sendable (Outcome) -> Void = { outcome in
            results.withLock { $0.append(outcome) }
            progress?.advance(bytes: outcome.bytesIn)
        }
        let ready = BatchQueue<Handed>(files: jobs.count, batchLimit: Self.batchLimit)
        let proven = BatchQueue<Handed>(files: jobs.count, batchLimit: Self.batchLimit)
        let shipped = DispatchSemaphore(value: 0)
        let shipBatches: @Sendable () -> Void = {
            // Files resuming at `compressed` or `shipping` wait here for the destination's first answer.
            let usable = (try? context.destinationReady.wait()) != nil
            while let batch = ready.nextBatch() {
                guard usable else {
                    for _ in batch { proven.pass() }
                    continue
                }
                for item in self.ship(batch, context: context) {
                    if item.outcome.error == nil && item.record.step == .shipped {
                        proven.hand(item)
                    } else {
                        proven.pass()
                        finished(item.outcome)
                    }
                }
            }
            shipped.signal()
        }
        Thread(block: shipBatches).start()
        WorkerPool.run(count: jobs.count, workers: workers, makeState: { CompressStage.CompressorCache() }) { cache, index in
            var record = jobs[index].record
            var outcome = Outcome(container: record.container, site: record.site)
            if context.destinationReady.hasFailed {  // the run stops: nothing more is compressed
                ready.pass()
                proven.pass()
                return
            }
            if jobs[index].newGeneration {
                do {
                    try context.destinationReady.wait()
                    try context.store.save(record)
                } catch {
                    self.fail(&record, &outcome, error, context: context)
                }
            }
            let before = record
            // The shipper makes the copy durable and records `compressed`, for a batch at once: no wait for fsyncs here.
            if outcome.error == nil {
                self.process(&record, &outcome, context: context, threads: threads, cache: &cache, recordCompression: false)
            }
            if context.destinationReady.hasFailed {
                ready.pass()
                proven.pass()
            } else if outcome.error == nil, record.step == .compressed || record.step == .shipping {
                let unrecorded = before.step == .closed && record.step == .compressed
                ready.hand(Handed(record: record, outcome: outcome, unrecorded: unrecorded ? before : nil))
            } else {
                ready.pass()
                proven.pass()
                finished(outcome)
            }
        }
        // Compression is done, and the cores with it: a second shipper takes the files that wait while the first
        // one finishes its batch (the last files of a run no longer wait for a whole batch before them). Not from
        // the start: while the workers compress, more batches at once mean smaller ones, more round trips and less
        // CPU for compressing (README "Shipping"). Two batches never share a key (`KeyClaims`).
        Thread(block: shipBatches).start()
        // At `shipped`: the originals go (the steps loop removes them) while the shippers send the rest; a batch's
        // removals at once (each waits for fsyncs: of the directory, of the record).
        while let batch = proven.nextBatch() {
            WorkerPool.run(count: batch.count, workers: min(StageContext.concurrentSaves, batch.count),
                           makeState: { CompressStage.CompressorCache() }) { cache, index in
                var item = batch[index]
                self.process(&item.record, &item.outcome, context: context, threads: threads, cache: &cache)
                finished(item.outcome)
            }
        }
        shipped.wait()
        shipped.wait()
        progress?.finish()
        return results.withLock { $0 }
    }

    /// Files shipped together at most (one rsync, one remote hash): enough to pay a round trip for many files,
    /// few enough that a run killed mid-batch or a batch failing as a whole holds back little.
    static let batchLimit = 16

    /// A file on its way from the workers to the shipper.
    struct Handed: Sendable {
        var record: FileRecord
        var outcome: Outcome
        /// Set when `record` says `compressed` but neither its spool copy is durable nor it is saved yet: the
        /// record as last saved, which stays when that fails (`CompressStage.recordCompressed`).
        var unrecorded: FileRecord? = nil
    }

    /// Ships a batch (keys, copies, proofs), each file's record saved at each step; first the copies just
    /// compressed are made durable and recorded at `compressed`, before anything is sent.
    func ship(_ batch: [Handed], context: StageContext) -> [Handed] {
        var items = batch
        let recording = items.indices.filter { items[$0].unrecorded != nil }
        let recorded = CompressStage.recordCompressed(recording.map { items[$0].record }, context: context)
        for (index, error) in zip(recording, recorded) {
            if let error {
                items[index].record = items[index].unrecorded!
                fail(&items[index], error, context: context)
            }
            items[index].unrecorded = nil
        }
        let shippable = items.indices.filter { items[$0].outcome.error == nil }
        let placed = ShipStage(context: context).run(shippable.map { items[$0].record })
        var proving: [Int] = []
        var proofs: [ShipStage.Placed] = []
        for (index, result) in zip(shippable, placed) {
            switch result {
            case let .success(copy):
                items[index].record = copy.record
                proving.append(index)
                proofs.append(copy)
            case let .failure(error):
                fail(&items[index], error, context: context)
            }
        }
        let proven = VerifyStage(context: context).run(proofs)
        for (index, result) in zip(proving, proven) {
            switch result {
            case let .success(record):
                items[index].record = record
                items[index].outcome.shippedParts += 1
                items[index].outcome.bytesIn += record.length ?? 0
                items[index].outcome.bytesOut += record.compressedSize ?? 0
            case let .failure(error):
                fail(&items[index], error, context: context)
            }
        }
        return items
    }

    /// Drives one file through the steps its record has left, saving the record after each, up to shipping
    /// (`compressed` and `shipping` are the shipper's, in batches).
    ///
    /// `recordCompression` false: a file compressed here is left at `compressed` unsaved, its copy not yet durable
    /// (`CompressStage.run(recordNow:)`), for the shipper to record.
    func process(_ record: inout FileRecord, _ outcome: inout Outcome, context: StageContext, threads: Int,
                 cache: inout CompressStage.CompressorCache, recordCompression: Bool = true) {
        let compress = CompressStage(context: context), remove = RemoveStage(context: context)
        do {
            // Only compressing may start before the destination answered (CompressStage waits before recording).
            if record.step != .closed { try context.destinationReady.wait() }
            loop: while true {
                switch record.step {
                case .closed:
                    guard try compress.run(&record, threads: threads, cache: cache, recordNow: recordCompression) else { break loop }
                case .compressed, .shipping:
                    break loop
                case .shipped:
                    guard try remove.run(&record) else { break loop }
                case .removed:
                    break loop
                }
                hooks.afterStep()
            }
        } catch {
            fail(&record, &outcome, error, context: context)
        }
    }

    func fail(_ item: inout Handed, _ error: any Error, context: StageContext) {
        fail(&item.record, &item.outcome, error, context: context)
    }

    /// Records a failed step: the step itself is unchanged, so the next run retries it.
    func fail(_ record: inout FileRecord, _ outcome: inout Outcome, _ error: any Error, context: StageContext) {
        outcome.error = "\(record.source): \(record.step) step failed: \(error)"
        guard (try? context.destinationReady.wait()) != nil else { return }  // an unusable destination: nothing is recorded
        record.lastError = outcome.error
        record.failures += 1
        // Best effort.
        if record.step != .closed || record.generation > 0 || (try? context.store.load(id: record.id)) != nil {
            try? context.store.save(record)
        }
    }
}
