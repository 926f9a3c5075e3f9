import Foundation
import Testing

/// `--version` names the release (Sources/CBuildInfo/release.h, which the packages take their version from)
/// and the commit: a bug report or a fleet inventory says exactly what runs.
@Suite struct PackagingVersionTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The release written in release.h.
    static func release() throws -> String {
        let header = try String(contentsOfFile: packageRoot + "/Sources/CBuildInfo/release.h", encoding: .utf8)
        let line = try #require(header.split(separator: "\n").first { $0.hasPrefix("#define LOGSPLIT_RELEASE \"") })
        return String(line.split(separator: "\"")[1])
    }

    @Test(arguments: ["logsplit", "logdump"])
    func versionNamesTheReleaseAndTheCommit(program: String) throws {
        let result = try runProcess(Executables.built(program), ["--version"])
        #expect(result.status == 0, "\(result.stderrText)")
        let line = result.stdoutText.trimmingCharacters(in: .newlines)
        let prefix = "\(program) version \(try Self.release()) (commit "
        #expect(line.hasPrefix(prefix) && line.hasSuffix(")"), "\(line)")
        // A Makefile build names the commit (7 hex digits, -dirty for uncommitted sources); `swift build` says unknown.
        let commit = line.dropFirst(prefix.count).dropLast()
        let hash = commit.hasSuffix("-dirty") ? commit.dropLast("-dirty".count) : commit
        #expect(commit == "unknown" || (hash.count == 7 && hash.allSatisfy(\.isHexDigit)), "\(line)")
    }
}
