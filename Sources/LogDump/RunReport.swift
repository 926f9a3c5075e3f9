import Logging

/// What one file's processing came to in a run.
struct Outcome: Sendable {
    var container: String?
    var site: String?
    var shippedParts = 0
    var bytesIn = 0
    var bytesOut = 0
    var error: String? = nil
}

/// Per container and site: what a run did (for messages and Prometheus metrics).
public struct SiteCounters: Sendable {
    public var shipped = 0
    public var failed = 0
    public var bytesIn = 0
    public var bytesOut = 0
}

/// The end of a run: `last-run.json` for `status`, and the Prometheus textfile when configured.
enum RunReport {
    static func write(_ store: StateStore, configuration: DumpConfiguration, log: Logger, started: Int, finished: Int,
                      exit: Int32, outcomes: [Outcome], messages: [String]) {
        let summary = RunSummary(
            startedAt: started, finishedAt: finished, exitCode: exit,
            shipped: outcomes.reduce(0) { $0 + $1.shippedParts }, failed: outcomes.filter { $0.error != nil }.count,
            bytesIn: outcomes.reduce(0) { $0 + $1.bytesIn }, bytesOut: outcomes.reduce(0) { $0 + $1.bytesOut },
            messages: Array(messages.prefix(20)))
        do { try store.writeLastRun(summary) } catch { log.warning("cannot record the run summary: \(error)") }
        guard !configuration.metricsTextfile.isEmpty else { return }
        var perSite: [String: SiteCounters] = [:]
        for o in outcomes {
            let key = "\(o.container ?? "_")\u{0}\(o.site ?? "_")"
            var c = perSite[key] ?? SiteCounters()
            c.shipped += o.shippedParts
            c.failed += o.error == nil ? 0 : 1
            c.bytesIn += o.bytesIn
            c.bytesOut += o.bytesOut
            perSite[key] = c
        }
        do {
            try Metrics.write(path: configuration.metricsTextfile, summary: summary, perSite: perSite)
        } catch {
            log.warning("cannot write metrics to \(configuration.metricsTextfile): \(error)")
        }
    }
}
