import LinuxSystem
import LogDump
import LogShipCore
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
/// acknowledged. Runs until `control` asks it to stop; reloads the configuration when asked.
public final class TailService {
    private var configuration: DumpConfiguration
    private var tail: TailSection
    private let makeTransport: TransportFactory
    private let control: TailControl
    private let reload: (() -> (DumpConfiguration, [ConfigProblem]))?
    private let log: Logger
    private let clock: () -> Int64
    private let random: () -> Double

    private var scanner: SourceScanner
    private var watcher: WatchedDirectories?
    private var followers: [String: FollowedFile] = [:]
    private var reported = Set<String>()
    private var forceRescan = true

    /// `clock` gives microseconds since the epoch; `random` a number in 0...1 (backoff jitter).
    public init(configuration: DumpConfiguration, makeTransport: @escaping TransportFactory, control: TailControl,
                reload: (() -> (DumpConfiguration, [ConfigProblem]))? = nil, log: Logger,
                clock: @escaping () -> Int64 = TailService.systemMicroseconds,
                random: @escaping () -> Double = { Double.random(in: 0...1) }) throws(ConfigProblem) {
        guard let tail = configuration.tail else {
            throw ConfigProblem(key: "tail", message: "no [tail] section: add one with receiver = \"relp://HOST:PORT\" (see Config/logdump.toml)")
        }
        self.configuration = configuration
        self.tail = tail
        self.makeTransport = makeTransport
        self.control = control
        self.reload = reload
        self.log = log
        self.clock = clock
        self.random = random
        scanner = try SourceScanner(configuration: configuration)
    }

    public static func systemMicroseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec / 1000)
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
        do { store = try CheckpointStore(stateDirectory: stateDirectory) } catch {
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
        makeWatcher()
        log.info("tail: forwarding to \(tail.receiver); checkpoints in \(TailCheckpointFile.path(stateDirectory: stateDirectory))")
        let status = loop(follower: follower, store: store)
        follower.transport.close()
        for file in followers.values { store.update(file.checkpoint) }
        if let error = store.saveNow(now: nowSeconds) { log.error("cannot save the tail checkpoints: \(error)") }
        return status
    }

    private func closureRule() -> (SourceFile, Int) -> Bool {
        let rule = configuration.closedFileRule
        return { file, now in ClosureCheck(rule: rule, now: now).isClosed(file) }
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
    private func loop(follower: Follower, store: CheckpointStore) -> Int32 {
        var nextRescan = 0
        var outage = OutageReport(receiver: tail.receiver)
        var backoff = Backoff()
        var saveError: String?
        while !control.stopRequested {
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
                store.update(file.checkpoint)
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
            if let error = store.saveIfDue(now: nowSeconds) {
                let message = "cannot save the tail checkpoints (retried every second; positions kept in memory): \(error)"
                if saveError != message { log.error("\(message)") }
                saveError = message
            } else if saveError != nil {
                saveError = nil
            }
            switch interruption {
            case let .misconfigured(reason)?:
                log.error("receiver \(tail.receiver): \(reason); fix [tail] and restart (checkpoints are saved)")
                return DumpStatus.unusable
            case let .interrupted(_, reason)?:
                if let message = outage.failed(now: nowSeconds, reason: reason, backlogBytes: backlog(),
                                               backlogFiles: followers.values.filter { $0.backlog > 0 }.count) {
                    log.warning("\(message)")
                }
                sleep(seconds: backoff.nextDelay(random: random()))
            case nil:
                if progressed {
                    absorbEvents(timeoutMilliseconds: 0)
                } else {
                    let untilRescan = max(0, nextRescan - nowSeconds) * 1000
                    absorbEvents(timeoutMilliseconds: min(1000, untilRescan))
                }
            }
        }
        return DumpStatus.ok
    }

    /// Bytes not yet acknowledged, over every followed file.
    private func backlog() -> Int64 { followers.values.reduce(0) { $0 + $1.backlog } }

    /// Waits up to `timeoutMilliseconds` for inotify (or a signal), then reads what it says.
    private func absorbEvents(timeoutMilliseconds: Int) {
        guard let watcher else {
            if timeoutMilliseconds > 0 { sleep(seconds: Double(timeoutMilliseconds) / 1000) }
            return
        }
        var descriptor = pollfd(fd: watcher.descriptor, events: Int16(POLLIN), revents: 0)
        if poll(&descriptor, 1, Int32(timeoutMilliseconds)) > 0 {
            if watcher.drain().rescan { forceRescan = true }
        }
    }

    /// Sleeps in short steps, returning early when asked to stop or reload.
    private func sleep(seconds: Double) {
        var left = Int(seconds * 1000)
        while left > 0 && !control.stopRequested {
            let step = min(left, 250)
            _ = poll(nil, 0, Int32(step))
            left -= step
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
                    followers[key] = FollowedFile(source: source, checkpoint: FollowedFile.freshCheckpoint(for: source))
                } else if file.checkpoint.finished && Int64(source.size) > file.checkpoint.offset {
                    log.warning("\(key) grew after it was closed and streamed; sending the \(Int64(source.size) - file.checkpoint.offset) new bytes")
                    file.source = source
                    file.checkpoint.finished = false
                    file.checkpoint.size = Int64(source.size)
                    file.isClosed = false
                }
                continue
            }
            var checkpoint = store[key] ?? FollowedFile.freshCheckpoint(for: source)
            checkpoint.size = Int64(source.size)
            if checkpoint.finished && (checkpoint.device != source.device || checkpoint.inode != source.inode
                                       || Int64(source.size) != checkpoint.offset) {
                checkpoint.finished = false  // decided again when the file is opened
            }
            followers[key] = FollowedFile(source: source, checkpoint: checkpoint)
        }
        for (key, file) in followers where !seen.contains(key) {
            if file.backlog > 0 {
                log.warning("\(key) disappeared before its last \(file.backlog) bytes were sent")
            }
            followers.removeValue(forKey: key)
        }
        for key in store.entries.keys where !seen.contains(key) { store.remove(path: key) }
        for file in followers.values { store.update(file.checkpoint) }
    }

    /// SIGHUP: read the configuration again; a bad one is reported and the running one kept. Positions are
    /// never lost: followers and checkpoints stay.
    private func applyReload(follower: Follower, outage: inout OutageReport) {
        guard let reload else { return }
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
        configuration = candidate
        tail = newTail
        scanner = newScanner
        follower.closure = closureRule()
        outage = OutageReport(receiver: newTail.receiver)
        makeWatcher()
        forceRescan = true
        log.warning("configuration reloaded: forwarding to \(newTail.receiver)")
    }
}
