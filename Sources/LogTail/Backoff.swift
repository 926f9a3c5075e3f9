/// How long to wait before reconnecting to a receiver that is down: 1 s, doubling to 30 s, each delay with
/// jitter (between half and all of it) so that many hosts do not reconnect in step. Pure: the random
/// fraction is the caller's.
public struct Backoff: Sendable, Equatable {
    public static let firstSeconds = 1.0
    public static let maximumSeconds = 30.0

    /// Failed attempts since the last success.
    public private(set) var failures = 0

    public init() {}

    /// Records a failure and returns the delay before the next attempt; `random` is in 0...1.
    public mutating func nextDelay(random: Double) -> Double {
        let exponent = min(failures, 10)
        failures += 1
        let full = min(Self.maximumSeconds, Self.firstSeconds * Double(1 << exponent))
        return full * (0.5 + 0.5 * min(1, max(0, random)))
    }

    public mutating func reset() { failures = 0 }
}
