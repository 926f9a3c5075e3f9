import Foundation
import Testing

/// Symlinks and special files planted below the trusted root by an untrusted writer (a container that
/// shares the weblogs folder), against logsplit running as root: refused, moved aside, reported, and
/// nothing written through them.
@Suite
struct SplitterSymlinkEndToEndTests {
    private let fm = FileManager.default

    /// A victim file outside the root that root must never append to.
    private func victim(in dir: TemporaryDirectory) throws -> String {
        let path = dir.join("victim")
        try "precious\n".write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    private func entries(_ dir: String) -> [String] { ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).sorted() }

    private func isSymlink(_ path: String) -> Bool {
        (try? fm.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeSymbolicLink
    }

    @Test func symlinkPlantedAsTheFileIsRefused() throws {
        let dir = try TemporaryDirectory("logsplit-symlink-file")
        let logs = dir.join("logs")
        try fm.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let victim = try victim(in: dir)
        let name = "out." + strftimeNow("%Y%m%d")
        try fm.createSymbolicLink(atPath: logs + "/" + name, withDestinationPath: victim)

        let run = try PipedProcess.run(Executables.logsplit, ["\(logs)/out.%Y%m%d"], input: FaultLines.text(1...50))

        #expect(run.status == 0, "\(run.stderr)")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
        #expect(run.stderr.contains("\(logs)/\(name)"), "the report names the path:\n\(run.stderr)")
        let aside = entries(logs).filter { $0.hasPrefix(name + ".refused-symlink-") }
        #expect(aside.count == 1 && isSymlink(logs + "/" + aside[0]), "\(entries(logs))")
        #expect(!isSymlink(logs + "/" + name))
        let report = try WrittenLogs(directory: logs).sequence { FaultLines.number($0) }
        #expect(report.problems(expecting: 1...50) == nil)
        #expect(logsplitStat("refused_paths", in: run.stderr) == 1)
    }

    @Test func symlinkPlantedAsADirectoryComponentIsRefused() throws {
        let dir = try TemporaryDirectory("logsplit-symlink-dir")
        let logs = dir.join("logs")
        let elsewhere = dir.join("elsewhere")
        try fm.createDirectory(atPath: logs, withIntermediateDirectories: true)
        try fm.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        let year = strftimeNow("%Y")
        try fm.createSymbolicLink(atPath: logs + "/" + year, withDestinationPath: elsewhere)

        let run = try PipedProcess.run(Executables.logsplit, ["\(logs)/%Y/%m/out.%d"], input: FaultLines.text(1...50))

        #expect(run.status == 0, "\(run.stderr)")
        #expect(entries(elsewhere).isEmpty, "written through the symlink: \(entries(elsewhere))")
        #expect(run.stderr.contains("\(logs)/\(year)"), "the report names the path:\n\(run.stderr)")
        #expect(entries(logs).filter { $0.hasPrefix(year + ".refused-symlink-") }.count == 1, "\(entries(logs))")
        let report = try WrittenLogs(directory: logs + "/" + year).sequence { FaultLines.number($0) }
        #expect(report.problems(expecting: 1...50) == nil)
        #expect(logsplitStat("refused_paths", in: run.stderr) == 1)
    }

    @Test func danglingSymlinkIsRefusedAndItsTargetNeverCreated() throws {
        let dir = try TemporaryDirectory("logsplit-symlink-dangling")
        let logs = dir.join("logs")
        try fm.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let target = dir.join("created-through-link")
        let name = "out." + strftimeNow("%Y%m%d")
        try fm.createSymbolicLink(atPath: logs + "/" + name, withDestinationPath: target)

        let run = try PipedProcess.run(Executables.logsplit, ["\(logs)/out.%Y%m%d"], input: FaultLines.text(1...50))

        #expect(run.status == 0, "\(run.stderr)")
        #expect(!fm.fileExists(atPath: target))
        #expect(run.stderr.contains("\(logs)/\(name)"), "\(run.stderr)")
        #expect(entries(logs).filter { $0.hasPrefix(name + ".refused-symlink-") }.count == 1, "\(entries(logs))")
        #expect(try WrittenLogs(directory: logs).sequence { FaultLines.number($0) }.problems(expecting: 1...50) == nil)
    }

    /// A symlink that appears while logsplit runs (planted for the next file, a new site) is refused too.
    @Test func symlinkPlantedWhileRunningIsRefused() throws {
        let dir = try TemporaryDirectory("logsplit-symlink-late")
        let logs = dir.join("logs")
        let victim = try victim(in: dir)
        let splitter = try PipedProcess(Executables.logsplit, ["--site-field", "\(logs)/{site}/out.%Y%m%d"])
        try splitter.write(FaultLines.text(1...10).split(separator: "\n").map { "alpha \($0)\n" }.joined())
        try pollUntil("alpha's lines", timeout: 30) { fm.fileExists(atPath: logs + "/alpha") }
        try fm.createDirectory(atPath: logs + "/beta", withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: logs + "/beta/out." + strftimeNow("%Y%m%d"), withDestinationPath: victim)
        try splitter.write(FaultLines.text(11...20).split(separator: "\n").map { "beta \($0)\n" }.joined())
        try splitter.closeInput()
        let status = try splitter.waitForExit()

        #expect(status == 0, "\(splitter.stderrText)")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
        #expect(try WrittenLogs(directory: logs).sequence { FaultLines.number($0) }.problems(expecting: 1...20) == nil)
        #expect(logsplitStat("refused_paths", in: splitter.stderrText) == 1)
    }

    @Test func fifoPlantedAsTheFileIsRefusedWithoutBlocking() throws {
        let dir = try TemporaryDirectory("logsplit-fifo")
        let logs = dir.join("logs")
        try fm.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let name = "out." + strftimeNow("%Y%m%d")
        #expect(mkfifo(logs + "/" + name, 0o644) == 0)

        let run = try PipedProcess.run(Executables.logsplit, ["\(logs)/out.%Y%m%d"], input: FaultLines.text(1...50), timeout: 30)

        #expect(run.status == 0, "\(run.stderr)")
        #expect(entries(logs).filter { $0.hasPrefix(name + ".refused-fifo-") }.count == 1, "\(entries(logs))")
        #expect(try WrittenLogs(directory: logs).sequence { FaultLines.number($0) }.problems(expecting: 1...50) == nil)
    }

    /// The -S/-P link names live below the root too: a symlinked folder on their way is refused, and
    /// nothing (not even a link) is created through it.
    @Test func linkFolderPlantedAsSymlinkIsRefused() throws {
        let dir = try TemporaryDirectory("logsplit-symlink-links")
        let logs = dir.join("logs")
        let elsewhere = dir.join("elsewhere")
        try fm.createDirectory(atPath: logs, withIntermediateDirectories: true)
        try fm.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: logs + "/links", withDestinationPath: elsewhere)

        let run = try PipedProcess.run(Executables.logsplit, [
            "-S", "\(logs)/links/current", "-P", "\(logs)/links/previous", "\(logs)/out.%Y%m%d",
        ], input: FaultLines.text(1...20))

        #expect(run.status == 0, "\(run.stderr)")
        #expect(entries(elsewhere).isEmpty, "created through the symlink: \(entries(elsewhere))")
        #expect(entries(logs).filter { $0.hasPrefix("links.refused-symlink-") }.count == 1, "\(entries(logs))")
        #expect(!isSymlink(logs + "/links"))
        #expect(try WrittenLogs(directory: logs).sequence { FaultLines.number($0) }.problems(expecting: 1...20) == nil)
    }
}
