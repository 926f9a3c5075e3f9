#if canImport(Glibc)
import Glibc
#endif

/// A point on the monotonic clock, for bounded waits (poll timeouts) that wall-clock changes cannot stretch.
struct MonotonicDeadline: Sendable {
    let nanoseconds: UInt64

    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    static func after(seconds: Double) -> MonotonicDeadline {
        MonotonicDeadline(nanoseconds: now() + UInt64(max(0, seconds) * 1_000_000_000))
    }

    var hasPassed: Bool { Self.now() >= nanoseconds }

    /// What is left, in whole milliseconds rounded up, for poll(2); 0 once passed.
    var remainingMilliseconds: Int32 {
        let now = Self.now()
        guard nanoseconds > now else { return 0 }
        return Int32(min(UInt64(Int32.max), (nanoseconds - now + 999_999) / 1_000_000))
    }
}
