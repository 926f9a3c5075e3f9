import Foundation
import Testing

/// The release logsplit (the static binary copied into the web containers) needs no glibc newer than 2.28
/// (RHEL 8), and runs under an older glibc than the build host's: Debian 11's 2.31 loader and libraries.
/// README "Which glibc logsplit needs"; the shims are in Sources/CSplitterEarlySignals/glibc_floor.c.
///
/// The binary is the one `make release-binaries` builds (`.build-pkg/release/logsplit`; in `make test`,
/// scripts/check-packages.sh builds it before `swift test`), or `LOGSPLIT_RELEASE_BIN`.
@Suite struct GlibcFloorTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let floor = [2, 28]
    /// Libraries the release binary may name; each is part of glibc or GCC's runtime on every distribution.
    static let allowedLibraries: Set<String> = [
        "libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "libgcc_s.so.1", "ld-linux-x86-64.so.2",
    ]

    static func releaseBinary() throws -> String {
        let path = ProcessInfo.processInfo.environment["LOGSPLIT_RELEASE_BIN"]
            ?? packageRoot + "/.build-pkg/release/logsplit"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw MissingRelease(path: path)
        }
        return path
    }

    struct MissingRelease: Error, CustomStringConvertible {
        let path: String
        var description: String {
            "no release logsplit at \(path): run `make release-binaries` (make test does), or set LOGSPLIT_RELEASE_BIN"
        }
    }

    /// Every `GLIBC_x.y[.z]` version the binary's dynamic symbols ask for, and the other version names.
    static func symbolVersions(of binary: String) throws -> (glibc: [[Int]], others: Set<String>) {
        let objdump = try Executables.system("objdump", package: "binutils")
        let result = try runProcess(objdump, ["-T", binary])
        #expect(result.status == 0, "\(result.stderrText)")
        var glibc: [[Int]] = []
        var others: Set<String> = []
        for line in result.stdoutText.split(separator: "\n") {
            for field in line.split(separator: " ") {
                let name = field.trimmingCharacters(in: CharacterSet(charactersIn: "()"))
                if name.hasPrefix("GLIBC_"), let version = Self.version(name.dropFirst("GLIBC_".count)) {
                    glibc.append(version)
                } else if name.hasPrefix("GLIBCXX_") || name.hasPrefix("CXXABI_") || name.hasPrefix("GCC_") {
                    others.insert(name)
                }
            }
        }
        return (glibc, others)
    }

    static func version(_ text: Substring) -> [Int]? {
        let parts = text.split(separator: ".").map { Int($0) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { return nil }
        return parts.map { $0! }
    }

    @Test func theReleaseBinaryAsksForNoGlibcSymbolNewerThan2_28() throws {
        let binary = try Self.releaseBinary()
        let (glibc, others) = try Self.symbolVersions(of: binary)
        #expect(!glibc.isEmpty, "no GLIBC versions found in \(binary): is it dynamically linked?")
        let newer = glibc.filter { $0.lexicographicallyPrecedes(Self.floor) == false && $0 != Self.floor }
        #expect(newer.isEmpty, "newer than GLIBC_2.28: \(Set(newer.map { $0.map(String.init).joined(separator: ".") }).sorted())")
        // libstdc++ is linked in (its GLIBCXX_3.4.29 would need GCC 11's runtime); libgcc_s's GCC_ versions are old.
        #expect(others.filter { !$0.hasPrefix("GCC_") }.isEmpty, "C++ runtime versions: \(others.sorted())")
    }

    @Test func theReleaseBinaryNamesOnlyGlibcAndGccRuntimeLibraries() throws {
        let binary = try Self.releaseBinary()
        let objdump = try Executables.system("objdump", package: "binutils")
        let result = try runProcess(objdump, ["-p", binary])
        let needed = result.stdoutText.split(separator: "\n")
            .filter { $0.contains("NEEDED") }
            .compactMap { $0.split(separator: " ").last.map(String.init) }
        #expect(!needed.isEmpty)
        #expect(Set(needed).subtracting(Self.allowedLibraries).isEmpty, "\(needed)")
        // glibc before 2.34 keeps the pthread and dl functions there.
        #expect(needed.contains("libpthread.so.0") && needed.contains("libdl.so.2"), "\(needed)")
    }

    @Test func theReleaseBinarySplitsLinesUnderDebian11sGlibc2_31() throws {
        let binary = try Self.releaseBinary()
        let cache = ProcessInfo.processInfo.environment["LOGSPLIT_OLD_GLIBC_CACHE"] ?? "/var/cache/logsplit-tests/glibc-2.31"
        let fetch = try runProcess("/bin/bash", [Self.packageRoot + "/scripts/old-glibc-root.sh", cache])
        try #require(fetch.status == 0, "cannot unpack Debian 11's glibc (deb.debian.org): \(fetch.stderrText)")
        let root = fetch.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        let lib = root + "/lib/x86_64-linux-gnu"
        let loader = lib + "/ld-linux-x86-64.so.2"
        let oldGlibc = ["--library-path", lib, binary]

        // The loader is the old one, and it resolves every symbol the binary names (LD_BIND_NOW).
        let version = try runProcess(loader, oldGlibc + ["--version"], environment: ["LD_BIND_NOW": "1"])
        #expect(version.status == 0, "\(version.stderrText)")
        #expect(version.stdoutText.hasPrefix("logsplit version "), "\(version.stdoutText)")
        let libc = try runProcess(loader, ["--library-path", lib, lib + "/libc.so.6"])
        #expect(libc.stdoutText.contains("release version 2.31"), "\(libc.stdoutText)")

        let dir = try TemporaryDirectory("glibc-floor")
        let lines = (1...20_000).map { "site\($0 % 7) 192.0.2.7 - - [26/Nov/2026:14:00:00 +0000] \"GET /seq/\($0) HTTP/1.1\" 200 512\n" }
        let split = try runProcess(
            loader, oldGlibc + ["--site-field", "-s", "26 Nov 2026 14:00:00", "-z", "UTC", dir.path + "/{site}/access_log.%Y%m%d%H"],
            input: Data(lines.joined().utf8), environment: ["LD_BIND_NOW": "1"])
        #expect(split.status == 0, "\(split.stderrText)")
        #expect(split.stderrText.contains("stats lines=20000 "), "\(split.stderrText)")
        var total = 0
        for site in 0..<7 {
            let text = try String(contentsOfFile: dir.path + "/site\(site)/access_log.2026112614", encoding: .utf8)
            total += text.split(separator: "\n").count
        }
        #expect(total == 20_000)
    }
}
