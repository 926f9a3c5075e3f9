import LogDump

/// The Prometheus text (exposition format 0.0.4) `logdump tail` writes beside `run`'s `[metrics] textfile`
/// (`Metrics.tailTextfilePath`) every few seconds and at shutdown: the counters since tail started (`counter`,
/// with `logdump_tail_start_time_seconds` to tell a restart), whether the receiver is reachable, and the lag of
/// each file followed now (`gauge`; finished files have none, so the series stay bounded by the files on disk).
/// Every series is labelled with the host; label values are escaped (container and site names are untrusted).
/// Pure: the caller gives the values.
public enum TailMetrics {
    /// One followed file's lag: bytes not yet acknowledged, and how long the oldest of them has waited at most.
    public struct FileLag: Sendable, Equatable {
        public var container: String
        public var site: String
        public var file: String
        public var bytes: Int64
        public var seconds: Double

        public init(container: String, site: String, file: String, bytes: Int64, seconds: Double) {
            self.container = container
            self.site = site
            self.file = file
            self.bytes = bytes
            self.seconds = seconds
        }
    }

    /// The counter families: name, help, value.
    static let counterFamilies: [(String, String, @Sendable (TailCounters) -> Int64)] = [
        ("logdump_tail_lines_read_total", "Lines read from the hour files for the first time.", { $0.linesRead }),
        ("logdump_tail_bytes_read_total", "Bytes of the lines read for the first time (newlines included).", { $0.bytesRead }),
        ("logdump_tail_lines_sent_total", "Lines handed to the receiver, first time or again.", { $0.linesSent }),
        ("logdump_tail_bytes_sent_total", "Bytes of the lines handed to the receiver.", { $0.bytesSent }),
        ("logdump_tail_lines_resent_total",
         "Lines handed over again after an attempt that was not acknowledged (interrupted delivery, restart replay).",
         { $0.linesResent }),
        ("logdump_tail_bytes_resent_total", "Bytes of the lines handed over again.", { $0.bytesResent }),
        ("logdump_tail_lines_acknowledged_total", "Lines the receiver acknowledged.", { $0.linesAcknowledged }),
        ("logdump_tail_bytes_acknowledged_total", "Bytes of the lines the receiver acknowledged.", { $0.bytesAcknowledged }),
        ("logdump_tail_lines_split_total", "Lines longer than max_message_bytes, sent as numbered parts.", { $0.linesSplit }),
        ("logdump_tail_reconnects_total", "Deliveries that got lines through again after a failed one.", { $0.reconnects }),
        ("logdump_tail_outages_total", "Times the receiver became unreachable.", { $0.outages }),
        ("logdump_tail_delivery_failures_total", "Deliveries that failed (every retry counted).", { $0.deliveryFailures }),
    ]

    public static func render(host: String, startedAt: Int, receiverUp: Bool, counters: TailCounters, filesFollowed: Int,
                              files: [FileLag]) -> String {
        var text = ""
        let hostLabel = "host=\"\(Metrics.label(host))\""
        func family(_ name: String, _ type: String, _ help: String) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        family("logdump_tail_start_time_seconds", "gauge", "When this logdump tail started; the counters count from then.")
        text += "logdump_tail_start_time_seconds{\(hostLabel)} \(startedAt)\n"
        for (name, help, value) in counterFamilies {
            family(name, "counter", help)
            text += "\(name){\(hostLabel)} \(value(counters))\n"
        }
        family("logdump_tail_receiver_up", "gauge", "1 while the receiver takes lines, 0 during an outage.")
        text += "logdump_tail_receiver_up{\(hostLabel)} \(receiverUp ? 1 : 0)\n"
        family("logdump_tail_files_followed", "gauge", "Hour files followed and not yet streamed to their end.")
        text += "logdump_tail_files_followed{\(hostLabel)} \(filesFollowed)\n"
        let sorted = files.sorted { ($0.container, $0.site, $0.file) < ($1.container, $1.site, $1.file) }
        func labels(_ file: FileLag) -> String {
            "\(hostLabel),container=\"\(Metrics.label(file.container))\",site=\"\(Metrics.label(file.site))\",file=\"\(Metrics.label(file.file))\""
        }
        family("logdump_tail_lag_bytes", "gauge", "Bytes of the file not yet acknowledged by the receiver.")
        for file in sorted { text += "logdump_tail_lag_bytes{\(labels(file))} \(file.bytes)\n" }
        family("logdump_tail_lag_seconds", "gauge",
               "How long the oldest byte of the file not yet acknowledged has waited, at most (since every byte was last acknowledged).")
        for file in sorted { text += "logdump_tail_lag_seconds{\(labels(file))} \(milliseconds(file.seconds))\n" }
        return text
    }

    /// Seconds with three decimals, never in exponent form.
    static func milliseconds(_ seconds: Double) -> String {
        let total = Int64((max(0, seconds) * 1000).rounded())
        let fraction = String(total % 1000)
        return "\(total / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
