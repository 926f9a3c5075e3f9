import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What the operator asked the running tail for: stop (SIGTERM, SIGINT) or reload the configuration
/// (SIGHUP, or the configuration file changed: `ConfigFileWatch`). Set from signal handlers (lock-free atomics) or by tests; read by the loop between steps.
public final class TailControl: Sendable {
    private let stop = Atomic<Bool>(false)
    private let reload = Atomic<Bool>(false)

    public init() {}

    public func requestStop() { stop.store(true, ordering: .sequentiallyConsistent) }
    public func requestReload() { reload.store(true, ordering: .sequentiallyConsistent) }

    public var stopRequested: Bool { stop.load(ordering: .sequentiallyConsistent) }

    /// A reload was asked for and not yet taken (a wait ends early for it).
    public var reloadRequested: Bool { reload.load(ordering: .sequentiallyConsistent) }

    /// True once per reload request.
    public func takeReloadRequest() -> Bool { reload.exchange(false, ordering: .sequentiallyConsistent) }

    /// The process's control, set by the signal handlers `installSignalHandlers` installs.
    public static let process = TailControl()

    /// SIGTERM and SIGINT stop, SIGHUP reloads (and are unblocked). Without `SA_RESTART`: a wait in `poll`
    /// returns at once.
    public static func installSignalHandlers() {
        _ = process.stopRequested  // initialised before any handler can run
        var stopAction = sigaction()
        stopAction.__sigaction_handler.sa_handler = { _ in TailControl.process.requestStop() }
        sigemptyset(&stopAction.sa_mask)
        stopAction.sa_flags = 0
        sigaction(SIGTERM, &stopAction, nil)
        sigaction(SIGINT, &stopAction, nil)
        var reloadAction = sigaction()
        reloadAction.__sigaction_handler.sa_handler = { _ in TailControl.process.requestReload() }
        sigemptyset(&reloadAction.sa_mask)
        reloadAction.sa_flags = 0
        sigaction(SIGHUP, &reloadAction, nil)
        // A parent may have started us with these blocked (a thread pool's mask is inherited through exec).
        var handled = sigset_t()
        sigemptyset(&handled)
        for signal in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&handled, signal) }
        pthread_sigmask(SIG_UNBLOCK, &handled, nil)
    }
}
