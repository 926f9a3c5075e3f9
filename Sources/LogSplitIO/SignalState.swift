#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Signals the splitter reacts to, recorded by async-signal-safe handlers and read by the main loop.
///
/// Handlers are installed without `SA_RESTART`, so a blocking `read` on stdin returns `EINTR` and the loop
/// looks at the flags at once. SIGTERM, SIGINT and SIGHUP start a drain (keep reading until EOF, bounded by
/// the drain timeout, armed from the handler itself with `alarm`); SIGUSR1 asks for the counters; SIGALRM
/// is the loop's own timer (idle close, write retry, drain deadline). SIGPIPE and SIGXFSZ are ignored so a
/// write error comes back as EPIPE/EFBIG instead of killing the process.
public enum SignalState {
    static let terminateRequested = Atomic<Int32>(0)
    static let statsRequested = Atomic<Int32>(0)
    static let drainSeconds = Atomic<UInt32>(60)

    public static func install(drainTimeout: Int) {
        drainSeconds.store(UInt32(clamping: max(1, drainTimeout)), ordering: .relaxed)
        // A blocked mask is inherited across exec (a parent spawning from a thread may pass one on):
        // without these signals the timer, the drain and the counters would never fire.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for signo in [SIGALRM, SIGTERM, SIGINT, SIGHUP, SIGUSR1] { sigaddset(&unblock, signo) }
        sigprocmask(SIG_UNBLOCK, &unblock, nil)
        signal(SIGPIPE, SIG_IGN)
        signal(SIGXFSZ, SIG_IGN)
        handle(SIGTERM) { _ in SignalState.requestDrain() }
        handle(SIGINT) { _ in SignalState.requestDrain() }
        handle(SIGHUP) { _ in SignalState.requestDrain() }
        handle(SIGUSR1) { _ in SignalState.statsRequested.store(1, ordering: .relaxed) }
        handle(SIGALRM) { _ in }
    }

    static func requestDrain() {
        if terminateRequested.exchange(1, ordering: .relaxed) == 0 {
            alarm(drainSeconds.load(ordering: .relaxed))
        }
    }

    private static func handle(_ signo: Int32, _ handler: @escaping @convention(c) (Int32) -> Void) {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = handler
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(signo, &action, nil)
    }

    /// True once, after SIGUSR1.
    static func takeStatsRequest() -> Bool {
        // A plain load first: the exchange (a locked instruction) only when a request is there.
        statsRequested.load(ordering: .relaxed) != 0 && statsRequested.exchange(0, ordering: .relaxed) != 0
    }
    static var draining: Bool { terminateRequested.load(ordering: .relaxed) != 0 }
}
