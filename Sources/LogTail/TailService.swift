import LinuxSystem
import LogDump
import LogShipCore
import LogSplitCore
import Logging
import SyslogWire

#if canImport(Glibc)
import Glibc
#endif

/// Makes the transport `[tail]` names (RELP, or RFC 5424 over TCP/TLS); the command line passes the real one,
/// tests their own.
public typealias TransportFactory = (TailSection, DumpConfiguration) throws(SyslogTransportError) -> any SyslogTransport

/// `logdump tail`: follows every hour file under the roots (found by a rescan every `rescan_seconds` and by
/// inotify), forwards whole lines in bounded batches, and saves per-file checkpoints of what the receiver
/// acknowledged, with its counters. Runs until `control` asks it to stop; reloads the configuration when asked
/// (SIGHUP) or when the configuration file changes; writes its Prometheus textfile every few seconds.
public final class TailService {
    private var configuration: DumpConfiguration
    private var tail: TailSection
    private let makeTransport: TransportFactory
    private let control: TailControl
    private let reload: (() -> (DumpConfiguration, [ConfigProblem]))?
    private let configPath: String?
    private let log: Logger
    private let clock: () -> Int64
    private let random: () -> Double

    private var scanner: SourceScanner
    private var watcher: WatchedDirectories?
    private var followers: [String: FollowedFile] = [:]
    private var reported = Set<String>()
    private var forceRescan = true
    private var scannedOnce = false
    private var configWatch: ConfigFileWatch?
    private var startedAt = 0
    private var nextMetricsAt = 0
    private var metricsPathWritten = ""
    private var metricsError: String?
    /// The checkpoints and the metrics are written on threads of their own: the loop hands them over and goes on.
    private let checkpointWriter: BackgroundWriter<TailCheckpointDocument>
    private let metricsWriter = BackgroundWriter<MetricsText>(name: "tail-metrics") { text in
        try Metrics.replace(path: text.path, text: text.body)
    }

    /// One Prometheus textfile to write.
    private struct MetricsText: Sendable {
        let path: String
        let body: String
    }

    /// The Prometheus textfile is written this often (seconds), and at shutdown.
    public static let metricsInterval = 5

    /// `reload` reads the configuration again (SIGHUP); with `configPath`, a change of that file does the same.
    /// `clock` gives microseconds since the epoch; `random` a number in 0...1 (backoff jitter).
    public init(configuration: DumpConfiguration, makeTransport: @escaping TransportFactory, control: TailControl,
                reload: (() -> (DumpConfiguration, [ConfigProblem]))? = nil, configPath: String? = nil, log: Logger,
                clock: @escaping () -> Int64 = WallClock.microseconds,
                random: @escaping () -> Double = { Double.random(in: 0...1) }) throws(ConfigProblem) {
        guard let tail = configuration.tail else {
            throw ConfigProblem(key: "tail", message: "no [tail] section: add one with receiver = \"relp://HOST:PORT\" (see Config/logdump.toml)")
        }
        self.configuration = configuration
        self.tail = tail
        self.makeTransport = makeTransport
        self.control = control
        self.reload = reload
        self.configPath = configPath
        self.log = log
        self.clock = clock
        self.random = random
        scanner = try SourceScanner(configuration: configuration)
        let stateDirectory = configuration.stateDirectory  // not reloaded: a change needs a restart
        checkpointWriter = BackgroundWriter(name: "tail-checkpoints") { document in
            try TailCheckpointFile.save(document, stateDirectory: stateDirectory)
        }
        makeConfigWatch()  // now, right after the configuration was read: a change from here on is seen
    }

    deinit {
        // A run that returned early (lock held, state directory unusable) leaves the writer threads waiting.
        _ = checkpointWriter.finish()
        _ = metricsWriter.finish()
    }

    private var nowSeconds: Int { Int(clock() / 1_000_000) }

    /// Runs until stopped; returns the exit status (`DumpStatus`).
    public func run() -> Int32 {
        let stateDirectory = configuration.stateDirectory
        do { try SafeDirectory.makeTrusted(TailCheckpointFile.directoryPath(stateDirectory: stateDirectory), mode: 0o700) } catch {
            log.error("cannot use the state directory: \(error)")
            return DumpStatus.unusable
        }
        let lockPath = stateDirectory + "/tail.lock"
        let opened = Result { () throws(SystemError) in try FileDescriptor.open(lockPath, O_RDWR | O_CREAT, mode: 0o600).take() }
        guard case let .success(lockFD) = opened else {
            if case let .failure(error) = opened { log.error("cannot open the lock file \(lockPath): \(error.reason)") }
            return DumpStatus.unusable
        }
        let lock = FileDescriptor(adopting: lockFD)
        defer { flock(lock.rawValue, LOCK_UN) }
        guard FileLock.tryExclusive(lock.rawValue) else {
            log.error("another logdump tail holds \(lockPath); this one exits (one tail per state directory)")
            return DumpStatus.locked
        }
        let store: CheckpointStore
        // A save hands the document to the writer thread; what it throws is the last write's failure, so the
        // store tries again a second later, as it would after a failed write of its own.
        let writer = checkpointWriter
        do {
            store = try CheckpointStore(stateDirectory: stateDirectory, save: { document in
                if let failure = writer.submit(document) { throw failure }
            })
        } catch {
            log.error("\(error)")
            return DumpStatus.unusable
        }
        let transport: any SyslogTransport
        do { transport = try makeTransport(tail, configuration) } catch {
            log.error("receiver \(tail.receiver): \(error)")
            return DumpStatus.unusable
        }
        let follower = Follower(transport: transport, maxMessageBytes: tail.maxMessageBytes,
                                closure: closureRule(), clock: clock, report: { [log] in log.warning("\($0)") })
        startedAt = nowSeconds
        store.startedAt = startedAt
        makeWatcher()
        log.info("tail: forwarding to \(tail.receiver); checkpoints in \(TailCheckpointFile.path(stateDirectory: stateDirectory))")
        var outage = OutageReport(receiver: tail.receiver)
        let status = loop(follower: follower, store: store, outage: &outage)
        follower.transport.close()
        observeAll(store: store)
        store.counters = follower.counters
        _ = store.saveNow(now: nowSeconds)  // hands the last checkpoints over; finish() says how their write went
        if let error = checkpointWriter.finish() { log.error("cannot save the tail checkpoints: \(error)") }
        writeMetrics(follower: follower, outage: outage)
        if let error = metricsWriter.finish() {
            log.error("cannot write the tail metrics to \(Metrics.tailTextfilePath(configuration.metricsTextfile)): \(error)")
        }
        return status
    }

    private func closureRule() -> (SourceFile, Int) -> Bool {
        let rule = configuration.closedFileRule
        return { file, now in ClosureCheck(rule: rule, now: now).isClosed(file) }
    }

    /// Watches the configuration file (when it has one) so that a change reloads it like SIGHUP.
    private func makeConfigWatch() {
        guard let configPath, reload != nil else { return }
        do {
            configWatch = try ConfigFileWatch(path: configPath, now: clock())
        } catch {
            log.warning("changes of \(configPath) are not watched (\(error)); SIGHUP still reloads it")
        }
    }

    private func makeWatcher() {
        do {
            watcher = try WatchedDirectories(roots: scanner.roots, template: configuration.template)
        } catch {
            watcher = nil
            log.warning("inotify is not available (\(error)); new files are found by the rescan every \(tail.rescanSeconds) s")
        }
    }

    /// The main loop: rescan when due or asked, one batch per file per pass, wait when nothing moved.
    private func loop(follower: Follower, store: CheckpointStore, outage: inout OutageReport) -> Int32 {
        var nextRescan = 0
        var backoff = Backoff()
        var saveError: String?
        while !control.stopRequested {
            checkConfigFile()
            if control.takeReloadRequest() { applyReload(follower: follower, outage: &outage) }
            if forceRescan || nowSeconds >= nextRescan {
                rescan(store: store)
                nextRescan = nowSeconds + tail.rescanSeconds
                forceRescan = false
            }
            var progressed = false
            var interruption: SyslogTransportError?
            for key in followers.keys.sorted() {
                guard let file = followers[key], !file.checkpoint.finished, !control.stopRequested else { continue }
                let outcome = follower.step(file)
                file.lag.observe(backlogBytes: file.backlog, now: clock())
                store.update(file.persisted)
                switch outcome {
                case .sent:
                    progressed = true
                    backoff.reset()
                    if let message = outage.delivered(now: nowSeconds, backlogBytes: backlog()) { log.warning("\(message)") }
                case .finished:
                    log.debug("\(key): closed and streamed to its end (\(file.checkpoint.offset) bytes)")
                case let .interrupted(error):
                    interruption = error
                case .idle, .unreadable:
                    break
                }
                if interruption != nil { break }
            }
            store.counters = follower.counters
            if let error = store.saveIfDue(now: nowSeconds) {
                let message = "cannot save the tail checkpoints (retried every second; positions kept in memory): \(error)"
                if saveError != message { log.error("\(message)") }
                saveError = message
            } else if saveError != nil {
                saveError = nil
            }
            if nowSeconds >= nextMetricsAt || nowSeconds < nextMetricsAt - Self.metricsInterval {
                writeMetrics(follower: follower, outage: outage)
                nextMetricsAt = nowSeconds + Self.metricsInterval
            }
            switch interruption {
            case let .misconfigured(reason)?:
                log.error("receiver \(tail.receiver): \(reason); fix [tail] and restart (checkpoints are saved)")
                return DumpStatus.unusable
            case let .interrupted(_, reason)?, let .unreachable(reason)?:
                if let message = outage.failed(now: nowSeconds, reason: reason, backlogBytes: backlog(),
                                               backlogFiles: followers.values.filter { $0.backlog > 0 }.count) {
                    follower.counters.outages += 1
                    log.warning("\(message)")
                }
                sleep(seconds: backoff.nextDelay(random: random()))
            case nil:
                if progressed {
                    absorbEvents(timeoutMilliseconds: 0)
                } else {
                    let untilRescan = max(0, nextRescan - nowSeconds) * 1000
                    let untilConfig = configWatch?.millisecondsUntilDue(now: clock()) ?? 1000
                    absorbEvents(timeoutMilliseconds: min(1000, untilRescan, untilConfig))
                }
            }
        }
        return DumpStatus.ok
    }

    /// Bytes not yet acknowledged, over every followed file.
    private func backlog() -> Int64 { followers.values.reduce(0) { $0 + $1.backlog } }

    /// Waits up to `timeoutMilliseconds` for inotify on the sources or the configuration file (or a signal), then
    /// reads what they say.
    private func absorbEvents(timeoutMilliseconds: Int, sources: Bool = true) {
        var descriptors: [pollfd] = []
        if sources, let watcher { descriptors.append(pollfd(fd: watcher.descriptor, events: Int16(POLLIN), revents: 0)) }
        if let configWatch { descriptors.append(pollfd(fd: configWatch.descriptor, events: Int16(POLLIN), revents: 0)) }
        if descriptors.isEmpty {
            if timeoutMilliseconds > 0 { _ = poll(nil, 0, Int32(timeoutMilliseconds)) }
            return
        }
        guard poll(&descriptors, nfds_t(descriptors.count), Int32(timeoutMilliseconds)) > 0 else { return }
        for descriptor in descriptors where descriptor.revents != 0 {
            if let watcher, descriptor.fd == watcher.descriptor, watcher.drain().rescan { forceRescan = true }
            if let configWatch, descriptor.fd == configWatch.descriptor { configWatch.absorb(now: clock()) }
        }
    }

    /// The configuration file changed (and settled): reload it the way SIGHUP does.
    private func checkConfigFile() {
        guard let configWatch, configWatch.changeDue(now: clock()) else { return }
        log.warning("\(configWatch.path) changed: reloading the configuration")
        control.requestReload()
    }

    /// Sleeps in short steps (the backoff of an outage), returning early when asked to stop or reload: a signal,
    /// or a change of the configuration file (which may name another receiver).
    private func sleep(seconds: Double) {
        var left = Int(seconds * 1000)
        while left > 0 && !control.stopRequested && !control.reloadRequested {
            let step = min(left, 250)
            absorbEvents(timeoutMilliseconds: step, sources: false)
            checkConfigFile()
            left -= step
        }
    }

    /// Records, for every followed file, whether bytes wait (for the lag), and hands its checkpoint to the store.
    private func observeAll(store: CheckpointStore) {
        let now = clock()
        for file in followers.values {
            file.lag.observe(backlogBytes: file.backlog, now: now)
            store.update(file.persisted)
        }
    }

    /// Replaces the Prometheus textfile (`Metrics.tailTextfilePath` of `[metrics] textfile`; none when that is
    /// ""): counters, whether the receiver is up, and the lag of every file not yet streamed to its end. A
    /// failure is reported once until a write succeeds again.
    private func writeMetrics(follower: Follower, outage: OutageReport) {
        let path = Metrics.tailTextfilePath(configuration.metricsTextfile)
        if !metricsPathWritten.isEmpty && metricsPathWritten != path {
            _ = RawBytes.withCString(metricsPathWritten) { unlink($0) }  // ours, and stale from now on
            metricsPathWritten = ""
        }
        guard !path.isEmpty else { return }
        let now = clock()
        let active = followers.values.filter { !$0.checkpoint.finished }
        let files = active.map { file in
            TailMetrics.FileLag(container: file.origin.container, site: file.origin.site, file: file.origin.file,
                                bytes: file.backlog, seconds: file.lag.lagSeconds(backlogBytes: file.backlog, now: now))
        }
        let text = TailMetrics.render(host: configuration.host, startedAt: startedAt, receiverUp: !outage.isDown,
                                      counters: follower.counters, filesFollowed: active.count, files: files)
        do {
            // Handed to the writer thread; what it throws is the previous write's failure.
            if let failure = metricsWriter.submit(MetricsText(path: path, body: text)) { throw failure }
            metricsPathWritten = path
            if metricsError != nil { log.warning("the tail metrics are written to \(path) again") }
            metricsError = nil
        } catch {
            let message = "cannot write the tail metrics to \(path) (retried every \(Self.metricsInterval) s): \(error)"
            if metricsError != message { log.error("\(message)") }
            metricsError = message
        }
    }

    /// Brings the followed set in line with the roots: new files followed (from their checkpoint, if any),
    /// replaced files started over, vanished ones dropped; problems reported once.
    private func rescan(store: CheckpointStore) {
        // Watch first, then list: whatever appears after a directory's watch is added raises an event (and another
        // rescan), whatever appeared before is in the listing. Listed first, a file made between the two was missed
        // until the next timed rescan (a container appearing mid-run was not followed for `rescan_seconds`).
        if let watcher { for problem in watcher.refresh() where reported.insert(problem).inserted { log.warning("\(problem)") } }
        let (files, warnings) = scanner.scan()
        for warning in warnings where reported.insert(warning).inserted { log.warning("\(warning)") }
        var seen = Set<String>()
        for source in files {
            let key = source.path.description
            seen.insert(key)
            if let file = followers[key] {
                if file.source.device != source.device || file.source.inode != source.inode {
                    if file.backlog > 0 {
                        log.warning("\(key) was replaced by another file before its last \(file.backlog) bytes were sent; following the new file from the start")
                    }
                    followers[key] = FollowedFile(source: source, checkpoint: FollowedFile.freshCheckpoint(for: source), lag: file.lag)
                } else if file.checkpoint.finished && Int64(source.size) != file.checkpoint.offset {
                    // Written again after it was closed and streamed to its end: longer, the new bytes go out;
                    // shorter, it was truncated, which the follower reports before reading it from the start.
                    if Int64(source.size) > file.checkpoint.offset {
                        log.warning("\(key) grew after it was closed and streamed; sending the \(Int64(source.size) - file.checkpoint.offset) new bytes")
                    }
                    file.source = source
                    file.checkpoint.finished = false
                    file.checkpoint.size = Int64(source.size)
                    file.isClosed = false
                } else if !file.checkpoint.finished && source.size > file.source.size {
                    // Grown since its last step (which an outage may hold back): the lag counts it now.
                    file.source.size = source.size
                    file.checkpoint.size = Int64(source.size)
                }
                continue
            }
            let saved = store[key]
            var checkpoint = saved ?? FollowedFile.freshCheckpoint(for: source)
            checkpoint.size = Int64(source.size)
            if checkpoint.finished && (checkpoint.device != source.device || checkpoint.inode != source.inode
                                       || Int64(source.size) != checkpoint.offset) {
                checkpoint.finished = false  // decided again when the file is opened
            }
            // Bytes of a file tail knew waited since its saved wait began, or since that save; a file found at
            // start-up that the last save did not name appeared after it; one found later, just now.
            let lag = LagClock.resumed(waitingSince: saved?.waitingSince,
                                       savedAt: saved != nil || !scannedOnce ? store.loadedSavedAt : nil, now: clock())
            followers[key] = FollowedFile(source: source, checkpoint: checkpoint, lag: lag)
        }
        scannedOnce = true
        for (key, file) in followers where !seen.contains(key) {
            if file.backlog > 0 {
                log.warning("\(key) disappeared before its last \(file.backlog) bytes were sent")
            }
            followers.removeValue(forKey: key)
        }
        for key in store.entries.keys where !seen.contains(key) { store.remove(path: key) }
        observeAll(store: store)
    }

    /// SIGHUP or a change of the configuration file: read the configuration again; a bad one is reported and the
    /// running one kept. Positions are never lost: followers and checkpoints stay.
    private func applyReload(follower: Follower, outage: inout OutageReport) {
        guard let reload else { return }
        configWatch?.resynchronize()  // before reading: a change after this is seen again
        let (candidate, problems) = reload()
        func refuse(_ why: [String]) {
            for line in why { log.error("reload: \(line)") }
            log.error("reload refused: the running configuration is kept")
        }
        guard problems.isEmpty else { return refuse(problems.map { "config: \($0)" }) }
        guard let newTail = candidate.tail else { return refuse(["config: tail: the [tail] section is gone"]) }
        guard candidate.stateDirectory == configuration.stateDirectory else {
            return refuse(["config: general.state_directory: cannot change while tail runs; restart it"])
        }
        let newScanner: SourceScanner
        do { newScanner = try SourceScanner(configuration: candidate) } catch { return refuse(["config: \(error)"]) }
        if newTail != tail || candidate.host != configuration.host {
            do {
                let transport = try makeTransport(newTail, candidate)
                follower.transport.close()
                follower.transport = transport
            } catch {
                return refuse(["receiver \(newTail.receiver): \(error)"])
            }
        }
        follower.framer = LineFramer(maxMessageBytes: newTail.maxMessageBytes, maxLines: Follower.batchLines)
        // An outage of the same receiver goes on across a reload: one message when it started, one when it ends.
        if newTail.receiver != tail.receiver { outage = OutageReport(receiver: newTail.receiver) }
        configuration = candidate
        tail = newTail
        scanner = newScanner
        follower.closure = closureRule()
        makeWatcher()
        forceRescan = true
        log.warning("configuration reloaded: forwarding to \(newTail.receiver)")
    }
}
