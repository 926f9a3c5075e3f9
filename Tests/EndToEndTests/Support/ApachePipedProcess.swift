import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A program running in the background with a pipe on its stdin, the way Apache runs a piped logger:
/// the test writes lines, sends signals, looks at `/proc`, and finally closes stdin and waits.
///
/// It is spawned with posix_spawn, an empty signal mask and default signal actions, like httpd's
/// piped loggers: Foundation's `Process` passes on the blocked mask of the runner's thread (SIGALRM,
/// SIGTERM, SIGUSR1 blocked), which would silently disable a logger's timers and signal handling.
final class PipedProcess: @unchecked Sendable {
    let pid: pid_t
    private let executable: String
    private var inputFD: Int32
    private let lock = NSLock()
    private var errorText = Data()
    private var outputText = Data()
    private var exitStatus: Int32?
    private let readers = DispatchGroup()

    init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws {
        // A test writing to a logger that died must get EPIPE, not die of SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        self.executable = executable
        var stdinPipe: [Int32] = [0, 0], stdoutPipe: [Int32] = [0, 0], stderrPipe: [Int32] = [0, 0]
        // (pipe2 is a GNU extension Swift's Glibc does not import.)
        guard pipe(&stdinPipe) == 0, pipe(&stdoutPipe) == 0, pipe(&stderrPipe) == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        for fd in stdinPipe + stdoutPipe + stderrPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let child: pid_t
        do {
            child = try spawnClean(executable, arguments, environment: environment) { actions in
                posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
                posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
                posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
            }
        } catch {
            close(stdinPipe[0]); close(stdoutPipe[1]); close(stderrPipe[1])
            close(stdinPipe[1]); close(stdoutPipe[0]); close(stderrPipe[0])
            throw error
        }
        close(stdinPipe[0]); close(stdoutPipe[1]); close(stderrPipe[1])
        pid = child
        inputFD = stdinPipe[1]
        collect(stdoutPipe[0]) { self.outputText.append($0) }
        collect(stderrPipe[0]) { self.errorText.append($0) }
    }

    deinit {
        if isRunning {
            kill(pid, SIGKILL)
            _ = try? waitForExit(timeout: 10)
        }
        if inputFD >= 0 { close(inputFD) }
    }

    private func collect(_ fd: Int32, _ append: @escaping @Sendable (Data) -> Void) {
        DispatchQueue.global().async(group: readers) {
            defer { close(fd) }
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { return }
                self.lock.lock()
                append(Data(buffer[0..<count]))
                self.lock.unlock()
            }
        }
    }

    /// Everything the program wrote to stderr so far.
    var stderrText: String {
        lock.lock(); defer { lock.unlock() }
        return String(decoding: errorText, as: UTF8.self)
    }

    var stdoutText: String {
        lock.lock(); defer { lock.unlock() }
        return String(decoding: outputText, as: UTF8.self)
    }

    func write(_ data: Data) throws {
        try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < bytes.count {
                let count = Glibc.write(inputFD, bytes.baseAddress! + offset, bytes.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
                }
                offset += count
            }
        }
    }

    func write(_ text: String) throws { try write(Data(text.utf8)) }

    /// Writes `count` bytes of `byte`, in chunks of 1 MiB, without holding them all in memory.
    func write(repeating byte: UInt8, count: Int) throws {
        let chunk = Data(repeating: byte, count: min(count, 1 << 20))
        var left = count
        while left > 0 {
            let piece = min(left, chunk.count)
            try write(piece == chunk.count ? chunk : chunk.prefix(piece))
            left -= piece
        }
    }

    func closeInput() throws {
        if inputFD >= 0 { close(inputFD) }
        inputFD = -1
    }

    func send(_ signal: Int32) { kill(pid, signal) }

    /// Reaps the child if it has exited.
    var isRunning: Bool {
        lock.lock(); defer { lock.unlock() }
        if exitStatus != nil { return false }
        var status: Int32 = 0
        let reaped = waitpid(pid, &status, WNOHANG)
        guard reaped == pid else { return reaped == 0 }
        // WIFEXITED/WEXITSTATUS are macros Swift does not import; a signal gives 128 + its number.
        exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return false
    }

    /// Waits (bounded) for the program to exit and returns its exit status; kills it on timeout.
    @discardableResult
    func waitForExit(timeout: Double = 60) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning {
            if Date() > deadline {
                kill(pid, SIGKILL)
                throw TimedOut(what: "\((executable as NSString).lastPathComponent) to exit", seconds: timeout)
            }
            usleep(20_000)
        }
        _ = readers.wait(timeout: .now() + 10)
        lock.lock(); defer { lock.unlock() }
        return exitStatus ?? -1
    }

    /// The value in kB of a field of `/proc/PID/status` such as `VmHWM` (peak resident memory).
    func procStatus(_ field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }

    /// The paths the program's open descriptors point at (`/proc/PID/fd`).
    func openDescriptors() -> [String] {
        let dir = "/proc/\(pid)/fd"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/" + $0) }
    }
}

/// A bounded wait ran out: the test fails with what it was waiting for.
struct TimedOut: Error, CustomStringConvertible {
    let what: String
    let seconds: Double
    var description: String { "timed out after \(seconds) s waiting for \(what)" }
}

/// Polls `condition` every 50 ms until it holds, for at most `timeout` seconds.
func pollUntil(_ what: String, timeout: Double, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while try !condition() {
        if Date() > deadline { throw TimedOut(what: what, seconds: timeout) }
        usleep(50_000)
    }
}

extension PipedProcess {
    /// Runs a program to completion with `input` on stdin (clean signal mask, see above); returns the
    /// exit status and what it wrote to stderr.
    static func run(_ executable: String, _ arguments: [String], input: String, timeout: Double = 60) throws -> (status: Int32, stderr: String) {
        let process = try PipedProcess(executable, arguments)
        try process.write(input)
        try process.closeInput()
        let status = try process.waitForExit(timeout: timeout)
        return (status, process.stderrText)
    }
}

/// strftime(3) of the current local time, as logsplit names the current file.
func strftimeNow(_ format: String) -> String {
    var now = time(nil)
    var parts = tm()
    localtime_r(&now, &parts)
    var buffer = [CChar](repeating: 0, count: 256)
    let count = strftime(&buffer, buffer.count, format, &parts)
    return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
