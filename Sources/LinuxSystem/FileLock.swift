#if canImport(Glibc)
import Glibc
#endif

/// The handoff between a writer and the shipper, with `flock(2)`.
///
/// The writer (logsplit) holds `LOCK_SH` on each file while it may still write to it; the shipper asks
/// with `LOCK_EX|LOCK_NB`: granted means nobody writes the file now. Plain cronolog takes no lock, so the
/// time rules decide for its files.
public enum FileLock {
    /// Takes the writer's shared lock without waiting; false when someone holds it exclusively.
    public static func holdShared(_ fd: Int32) -> Bool {
        Syscall.result { flock(fd, LOCK_SH | LOCK_NB) }.value == 0
    }

    /// Takes an exclusive lock without waiting; false while a writer holds its shared lock.
    public static func tryExclusive(_ fd: Int32) -> Bool {
        Syscall.result { flock(fd, LOCK_EX | LOCK_NB) }.value == 0
    }

    /// True when no writer holds the file: an exclusive lock is taken and released at once.
    public static func isUnheld(_ fd: Int32) -> Bool {
        guard tryExclusive(fd) else { return false }
        flock(fd, LOCK_UN)
        return true
    }
}
