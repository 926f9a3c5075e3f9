import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a program with arguments given as raw bytes (not necessarily UTF-8), feeding `input` on stdin,
/// and returns its status and stderr. Swift strings cannot hold an invalid byte; argv can, and Apache
/// passes a `CustomLog "|..."` line's bytes through unchanged.
func runWithRawArguments(_ path: String, _ arguments: [[UInt8]], input: [UInt8], timeout: Double = 30) throws -> (status: Int32, stderr: String) {
    let logs = try TemporaryDirectory("raw-args")
    let errPath = logs.join("stderr")
    var stdinPipe: [Int32] = [0, 0]
    guard pipe(&stdinPipe) == 0 else { throw POSIXError(.EIO) }
    for fd in stdinPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }  // see closeOnExecPipe(); the child gets its dup2 copy
    let pid = try spawnClean(path, [], rawArguments: arguments) { actions in
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    }
    close(stdinPipe[0])
    signal(SIGPIPE, SIG_IGN)
    _ = input.withUnsafeBytes { write(stdinPipe[1], $0.baseAddress, $0.count) }
    close(stdinPipe[1])
    let deadline = Date().addingTimeInterval(timeout)
    var status: Int32 = 0
    while waitpid(pid, &status, WNOHANG) == 0 {
        if Date() > deadline {
            kill(pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
            throw DifferentialFailure("\(path) did not exit within \(timeout) s")
        }
        usleep(10_000)
    }
    let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
    return ((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f), stderr)
}

/// The raw names in a directory (readdir: no decoding), without `.` and `..`.
func rawDirectoryEntries(_ path: [UInt8]) -> [[UInt8]] {
    let cPath = path.map { CChar(bitPattern: $0) } + [0]
    guard let dir = opendir(cPath) else { return [] }
    defer { closedir(dir) }
    var names: [[UInt8]] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix(while: { $0 != 0 })) }
        if name != [46] && name != [46, 46] { names.append(name) }
    }
    return names.sorted { $0.lexicographicallyPrecedes($1) }
}
