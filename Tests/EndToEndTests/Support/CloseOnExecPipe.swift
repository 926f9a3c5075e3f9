import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A `Pipe` for talking to a child, with both ends close-on-exec as soon as they exist.
///
/// Foundation's `Pipe()` is inheritable: any program another test starts at the same time (a daemon through
/// system(3), a watchdog shell) would keep this pipe's ends open for as long as it lives, and the reader at the
/// other end would never see EOF (a CI run hung that way, twice). The child this pipe is for still gets its end:
/// `Process` dup2s it onto 0, 1 or 2, which clears the flag on the copy. (Swift's Glibc does not import pipe2(2),
/// so the flag is set right after pipe(2); the service scripts close what they inherit as well.)
func closeOnExecPipe() -> Pipe {
    let pipe = Pipe()
    for end in [pipe.fileHandleForReading, pipe.fileHandleForWriting] {
        _ = fcntl(end.fileDescriptor, F_SETFD, fcntl(end.fileDescriptor, F_GETFD) | FD_CLOEXEC)
    }
    return pipe
}
