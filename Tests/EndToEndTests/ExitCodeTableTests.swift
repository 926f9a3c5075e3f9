import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The README's exit-code tables are a contract with cron, systemd and Apache: every status documented there
/// is produced by a real case here, and no case produces a status the table does not list.
@Suite(.serialized) struct ExitCodeTableTests {
    static var readme: String {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md").path
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    /// The statuses in the first Markdown table after the line `heading`.
    static func documentedStatuses(after heading: String) -> [Int32] {
        guard let start = readme.range(of: heading) else { return [] }
        var statuses: [Int32] = []
        var inTable = false
        for line in readme[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropFirst() {
            if line.hasPrefix("|") {
                inTable = true
                let first = line.split(separator: "|").first?.trimmingCharacters(in: .whitespaces) ?? ""
                if let status = Int32(first) { statuses.append(status) }
            } else if inTable {
                break
            }
        }
        return statuses
    }

    @Test func everyLogsplitStatusInTheReadmeHappensAsDocumented() throws {
        let documented = Self.documentedStatuses(after: "## Exit status of logsplit")
        let directory = try TemporaryDirectory("exit-table")
        let logs = directory.join("logs")
        let cases: [Int32: () throws -> ProcessResult] = [
            0: { try runProcess(Executables.logsplit, [logs + "/ok.%Y%m%d%H"], input: Data("a line\n".utf8)) },
            1: { try runProcess(Executables.logsplit, ["--no-such-option", logs + "/x.%Y"]) },
            // The trusted root would have to be created below a regular file.
            2: { try runProcess(Executables.logsplit, ["/etc/hostname/sub/x.%Y%m%d%H"], input: Data("a line\n".utf8)) },
            // Standard input that cannot be read: a directory.
            4: { try runProcess("/bin/sh", ["-c", "exec \"$0\" \"$1\" < /", Executables.logsplit, logs + "/in.%Y"]) },
            // A directory nothing can be created in, even by root: the line waits, is retried, then counted as dropped.
            5: {
                let locked = directory.join("locked")
                try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: true)
                try FaultInjection.setImmutable(locked, true)
                defer { try? FaultInjection.setImmutable(locked, false) }
                return try runProcess(Executables.logsplit, ["--drain-timeout", "1sec", locked + "/x.%Y%m%d%H"],
                                      input: Data("a line\n".utf8))
            },
        ]
        #expect(documented.sorted() == cases.keys.sorted(), "README documents \(documented), tested \(cases.keys.sorted())")
        for (status, run) in cases.sorted(by: { $0.key < $1.key }) {
            let result = try run()
            #expect(result.status == status, "logsplit exit \(status) case gave \(result.status): \(result.stderrText)")
        }
    }

    @Test func everyLogdumpStatusInTheReadmeHappensAsDocumented() throws {
        let documented = Self.documentedStatuses(after: "| exit | meaning |")
        let cases: [Int32: () throws -> ProcessResult] = [
            0: {
                let world = try DumpWorld()
                try world.writeLog("c1", "www", "access_log.2026112001", lines: 0..<5)
                return try world.logdump(["run"])
            },
            1: { try DumpWorld().logdump(["run", "--time-zone", "Mars/Olympus_Mons"]) },
            // The original cannot be removed (its folder is immutable): the file failed, the copy is verified.
            2: {
                let world = try DumpWorld()
                try world.writeLog("c1", "www", "access_log.2026112001", lines: 0..<5)
                let folder = world.sources + "/c1/weblogs/www"
                try FaultInjection.setImmutable(folder, true)
                defer { try? FaultInjection.setImmutable(folder, false) }
                return try world.logdump(["run"])
            },
            3: {
                let world = try DumpWorld()
                try FileManager.default.createDirectory(atPath: world.state, withIntermediateDirectories: true)
                let lock = open(world.state + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
                defer { close(lock) }
                #expect(flock(lock, LOCK_EX) == 0)
                return try world.logdump(["run"])
            },
            4: { try DumpWorld().logdump(["run", "--destination", "/nonexistent/share"]) },
        ]
        #expect(documented.sorted() == cases.keys.sorted(), "README documents \(documented), tested \(cases.keys.sorted())")
        for (status, run) in cases.sorted(by: { $0.key < $1.key }) {
            let result = try run()
            #expect(result.status == status, "logdump exit \(status) case gave \(result.status): \(result.stderrText)")
        }
    }
}
