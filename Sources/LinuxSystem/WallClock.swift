#if canImport(Glibc)
import Glibc
#endif

/// The time of day, for comparing with file timestamps (how long a file has been quiet, whether its hour is over).
///
/// Not time(2): glibc answers it from the kernel's coarse clock, which lags the real time by up to a tick, while
/// Linux 6.x stamps a file's mtime from the fine clock when the file was looked at since its last change
/// (multigrain timestamps). A file written a moment ago then looks modified a second in the future: on this
/// project's CI kernel (6.18, ext4) 958 of 200,000 write-then-stat rounds saw an mtime second ahead of time(2),
/// and a run with `quiet_time = 0` left such a file for the next run. CLOCK_REALTIME is never behind a timestamp
/// already written (`WallClockTests`).
public enum WallClock {
    /// Whole seconds since the epoch.
    public static func seconds() -> Int {
        Int(now().tv_sec)
    }

    /// Microseconds since the epoch.
    public static func microseconds() -> Int64 {
        let time = now()
        return Int64(time.tv_sec) * 1_000_000 + Int64(time.tv_nsec / 1000)
    }

    private static func now() -> timespec {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return time
    }
}
