import Foundation
import LogSplitCore

/// A fake wall clock for a child process, driven by the test through libfaketime (Debian package `faketime`).
///
/// The child runs with `LD_PRELOAD=libfaketime.so.1` and reads its time from a file the test rewrites:
/// `FAKETIME_TIMESTAMP_FILE` holds an absolute time, so the clock is **frozen** at that instant until the test
/// writes the next one; `FAKETIME_NO_CACHE=1` makes every `time()`/`clock_gettime()` call see the newest value.
/// The time is written as epoch seconds (`FAKETIME_FMT=%s`): glibc's `strptime("%s")` goes through
/// `localtime_r` and libfaketime back through `mktime`, which round-trips in any zone, even after the
/// program changed `TZ` itself (`-z`), and even in the repeated hour of a fall-back DST change.
/// Monotonic clocks are left real (`FAKETIME_DONT_FAKE_MONOTONIC=1`) so timers and sleeps still work.
///
/// Why not cronolog's own `-s`: it segfaults in the Debian build; and a running clock (`@… x60`) would make
/// the period of each read depend on scheduling. A frozen clock stepped between lines is exact.
final class FaketimeClock: @unchecked Sendable {
    let file: String
    private(set) var now: Int64
    private var shared: FaketimeSharedState?

    /// Creates the timestamp file showing `start` (epoch seconds).
    init(file: String, start: Int64) throws {
        self.file = file
        self.now = start
        try set(start)
    }

    /// Shows `time` (epoch seconds) to every later clock read of the child. Atomic: libfaketime never
    /// reads a half-written file (written beside it, then renamed over it).
    func set(_ time: Int64) throws {
        let temporary = file + ".next"
        try Data("\(time)\n".utf8).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, file) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        now = time
    }

    /// The environment a child needs to run on this clock, with `TZ` as given (the zone the program starts in).
    func environment(timeZone: String) throws -> [String: String] {
        shared = try shared ?? FaketimeSharedState()
        return [
            "FAKETIME_SHARED": shared!.environmentValue,
            "FAKETIME_DISABLE_SHM": "1",
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LC_ALL": "C",
            "TZ": timeZone,
            "LD_PRELOAD": try Faketime.library(),
            "FAKETIME_TIMESTAMP_FILE": file,
            "FAKETIME_NO_CACHE": "1",
            "FAKETIME_FMT": "%s",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            "DONT_FAKE_MONOTONIC": "1",
            "NO_FAKE_STAT": "1",
        ]
    }
}

enum Faketime {
    /// `FAKETIME_LIBRARY` overrides the preload library (for example `libfaketimeMT.so.1`).
    static func library() throws -> String {
        if let path = ProcessInfo.processInfo.environment["FAKETIME_LIBRARY"] { return path }
        for dir in ["/usr/lib/x86_64-linux-gnu/faketime", "/usr/lib/aarch64-linux-gnu/faketime", "/usr/lib/faketime"] {
            let path = dir + "/libfaketime.so.1"
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        throw MissingComponent(name: "libfaketime.so.1", package: "faketime")
    }

    /// Epoch seconds of a UTC civil time written `YYYY-MM-DD hh:mm:ss` (the zone never comes from the machine).
    static func utc(_ text: String) -> Int64 {
        let parts = text.split(whereSeparator: { $0 == "-" || $0 == " " || $0 == ":" || $0 == "T" })
            .map { Int64($0)! }
        precondition(parts.count == 6, "expected YYYY-MM-DD hh:mm:ss, got \(text)")
        let days = LineTimestamp.daysFromCivil(year: Int(parts[0]), month: Int(parts[1]), day: Int(parts[2]))
        return Int64(days) * 86_400
            + parts[3] * 3600 + parts[4] * 60 + parts[5]
    }

    /// `YYYY-MM-DDThh:mm:ssZ` for an epoch second, for messages and line contents.
    static func utcText(_ time: Int64) -> String {
        let days = time >= 0 ? time / 86_400 : (time - 86_399) / 86_400
        let seconds = time - days * 86_400
        let (y, m, d) = civilFromDays(days)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(y)-\(two(m))-\(two(d))T\(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))Z"
    }

    // Howard Hinnant's civil calendar algorithm, the inverse of LineTimestamp.daysFromCivil.
    private static func civilFromDays(_ z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

/// The semaphore and shared memory libfaketime shares between a process and its children.
///
/// Why the test makes them: when `FAKETIME_SHARED` is not in its environment, libfaketime creates them in its
/// constructor and calls `setenv("FAKETIME_SHARED", …)`. That moves `environ` off the initial stack, and the
/// Swift runtime on Linux finds `argv` by walking back from `environ` (ArgvGrabber in the stdlib's
/// CommandLine.cpp): a Swift program under plain `LD_PRELOAD=libfaketime` sees **no arguments at all**.
/// (The `faketime` wrapper avoids this by creating them itself, but it also sets `FAKETIME`, which disables
/// the timestamp file.) With valid names passed in, libfaketime only opens them. The layout is
/// libfaketime 0.9.x's `struct ft_shared_s` (ticks, file_idx, then four timespecs with tv_nsec = -1 meaning
/// "not set"); the segment is a whole page so a larger future struct still maps. Newer libfaketime skips
/// shared memory altogether with `FAKETIME_DISABLE_SHM=1`, which is set too.
final class FaketimeSharedState: @unchecked Sendable {
    private nonisolated(unsafe) static var counter = 0
    private static let lock = NSLock()
    let semaphoreName: String
    let memoryName: String

    var environmentValue: String { "\(semaphoreName) \(memoryName)" }

    init() throws {
        let n = Self.lock.withLock { Self.counter += 1; return Self.counter }
        semaphoreName = "/logsplit_diff_sem_\(getpid())_\(n)"
        memoryName = "/logsplit_diff_shm_\(getpid())_\(n)"
        guard let semaphore = sem_open(semaphoreName, O_CREAT | O_EXCL, 0o600, 1) else {
            throw DifferentialFailure("sem_open \(semaphoreName) failed: errno \(errno)")
        }
        sem_close(semaphore)
        let fd = shm_open(memoryName, O_CREAT | O_EXCL | O_RDWR, 0o600)
        guard fd >= 0 else { throw DifferentialFailure("shm_open \(memoryName) failed: errno \(errno)") }
        defer { close(fd) }
        var page = [Int64](repeating: 0, count: 512)  // 4096 bytes
        for timespec in 0..<4 { page[2 + 2 * timespec + 1] = -1 }  // start_time.{real,mon,mon_raw,boot}.tv_nsec
        let written = page.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == 4096 else { throw DifferentialFailure("writing \(memoryName) failed: errno \(errno)") }
    }

    deinit {
        sem_unlink(semaphoreName)
        shm_unlink(memoryName)
    }
}
