import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The real `logdump tail` binary, run on a world's config; its stderr is appended to `logPath` (one file over
/// restarts, so a test reads every message of every run).
final class TailProcess {
    let process = Process()
    let logPath: String

    /// `executable`: the logdump to run (the build under test unless a test names another, e.g. the release one).
    init(configPath: String, logPath: String, executable: String = Executables.logdump) throws {
        self.logPath = logPath
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["tail", "--config", configPath]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try handle.seekToEnd()
        process.standardError = handle
        try process.run()
        try handle.close()
    }

    var pid: Int32 { process.processIdentifier }

    /// SIGKILL, as a crash: nothing is saved on the way out.
    func crash() {
        kill(pid, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM; the exit status.
    func stop() -> Int32 {
        if process.isRunning { kill(pid, SIGTERM) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The peak resident set (VmHWM) so far, in KiB; nil once the process is gone.
    func peakResidentKiB() -> Int? { statusKiB("VmHWM") }

    /// The anonymous memory resident now (RssAnon: heap and stacks, what would grow with a backlog held in
    /// memory; code and libraries are RssFile), in KiB; nil once the process is gone.
    func anonymousResidentKiB() -> Int? { statusKiB("RssAnon") }

    /// A `kB` field of /proc/<pid>/status.
    private func statusKiB(_ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "")
        }
        return nil
    }

    /// Everything tail printed so far, over all its runs on this log.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The paths tail's checkpoint file under `stateDirectory` says are finished (closed, every byte acknowledged).
    static func finishedFiles(stateDirectory: String) -> Set<String> {
        guard let data = FileManager.default.contents(atPath: stateDirectory + "/v1/tail/checkpoints.json"),
              let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let files = document["files"] as? [[String: Any]] else { return [] }
        return Set(files.filter { ($0["finished"] as? Bool) == true }.compactMap { $0["path"] as? String })
    }

    /// Waits, at most `seconds`, until `done` holds (what the receiver has, what tail logged, ...).
    static func waitUntil(_ seconds: Double, _ done: () -> Bool) {
        let end = Date().addingTimeInterval(seconds)
        while !done() && Date() < end { usleep(100_000) }
    }
}
