import Foundation

/// Locates the executables built by this package, for tests that run them as real processes.
///
/// The test runner lives in the same build folder as the products (`.build/<triple>/debug/`),
/// so the binaries are found next to `/proc/self/exe`. `LOGSPLIT_BIN_DIR` overrides this,
/// for example to test a release build.
enum Executables {
    static var buildDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["LOGSPLIT_BIN_DIR"] {
            return URL(fileURLWithPath: dir)
        }
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: me).deletingLastPathComponent()
        // Swift Testing on Linux may run from `<name>.xctest`, itself a file in the build folder.
        while !FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("logsplit").path),
              dir.path != "/" {
            dir.deleteLastPathComponent()
        }
        return dir
    }

    static var logsplit: String { built("logsplit") }
    static var logdump: String { built("logdump") }
    /// logdump with the tests' fault hooks (`LOGDUMP_TEST_STEP_DELAY_MS`, `LOGDUMP_TEST_CORRUPT_DESTINATION`).
    static var logdumpFaults: String { built("logdump-faults") }

    /// A product of this package; the tests do not depend on the executable targets (that would link their
    /// modules into the test runner), so `make test` builds them first with `swift build --build-tests`.
    static func built(_ name: String) -> String {
        let path = buildDirectory.appendingPathComponent(name).path
        precondition(FileManager.default.isExecutableFile(atPath: path),
                     "\(path) is not built: run `swift build --build-tests` before `swift test` (make test does)")
        return path
    }

    /// The path of a program the tests need from the system, or a failure that names the Debian package.
    static func system(_ name: String, package: String) throws -> String {
        for dir in ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"] {
            let path = dir + "/" + name
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw MissingComponent(name: name, package: package)
    }
}

/// A real component a test needs is not installed: the test fails loudly, it never skips.
struct MissingComponent: Error, CustomStringConvertible {
    let name: String
    let package: String
    var description: String { "\(name) is not installed: run `apt-get install -y \(package)` (.ci/run does this)" }
}

/// A fresh directory under /tmp, removed when the test is done with it.
final class TemporaryDirectory: @unchecked Sendable {
    let path: String
    init(_ label: String = "logsplit-test") throws {
        var template = Array("/tmp/\(label).XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw POSIXError(.EIO)
        }
        path = String(cString: made)
    }
    func join(_ name: String) -> String { path + "/" + name }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// The outcome of running a process to completion.
struct ProcessResult {
    let status: Int32
    let stdout: Data
    let stderr: Data
    var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs `executable` with `arguments`, feeding `input` on stdin, and waits for it to exit.
func runProcess(
    _ executable: String, _ arguments: [String], input: Data = Data(),
    environment: [String: String]? = nil, currentDirectory: String? = nil
) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
    let stdin = closeOnExecPipe(), stdout = closeOnExecPipe(), stderr = closeOnExecPipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    // Drain the output pipes on other threads so a chatty child never blocks.
    nonisolated(unsafe) var out = Data(), err = Data()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) { out = stdout.fileHandleForReading.readDataToEndOfFile() }
    DispatchQueue.global().async(group: group) { err = stderr.fileHandleForReading.readDataToEndOfFile() }
    try stdin.fileHandleForWriting.write(contentsOf: input)
    try stdin.fileHandleForWriting.close()
    process.waitUntilExit()
    group.wait()
    return ProcessResult(status: process.terminationStatus, stdout: out, stderr: err)
}
