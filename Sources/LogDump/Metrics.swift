#if canImport(Glibc)
import Glibc
#endif

/// Prometheus textfile-collector output (node_exporter `--collector.textfile.directory`), written atomically.
enum Metrics {
    static func write(path: String, summary: RunSummary, perSite: [String: SiteCounters]) throws {
        var text = ""
        func family(_ name: String, _ type: String, _ help: String) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        family("logdump_last_run_timestamp_seconds", "gauge", "When the last logdump run finished.")
        text += "logdump_last_run_timestamp_seconds \(summary.finishedAt)\n"
        family("logdump_last_run_duration_seconds", "gauge", "How long the last logdump run took.")
        text += "logdump_last_run_duration_seconds \(summary.finishedAt - summary.startedAt)\n"
        family("logdump_last_run_exit_code", "gauge", "Exit code of the last run (0 = everything shipped).")
        text += "logdump_last_run_exit_code \(summary.exitCode)\n"
        let sorted = perSite.sorted { $0.key < $1.key }
        let series: [(String, String, (SiteCounters) -> Int)] = [
            ("logdump_files_shipped", "Files (or parts) shipped and verified by the last run.", { $0.shipped }),
            ("logdump_files_failed", "Files that failed in the last run (retried next run).", { $0.failed }),
            ("logdump_bytes_in", "Uncompressed bytes shipped by the last run.", { $0.bytesIn }),
            ("logdump_bytes_out", "Compressed bytes shipped by the last run.", { $0.bytesOut }),
        ]
        for (name, help, value) in series {
            family(name, "gauge", help)
            for (key, counters) in sorted {
                let parts = key.split(separator: "\u{0}", omittingEmptySubsequences: false)
                text += "\(name){container=\"\(label(String(parts[0])))\",site=\"\(label(String(parts.count > 1 ? parts[1] : "_")))\"} \(value(counters))\n"
            }
        }
        let slash = path.lastIndex(of: "/")!
        let directory = String(path[..<slash]).isEmpty ? "/" : String(path[..<slash])
        let name = String(path[path.index(after: slash)...])
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open", directory) }
        defer { close(fd) }
        // node_exporter reads *.prom: the temporary name must not end in .prom.
        try FileSystem.writeAtomically(fd, name, Array(text.utf8), directoryPath: directory)
    }

    static func label(_ s: String) -> String {
        s.replacingOccurrencesOf("\\", with: "\\\\").replacingOccurrencesOf("\"", with: "\\\"").replacingOccurrencesOf("\n", with: "\\n")
    }
}

/// A one-line progress bar on stderr (only when stderr is a terminal).
final class ProgressBar: @unchecked Sendable {
    let total: Int
    var done = 0
    var bytes = 0
    let lock = NSLockish()

    init?(total: Int) {
        guard isatty(2) == 1 else { return nil }
        self.total = total
        draw()
    }

    func advance(bytes n: Int) {
        lock.locked {
            done += 1
            bytes += n
            draw()
        }
    }

    func draw() {
        let width = 30
        let filled = total == 0 ? width : done * width / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = "\rlogdump [\(bar)] \(done)/\(total) files, \(bytes / 1_000_000) MB in"
        _ = line.withCString { write(2, $0, strlen($0)) }
    }

    func finish() {
        _ = "\n".withCString { write(2, $0, 1) }
    }
}

/// A pthread mutex, for the few places that lock around non-Sendable state.
final class NSLockish: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func locked<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }
}
