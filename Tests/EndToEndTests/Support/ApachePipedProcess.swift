import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A program running in the background with a pipe on its stdin, the way Apache runs a piped logger:
/// the test writes lines, sends signals, looks at `/proc`, and finally closes stdin and waits.
final class PipedProcess: @unchecked Sendable {
    private let process = Process()
    private let input = Pipe()
    private let lock = NSLock()
    private var errorText = Data()
    private var outputText = Data()
    private let readers = DispatchGroup()

    init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws {
        // A test writing to a logger that died must get EPIPE, not die of SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = Pipe(), error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        collect(output.fileHandleForReading) { self.outputText.append($0) }
        collect(error.fileHandleForReading) { self.errorText.append($0) }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    var pid: pid_t { process.processIdentifier }

    private func collect(_ handle: FileHandle, _ append: @escaping @Sendable (Data) -> Void) {
        DispatchQueue.global().async(group: readers) {
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { return }
                self.lock.lock()
                append(chunk)
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
        try input.fileHandleForWriting.write(contentsOf: data)
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

    func closeInput() throws { try input.fileHandleForWriting.close() }

    func send(_ signal: Int32) { kill(process.processIdentifier, signal) }

    var isRunning: Bool { process.isRunning }

    /// Waits (bounded) for the program to exit and returns its exit status; kills it on timeout.
    @discardableResult
    func waitForExit(timeout: Double = 60) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                kill(process.processIdentifier, SIGKILL)
                throw TimedOut(what: "\(process.executableURL?.lastPathComponent ?? "process") to exit", seconds: timeout)
            }
            usleep(20_000)
        }
        process.waitUntilExit()
        _ = readers.wait(timeout: .now() + 10)
        return process.terminationStatus
    }

    /// The value in kB of a field of `/proc/PID/status` such as `VmHWM` (peak resident memory).
    func procStatus(_ field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.dropFirst(field.count + 1).split(separator: " ").first ?? "")
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
