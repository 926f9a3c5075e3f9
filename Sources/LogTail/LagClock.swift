/// How long a followed file's oldest byte not yet acknowledged has waited, at most: the time since tail last saw
/// every byte of the file acknowledged. Those bytes were all written after that moment, so none has waited
/// longer; tail looks at least once a second while it keeps up, so the bound is within about a second. A last
/// line still waiting for its newline counts as waiting. Pure: the caller observes and gives the time
/// (microseconds since the epoch).
public struct LagClock: Sendable, Equatable {
    /// When every byte was last seen acknowledged (or, for a file tail found behind, the start of its wait).
    public private(set) var caughtUpAt: Int64
    /// Bytes were waiting at the last observation.
    public private(set) var isBehind: Bool

    public init(caughtUpAt: Int64, isBehind: Bool = false) {
        self.caughtUpAt = caughtUpAt
        self.isBehind = isBehind
    }

    /// The clock of a file from its saved checkpoint: behind since its `waitingSince`; caught up at `savedAt`
    /// (the save of the document it came from) when it has none; without a checkpoint, found `now`.
    public static func resumed(waitingSince: Int?, savedAt: Int?, now: Int64) -> LagClock {
        if let waitingSince { return LagClock(caughtUpAt: min(now, Int64(waitingSince) * 1_000_000), isBehind: true) }
        return LagClock(caughtUpAt: savedAt.map { min(now, Int64($0) * 1_000_000) } ?? now)
    }

    /// Records what tail sees now: `backlogBytes` not yet acknowledged.
    public mutating func observe(backlogBytes: Int64, now: Int64) {
        if backlogBytes > 0 {
            isBehind = true
        } else {
            isBehind = false
            caughtUpAt = now
        }
    }

    /// Seconds the oldest waiting byte has waited at most; 0 when nothing waits.
    public func lagSeconds(backlogBytes: Int64, now: Int64) -> Double {
        backlogBytes > 0 ? Double(max(0, now - caughtUpAt)) / 1_000_000 : 0
    }

    /// For the checkpoint (`TailCheckpoint.waitingSince`): when the wait began, in seconds; nil when caught up.
    public var waitingSince: Int? { isBehind ? Int(caughtUpAt / 1_000_000) : nil }
}
