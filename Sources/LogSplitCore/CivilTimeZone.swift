#if canImport(Glibc)
import Glibc
#endif
import CLinuxShim
import Synchronization

/// A time zone as glibc sees it (the `TZ` rules), used to break instants into local time and to format names.
///
/// cronolog names files with `strftime(localtime(start))` under the process `TZ` (or `-z`). Calling glibc
/// for both is the surest way to produce the same names, DST included. glibc keeps one zone per process,
/// so every call takes a process-wide lock and switches `TZ` only when a different zone asks for it: cheap
/// in the splitter (one zone, a call per rotation) and safe for tests that use several zones in parallel.
public final class CivilTimeZone: Sendable, CustomStringConvertible {
    /// The zone name given to `-z` (anything `TZ` accepts), or nil for the process default
    /// (the `TZ` the process started with, else /etc/localtime).
    public let identifier: String?

    public init(identifier: String?) {
        self.identifier = identifier
    }

    public var description: String { identifier ?? "the local time zone" }

    private static let applied = Mutex<AppliedZone>(AppliedZone())

    private struct AppliedZone: ~Copyable {
        var captured = false
        var original: String? = nil
        var current: String?? = .none
    }

    /// Runs `body` with glibc's zone set to this one.
    public func withZone<R>(_ body: () -> R) -> R {
        Self.applied.withLock { state in
            if !state.captured {
                state.original = getenv("TZ").map { String(cString: $0) }
                state.captured = true
            }
            let wanted = identifier ?? state.original
            if state.current != .some(wanted) {
                if let wanted { setenv("TZ", wanted, 1) } else { unsetenv("TZ") }
                tzset()
                state.current = .some(wanted)
            }
            return body()
        }
    }

    /// Local calendar fields of the instant `t` (seconds since the epoch).
    public func breakDown(_ t: Int) -> tm {
        withZone {
            var time = time_t(t)
            var fields = tm()
            localtime_r(&time, &fields)
            return fields
        }
    }

    /// The instant of local calendar fields (glibc `mktime`; `tm_isdst = -1` lets glibc decide).
    public func makeTime(_ fields: tm) -> Int {
        withZone {
            var copy = fields
            return Int(mktime(&copy))
        }
    }

    /// `strftime(pattern, localtime(t))`, or nil when the result does not fit in `capacity` bytes.
    public func format(_ pattern: String, at t: Int, capacity: Int = 4096) -> String? {
        withZone {
            var time = time_t(t)
            var fields = tm()
            localtime_r(&time, &fields)
            return Self.strftime(pattern, fields, capacity: capacity)
        }
    }

    static func strftime(_ pattern: String, _ fields: tm, capacity: Int) -> String? {
        if pattern.isEmpty { return "" }
        var fields = fields
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: capacity) { buffer -> String? in
            let written = clinux_strftime(buffer.baseAddress!, capacity, pattern, &fields)
            // strftime returns 0 both for "did not fit" and for an empty result (e.g. "%p" in some locales).
            if written == 0 {
                return nil
            }
            return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress!, count: written), as: UTF8.self)
        }
    }
}
