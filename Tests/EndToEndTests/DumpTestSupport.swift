import Foundation
import LogCompression
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A scratch tree for the dumper's end-to-end tests: sources, destination, state, and a config file.
final class DumpWorld: @unchecked Sendable {
    let directory: TemporaryDirectory
    var root: String { directory.path }
    var sources: String { root + "/containers" }
    var destination: String { root + "/dest" }
    var state: String { root + "/state" }
    var configPath: String { root + "/logdump.toml" }

    init(format: String = "zstd", extraGeneral: String = "", template: String = "access_log.%Y%m%d%H") throws {
        directory = try TemporaryDirectory("logdump-e2e")
        try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: sources, withIntermediateDirectories: true)
        let config = """
            [general]
            host = "e2e"
            state_directory = "\(state)"
            workers = 2
            \(extraGeneral)
            [sources]
            roots = ["\(sources)/{container}/weblogs/{site}"]
            template = "\(template)"
            time_zone = "UTC"
            grace = "0"
            quiet = "0"
            [compression]
            format = "\(format)"
            [destination]
            path = "\(destination)"
            """
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// Sets `key = value` (TOML text) in `[section]` of the config file, replacing the key if it is there.
    func setConfig(_ section: String, _ key: String, _ value: String) throws {
        var lines = try String(contentsOfFile: configPath, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeAll { $0.hasPrefix(key + " =") }
        if let header = lines.firstIndex(of: "[\(section)]") {
            lines.insert("\(key) = \(value)", at: header + 1)
        } else {
            lines += ["[\(section)]", "\(key) = \(value)"]
        }
        try lines.joined(separator: "\n").write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    func logPath(_ container: String, _ site: String, _ name: String) -> String {
        "\(sources)/\(container)/weblogs/\(site)/\(name)"
    }

    /// Writes sequence-numbered lines; every line in the whole test is unique ("<container> <site> <name> seq=N").
    @discardableResult
    func writeLog(_ container: String, _ site: String, _ name: String, lines: Range<Int>, padding: Int = 80) throws -> [String] {
        let path = logPath(container, site, name)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let pad = String(repeating: "x", count: padding)
        let generated = lines.map { "\(container) \(site) \(name) seq=\($0) \(pad)" }
        let text = generated.map { $0 + "\n" }.joined()
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return generated
    }

    /// Runs logdump on this world's config; with `environment` (fault hooks), the tests' `logdump-faults` build.
    func logdump(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        let binary = environment.isEmpty ? Executables.logdump : Executables.logdumpFaults
        return try runProcess(binary, arguments + ["--config", configPath], environment: env)
    }

    /// Every line of every compressed file at the destination, with how often it occurs.
    func shippedLines(under directory: String? = nil) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        let top = directory ?? destination
        for relative in try allFiles(top) where relative.hasSuffix(".zst") || relative.hasSuffix(".gz") {
            let text = try Self.decompress(top + "/" + relative)
            for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
                counts[String(line), default: 0] += 1
            }
        }
        return counts
    }

    func allFiles(_ top: String) throws -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: top) else { return [] }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            var info = stat()
            if lstat(top + "/" + relative, &info) == 0, info.st_mode & S_IFMT != S_IFDIR { files.append(relative) }
        }
        return files.sorted()
    }

    /// Files a run must never leave behind: temporary copies at the destination or in the state directory.
    func leftoverTemporaries() throws -> [String] {
        let atDestination = try allFiles(destination).filter { $0.hasSuffix(".logdump-tmp") || ($0 as NSString).lastPathComponent.hasPrefix(".") }
        let inState = try allFiles(state).filter { $0.hasSuffix(".tmp") }
        return atDestination + inState
    }

    static func decompress(_ path: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let decompressor = try Codec.decompressor(path.hasSuffix(".gz") ? .gzip : .zstd)
        var out: [UInt8] = []
        try data.withUnsafeBytes { try decompressor.decompress($0) { out.append(contentsOf: $0) } }
        try decompressor.finish()
        return String(decoding: out, as: UTF8.self)
    }

    /// Checks every expected line arrived exactly once and nothing else did.
    func expectEveryLineExactlyOnce(_ expected: Set<String>, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let shipped = try shippedLines()
        let missing = expected.subtracting(shipped.keys)
        let duplicated = shipped.filter { $0.value > 1 }
        let unexpected = Set(shipped.keys).subtracting(expected)
        #expect(missing.isEmpty, "\(missing.count) lines never shipped, e.g. \(missing.sorted().prefix(3))", sourceLocation: sourceLocation)
        #expect(duplicated.isEmpty, "\(duplicated.count) lines shipped more than once, e.g. \(duplicated.keys.sorted().prefix(3))", sourceLocation: sourceLocation)
        #expect(unexpected.isEmpty, "\(unexpected.count) unexpected lines, e.g. \(unexpected.sorted().prefix(3))", sourceLocation: sourceLocation)
    }
}

/// Starts `logdump` without waiting, to kill it.
func startProcess(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    process.environment = env
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
}
