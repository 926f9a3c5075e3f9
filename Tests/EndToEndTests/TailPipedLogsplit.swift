import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A logsplit fed by the test through a pipe, as Apache feeds it.
final class PipedLogsplit: @unchecked Sendable {
    let process = Process()
    private let input = Pipe()

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: Executables.logsplit)
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Not inherited by what the test starts later (a receiver restarted through system(3) would keep the
        // pipe open, and logsplit would never see its end).
        _ = fcntl(input.fileHandleForWriting.fileDescriptor, F_SETFD, FD_CLOEXEC)
    }

    func write(_ lines: [String]) throws {
        try input.fileHandleForWriting.write(contentsOf: Data(lines.map { $0 + "\n" }.joined().utf8))
    }

    func finish() throws {
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
