import Foundation

/// A child process fed through a pipe the test writes to piece by piece, with stdout/stderr in files,
/// and every wait bounded: a hang kills the child and fails the test instead of blocking CI.
final class DifferentialProcess: @unchecked Sendable {
    let label: String
    let stderrPath: String
    let stdoutPath: String
    private let process = Process()
    private let input = closeOnExecPipe()
    private var inputOpen = true

    init(
        label: String, executable: String, arguments: [String], environment: [String: String],
        currentDirectory: String, logDirectory: String
    ) throws {
        Self.ignoreSIGPIPE
        self.label = label
        stdoutPath = logDirectory + "/\(label).stdout"
        stderrPath = logDirectory + "/\(label).stderr"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory)
        process.standardInput = input
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Writing into a pipe whose reader died must fail with EPIPE, not kill the test runner.
    private static let ignoreSIGPIPE: Void = { signal(SIGPIPE, SIG_IGN) }()

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var stderrText: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
    var stdoutText: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }

    /// Writes all of `bytes` into the child's stdin.
    func write(_ bytes: [UInt8]) throws {
        let fd = input.fileHandleForWriting.fileDescriptor
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw DifferentialFailure("\(label): writing stdin failed (errno \(errno)); stderr: \(stderrText)")
            }
            offset += n
        }
    }

    /// Bytes written into stdin that the child has not read yet (FIONREAD on the pipe).
    var unreadInput: Int {
        var pending: CInt = 0
        _ = ioctl(input.fileHandleForWriting.fileDescriptor, UInt(FIONREAD), &pending)
        return Int(pending)
    }

    /// Closes stdin: the child sees EOF.
    func closeInput() throws {
        guard inputOpen else { return }
        inputOpen = false
        try input.fileHandleForWriting.close()
    }

    /// Waits for the child to exit; returns its exit status, or 128+signal. Kills it after `timeout` and throws.
    func waitForExit(timeout: TimeInterval = 30) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw DifferentialFailure("\(label) did not exit within \(Int(timeout)) s; killed. stderr: \(stderrText)")
            }
            usleep(2_000)
        }
        process.waitUntilExit()
        switch process.terminationReason {
        case .exit: return process.terminationStatus
        case .uncaughtSignal: return 128 + process.terminationStatus
        @unknown default: return process.terminationStatus
        }
    }

    /// Sends `signal` to the child.
    func send(_ signal: Int32) { kill(process.processIdentifier, signal) }
}

/// A harness failure with a message that says what happened (shown by Swift Testing as the thrown error).
struct DifferentialFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` every 2 ms until it holds or `timeout` passes; returns whether it held.
func differentialPoll(timeout: TimeInterval, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        if try condition() { return true }
        if Date() > deadline { return false }
        usleep(2_000)
    }
}

extension DifferentialProcess {
    /// Runs `executable` to completion with `input` on stdin, like `runProcess`, but bounded: after `timeout`
    /// the child is killed and the call throws. The environment defaults to a small fixed one (TZ=UTC, C locale).
    static func run(
        _ executable: String, _ arguments: [String], input: [UInt8] = [], environment: [String: String]? = nil,
        currentDirectory: String, timeout: TimeInterval = 30
    ) throws -> ProcessResult {
        let logs = try TemporaryDirectory("diff-run")
        let child = try DifferentialProcess(
            label: "run", executable: executable, arguments: arguments,
            environment: environment ?? ["PATH": "/usr/local/bin:/usr/bin:/bin", "TZ": "UTC", "LC_ALL": "C"],
            currentDirectory: currentDirectory, logDirectory: logs.path)
        try? child.write(input)  // EPIPE when the child quits early (a usage error) is fine
        try child.closeInput()
        let status = try child.waitForExit(timeout: timeout)
        return ProcessResult(
            status: status, stdout: FileManager.default.contents(atPath: child.stdoutPath) ?? Data(),
            stderr: FileManager.default.contents(atPath: child.stderrPath) ?? Data())
    }
}
