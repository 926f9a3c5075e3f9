import LinuxSystem
import LogShipCore
#if canImport(Glibc)
import Glibc
#endif

/// Prometheus textfile-collector output (node_exporter `--collector.textfile.directory`), written atomically:
/// `run` writes `[metrics] textfile` after each run, `tail` its own file beside it (`tailTextfilePath`).
public enum Metrics {
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
        try replace(path: path, text: text)
    }

    /// Replaces the file at `path` (absolute) with `text`: temporary file, fsync, rename. node_exporter never
    /// reads half a file, and never the temporary one (it reads `*.prom`; the temporary name ends in `.tmp`).
    /// Mode 0644: node_exporter runs as its own user and must read it; it holds counts and names, no secrets.
    public static func replace(path: String, text: String) throws(SystemError) {
        let slash = path.lastIndex(of: "/")!
        let directory = String(path[..<slash]).isEmpty ? "/" : String(path[..<slash])
        let name = String(path[path.index(after: slash)...])
        let fd = try FileDescriptor.open(directory, O_RDONLY | O_DIRECTORY)
        try AtomicFile.write(Array(text.utf8), to: name, in: fd, directoryPath: directory, mode: 0o644)
    }

    /// Where `logdump tail` writes its metrics, beside `run`'s `textfile`: `logdump.prom` gives
    /// `logdump-tail.prom`; a name not ending in `.prom` gets `-tail.prom` appended. "" (metrics off) gives "".
    public static func tailTextfilePath(_ textfile: String) -> String {
        guard !textfile.isEmpty else { return "" }
        return textfile.hasSuffix(".prom") ? String(textfile.dropLast(5)) + "-tail.prom" : textfile + "-tail.prom"
    }

    /// A label value in the text format: backslash, double quote and line feed escaped (container and site
    /// names come from directories the containers can write).
    public static func label(_ s: String) -> String {
        s.replacingOccurrencesOf("\\", with: "\\\\").replacingOccurrencesOf("\"", with: "\\\"").replacingOccurrencesOf("\n", with: "\\n")
    }
}
