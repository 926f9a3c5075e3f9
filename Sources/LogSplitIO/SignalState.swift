import CSplitterSignals

/// Signals the splitter reacts to, recorded by async-signal-safe C handlers and read by the main loop.
///
/// The handlers live in CSplitterSignals (`splitter_signals.c`) and are installed by a constructor
/// (CSplitterEarlySignals, linked by the logsplit executable alone) before `main` runs, so a SIGTERM from a graceful restart that arrives while logsplit is still starting cannot
/// kill it. Handlers are installed without `SA_RESTART`: a blocking `read` on stdin returns `EINTR` and
/// the loop looks at the flags at once. SIGTERM, SIGINT and SIGHUP start a drain (keep reading until EOF,
/// bounded by the drain timeout, armed from the handler with `alarm`); SIGUSR1 asks for the counters;
/// SIGALRM is the loop's own timer (idle close, write retry, drain deadline). SIGPIPE and SIGXFSZ are
/// ignored so a write error comes back as EPIPE/EFBIG instead of killing the process.
public enum SignalState {
    /// Installs the handlers (again) with the configured drain timeout; unblocks the signals the loop needs.
    public static func install(drainTimeout: Int) {
        clinux_install_splitter_signals(UInt32(clamping: max(1, drainTimeout)))
    }

    /// True once, after SIGUSR1.
    static func takeStatsRequest() -> Bool { clinux_take_stats_request() != 0 }

    static var draining: Bool { clinux_terminate_requested() != 0 }
}
