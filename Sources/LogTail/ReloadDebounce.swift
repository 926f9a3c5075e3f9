/// Waits for the configuration file to settle before it is read again: an editor, `install` or a ConfigMap
/// update makes several events in a row (temporary file, rename, symlink swap); the file is read once they
/// have stopped for `quietMicroseconds`. Pure: the caller notes events and gives the time (microseconds).
public struct ReloadDebounce: Sendable, Equatable {
    public let quietMicroseconds: Int64
    /// The last event not yet acted on.
    public private(set) var lastEvent: Int64?

    public init(quietMicroseconds: Int64 = 1_000_000) {
        self.quietMicroseconds = quietMicroseconds
    }

    public mutating func noteEvent(now: Int64) { lastEvent = now }

    /// True once the events have stopped for the quiet time (or the clock went back); then forgets them.
    public mutating func takeIfDue(now: Int64) -> Bool {
        guard let lastEvent, now - lastEvent >= quietMicroseconds || now < lastEvent else { return false }
        self.lastEvent = nil
        return true
    }

    /// How long to wait before `takeIfDue` can say yes (for the loop's poll timeout); nil when nothing is pending.
    public func millisecondsUntilDue(now: Int64) -> Int? {
        guard let lastEvent else { return nil }
        return Int((max(0, min(quietMicroseconds, lastEvent + quietMicroseconds - now)) + 999) / 1000)
    }
}
