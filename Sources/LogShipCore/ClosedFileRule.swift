/// When a log file is finished with, so it may be compressed, shipped and removed: the one rule `run` and
/// `status` share. The clock is the caller's (`now`); the lock probe is I/O and is asked last, only when the
/// time rules already say yes.
public struct ClosedFileRule: Sendable, Equatable {
    /// Seconds after the period's end before its file may be closed (late lines, a slow writer).
    public var graceSeconds: Int
    /// Seconds the file must have been unchanged.
    public var quietSeconds: Int

    public init(graceSeconds: Int, quietSeconds: Int) {
        self.graceSeconds = graceSeconds
        self.quietSeconds = quietSeconds
    }

    /// Whether the time rules let `file` be closed at `now`. Arithmetic saturates: no value traps.
    public func timeAllows(_ file: SourceFile, now: Int) -> Bool {
        let (end, o1) = file.periodEnd.addingReportingOverflow(graceSeconds)
        guard !o1, now >= end else { return false }
        let (age, o2) = now.subtractingReportingOverflow(file.modified)
        return o2 ? file.modified < now : age >= quietSeconds
    }

    /// Closed: the time rules allow it and no writer holds its lock (`unheld` is asked only then).
    public func isClosed(_ file: SourceFile, now: Int, unheld: (SourceFile) -> Bool) -> Bool {
        timeAllows(file, now: now) && unheld(file)
    }
}
