import LinuxSystem
import LogCompression
import LogDestinations
import LogShipCore
import Logging
import Synchronization

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
                clock: @escaping @Sendable () -> Int = { Int(time(nil)) }) throws(ConfigProblem) {
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
        do {
            let destination = hooks.wrapDestination(try DestinationFactory.make(configuration.destinationSettings))
            try destination.checkAvailable()
            return run(store: store, destination: destination, started: started)
        } catch {
            log.error("\(error); nothing shipped, nothing removed")
            RunReport.write(store, configuration: configuration, log: log, started: started, finished: clock(),
                            exit: DumpStatus.unusable, outcomes: [], messages: ["\(error)"])
            return DumpStatus.unusable
        }
    }

    /// The run proper, with the lock held and the destination available.
    func run(store: StateStore, destination: any Destination, started: Int) -> Int32 {
        let (files, warnings) = scanner.scan()
        for w in warnings { log.warning("\(w)") }
        let (loaded, problems) = store.allRecords()
        for p in problems { log.warning("\(p)") }
        let closure = ClosureCheck(rule: configuration.closedFileRule, now: started)
        let jobs = JobPlanner.plan(files: files, records: Dictionary(loaded.map { ($0.id, $0) }) { a, _ in a },
                                   isClosed: closure.isClosed)

        let context = StageContext(configuration: configuration, store: store, destination: destination, log: log,
                                   hooks: hooks, keyTemplate: keyTemplate, zone: configuration.zone, clock: clock)
        let outcomes = execute(jobs, context: context)

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

    func execute(_ jobs: [Job], context: StageContext) -> [Outcome] {
        let workers = min(configuration.effectiveWorkers, max(1, jobs.count))
        let threads = configuration.threads > 0 ? configuration.threads : max(1, WorkerPool.coreCount / workers)
        let results = Mutex<[Outcome]>([])
        let progress = options.progress && !jobs.isEmpty ? ProgressBar(total: jobs.count) : nil
        WorkerPool.run(count: jobs.count, workers: workers, makeState: { CompressStage.CompressorCache() }) { cache, index in
            let outcome = self.process(jobs[index], context: context, threads: threads, cache: cache)
            results.withLock { $0.append(outcome) }
            progress?.advance(bytes: outcome.bytesIn)
        }
        progress?.finish()
        return results.withLock { $0 }
    }

    /// Drives one file through the steps its record has left, saving the record after each.
    func process(_ job: Job, context: StageContext, threads: Int, cache: CompressStage.CompressorCache) -> Outcome {
        var record = job.record
        var outcome = Outcome(container: record.container, site: record.site)
        let compress = CompressStage(context: context), ship = ShipStage(context: context)
        let verify = VerifyStage(context: context), remove = RemoveStage(context: context)
        var keyWasFree = false
        do {
            if job.newGeneration { try context.store.save(record) }
            loop: while true {
                switch record.step {
                case .closed:
                    guard try compress.run(&record, threads: threads, cache: cache) else { break loop }
                case .compressed:
                    keyWasFree = try ship.chooseKey(&record)
                case .shipping:
                    try ship.put(record, keyWasFree: keyWasFree)
                    try verify.run(&record)
                    outcome.shippedParts += 1
                    outcome.bytesIn += record.length ?? 0
                    outcome.bytesOut += record.compressedSize ?? 0
                case .shipped:
                    guard try remove.run(&record) else { break loop }
                case .removed:
                    break loop
                }
                hooks.afterStep()
            }
        } catch {
            outcome.error = "\(record.source): \(record.step) step failed: \(error)"
            record.lastError = outcome.error
            record.failures += 1
            // Best effort: the step itself is unchanged, so the next run retries it.
            if record.step != .closed || record.generation > 0 || (try? context.store.load(id: record.id)) != nil {
                try? context.store.save(record)
            }
        }
        return outcome
    }
}
