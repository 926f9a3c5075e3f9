import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a command that may leave a daemon behind (`apache2 -k start`) and waits (bounded) for the
/// command itself to exit; returns its exit status. stdin is /dev/null, stdout and stderr go to
/// `outputPath`, and no other descriptor of the test runner is inherited.
///
/// Foundation's `Process` cannot be used here: it detects the child's exit through a socket the
/// child inherits, and a daemon that keeps that socket makes `waitUntilExit` hang forever (see `spawnClean`).
func runDetachingCommand(_ path: String, _ arguments: [String], outputPath: String, timeout: Double = 60) throws -> Int32 {
    let pid = try spawnClean(path, arguments, environment: nil) { actions in
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
    }

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
