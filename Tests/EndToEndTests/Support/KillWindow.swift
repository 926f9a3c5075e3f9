/// When a crash loop's `kill -9` lands: a random moment within a window that follows how long a run takes here
/// (shorter as logdump gets faster, longer on a loaded machine), so that most kills land while logdump runs.
/// The window narrows by a fifth after each run that ended before its kill (not below `floor`) and widens by a
/// fifth after a kill the loop asks to widen for (not above 6 s), e.g. while the later steps have not been hit.
struct KillWindow {
    private(set) var microseconds: UInt32
    let floor: UInt32

    init(opening microseconds: UInt32, floor: UInt32) {
        self.microseconds = microseconds
        self.floor = floor
    }

    /// How long to wait before the kill: 20 ms at least.
    func moment(using generator: inout some RandomNumberGenerator) -> UInt32 {
        UInt32.random(in: 20_000...max(20_000, microseconds), using: &generator)
    }

    /// The run ended before its kill.
    mutating func missed() { microseconds = max(microseconds / 5 * 4, floor) }

    /// The kill landed mid-run; `widen`: later moments are wanted.
    mutating func landed(widen: Bool) {
        if widen { microseconds = min(microseconds / 5 * 6, 6_000_000) }
    }
}
