/// With `[tail]` and `gate_removal = true`, `run` removes an original only once `logdump tail` streamed it to
/// its end: its checkpoint names the same file (device, inode), says finished, and covers its whole size.
/// Pure: the caller loads the checkpoints and gives the time.
public enum TailRemovalGate {
    public enum Verdict: Sendable, Equatable {
        case remove
        /// Kept; `reason` tells the operator why, and `tailSeemsStopped` whether to worry (a warning) or not.
        case keep(reason: String, tailSeemsStopped: Bool)
    }

    /// Checkpoints older than this mean tail is not running (it saves at least once a minute).
    public static let staleSeconds = 300

    public static func verdict(_ document: TailCheckpointDocument?, path: String, device: UInt64, inode: UInt64,
                               size: Int64, now: Int) -> Verdict {
        let switchOff = "(set [tail] gate_removal = false to remove without waiting for tail)"
        guard let document else {
            return .keep(reason: "kept: shipped, but logdump tail has never saved a checkpoint; is it running "
                         + "(systemctl status logdump-tail)? \(switchOff)", tailSeemsStopped: true)
        }
        let age = now - document.savedAt
        let stopped = age > staleSeconds
        let stoppedNote = stopped ? "; logdump tail last saved its checkpoints \(age / 60) min ago: it seems stopped "
            + "(systemctl status logdump-tail) \(switchOff)" : ""
        guard let entry = document.files.first(where: { $0.path == path }),
              entry.device == device, entry.inode == inode else {
            return .keep(reason: "kept: shipped, not yet streamed by logdump tail" + stoppedNote, tailSeemsStopped: stopped)
        }
        guard entry.finished, entry.offset >= size else {
            return .keep(reason: "kept: shipped, streamed by logdump tail up to byte \(entry.offset) of \(size)" + stoppedNote,
                         tailSeemsStopped: stopped)
        }
        return .remove
    }
}
