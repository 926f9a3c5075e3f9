import CLinuxShim

/// What an idle logger keeps resident. A host runs hundreds of loggers (containers x `CustomLog` lines), most of
/// them waiting in read(2); README "Footprint" measures them with `scripts/bench-footprint.sh`.
extension Splitter {
    /// Returns start-up memory the loop does not need: the heap's free pages (argument parsing, configuration),
    /// the stack below the loop (the Swift runtime's type-name demangling runs about 40 KiB deep), and this
    /// process's mapping of the code pages start-up ran (clean pages of the executable, shared with every other
    /// logger; whatever the loop runs is mapped again from the page cache). Contents are never lost: only free
    /// memory, unused stack and unmodified file pages are released. Main thread only.
    static func releaseStartupMemory() {
        _ = clinux_release_free_heap()
        _ = clinux_release_unused_stack()
        _ = clinux_release_startup_code()
    }
}
