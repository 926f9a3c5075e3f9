import LinuxSystem
import LogShipCore

#if canImport(Glibc)
import Glibc
#endif

/// The closed-file rule with its one I/O part, the writer's lock: what `run` and `status` both ask, so they
/// cannot disagree about a file.
public struct ClosureCheck: Sendable {
    public let rule: ClosedFileRule
    public let now: Int

    public init(rule: ClosedFileRule, now: Int) {
        self.rule = rule
        self.now = now
    }

    public func isClosed(_ file: SourceFile) -> Bool {
        rule.isClosed(file, now: now, unheld: Self.noWriterHolds)
    }

    /// Nobody holds logsplit's shared lock on the file (a `LOCK_EX|LOCK_NB` probe, released at once).
    static func noWriterHolds(_ file: SourceFile) -> Bool {
        guard let fd = try? file.path.openFile() else { return false }
        return FileLock.isUnheld(fd.rawValue)
    }
}

extension SafePath {
    /// The directory that holds the file, walked from `base` without following links.
    func openParent() throws(SystemError) -> FileDescriptor {
        try SafeDirectory.open(base: base, components: components.dropLast(), missing: .fail)!
    }

    /// The file itself, for reading, never through a link and never blocking on a fifo.
    func openFile() throws(SystemError) -> FileDescriptor {
        try openParent().open(name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, displayPath: description)
    }
}
