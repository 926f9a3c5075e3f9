import LinuxSystem
import LogShipCore
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
        let fd = try FileDescriptor.open(directory, O_RDONLY | O_DIRECTORY)
        // node_exporter reads *.prom: the temporary name must not end in .prom.
        try AtomicFile.write(Array(text.utf8), to: name, in: fd, directoryPath: directory)
    }

    static func label(_ s: String) -> String {
        s.replacingOccurrencesOf("\\", with: "\\\\").replacingOccurrencesOf("\"", with: "\\\"").replacingOccurrencesOf("\n", with: "\\n")
    }
}
