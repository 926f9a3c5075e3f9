import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a command that may leave a daemon behind (`apache2 -k start`) and waits (bounded) for the
/// command itself to exit; returns its exit status. stdin is /dev/null, stdout and stderr go to
/// `outputPath`, and no other descriptor of the test runner is inherited.
///
/// Foundation's `Process` cannot be used here: it detects the child's exit through a socket the
/// child inherits, and a daemon that keeps that socket makes `waitUntilExit` hang forever.
func runDetachingCommand(_ path: String, _ arguments: [String], outputPath: String, timeout: Double = 60) throws -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    // (posix_spawn_file_actions_addclosefrom_np is a GNU extension Swift's Glibc does not import.)
    let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    for fd in open.compactMap({ Int32($0) }) where fd > 2 {
        posix_spawn_file_actions_addclose(&actions, fd)
    }

    // The runner's threads block or ignore signals (SIGPIPE, ...); httpd must start with a clean slate,
    // or a blocked SIGUSR1 silently turns `-k graceful` into nothing.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t(), allSignals = sigset_t()
    sigemptyset(&noSignals)
    sigfillset(&allSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    posix_spawnattr_setsigdefault(&attributes, &allSignals)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
    guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }

    var status: Int32 = 0
    let deadline = Date().addingTimeInterval(timeout)
    while waitpid(pid, &status, WNOHANG) == 0 {
        if Date() > deadline {
            kill(pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
            throw TimedOut(what: "\(path) \(arguments.joined(separator: " "))", seconds: timeout)
        }
        usleep(20_000)
    }
    // WIFEXITED/WEXITSTATUS are macros Swift does not import.
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
}
