import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A logsplit fed by the test through a pipe, as Apache feeds it.
final class PipedLogsplit: @unchecked Sendable {
    let process = Process()
    private let input = closeOnExecPipe()

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: Executables.logsplit)
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    func write(_ lines: [String]) throws {
        try input.fileHandleForWriting.write(contentsOf: Data(lines.map { $0 + "\n" }.joined().utf8))
    }

    func finish() throws {
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
