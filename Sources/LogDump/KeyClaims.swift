import Synchronization

/// The destination keys a run holds for its files, so that no key is ever chosen for two files: every key a
/// record at `shipping` names when the run starts (a run killed between writing a key down and linking the copy
/// leaves the key free at the destination, but it is that file's: its next put links it there), and every key a
/// batch asks about for a file. Two files whose keys collide (a key template without `{container}` or `{site}`)
/// thus never meet at one key: not in one batch, not in two batches one after the other or at once, and not when
/// one of them resumes at a key recorded by an earlier run.
///
/// A claim lasts for the run: a key asked about and found taken by other content is never anyone's here.
final class KeyClaims: Sendable {
    private let held: Mutex<Set<String>>

    /// `recorded`: the keys of the records at `shipping`.
    init(recorded: some Sequence<String>) {
        held = Mutex(Set(recorded))
    }

    /// Takes `key` for one file; false when it is held already (by a record, or by another file of this run).
    func claim(_ key: String) -> Bool {
        held.withLock { $0.insert(key).inserted }
    }
}
