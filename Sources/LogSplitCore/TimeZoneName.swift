#if canImport(Glibc)
import Glibc
#endif

/// Decides whether a `TZ` value names a real zone, before glibc gets a chance to treat it as UTC.
///
/// glibc silently falls back to UTC for a name it cannot find (`America/New_Yrok`), which shifts every
/// period boundary by hours. A value resolves when it is `UTC`/`GMT`, a TZif file (a name under the zone
/// directory, or an absolute path), or a complete POSIX rule such as `CET-1CEST,M3.5.0,M10.5.0/3` or
/// `<+0530>-5:30`. Both programs use this: `logsplit -z` warns (cronolog accepts anything), `logdump`
/// refuses to start.
public enum TimeZoneName {
    /// Where glibc looks for zone files: `TZDIR`, else `/usr/share/zoneinfo`.
    public static var systemZoneDirectory: String {
        if let dir = getenv("TZDIR"), dir.pointee != 0 { return String(cString: dir) }
        return "/usr/share/zoneinfo"
    }

    /// Nil when `identifier` resolves; otherwise what is wrong, for a message.
    public static func problem(_ identifier: String, zoneDirectory: String = systemZoneDirectory) -> String? {
        let name = identifier.hasPrefix(":") ? String(identifier.dropFirst()) : identifier
        if name.isEmpty || name.utf8.contains(0) { return "'\(identifier)' is not a time zone name" }
        if ["UTC", "GMT", "UTC0", "GMT0", "Etc/UTC", "Etc/GMT"].contains(name) { return nil }
        let file = name.hasPrefix("/") ? name : zoneDirectory + "/" + name
        if !name.split(separator: "/").contains("..") && isZoneFile(file) { return nil }
        if PosixZoneRule.isValid(name) { return nil }
        return "unknown time zone '\(identifier)': no zone file \(file) and not a POSIX rule such as "
            + "'CET-1CEST,M3.5.0,M10.5.0/3'; glibc would silently use UTC. Check the spelling (e.g. America/New_York) "
            + "or install tzdata"
    }

    /// A regular file that starts with the TZif magic.
    static func isZoneFile(_ path: String) -> Bool {
        let fd = RawBytes.withCString(path) { open($0, O_RDONLY | O_NONBLOCK | O_CLOEXEC) }
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        var magic = [UInt8](repeating: 0, count: 4)
        guard read(fd, &magic, 4) == 4 else { return false }
        return magic == Array("TZif".utf8)
    }
}

/// The POSIX `TZ` rule grammar (`std offset [dst [offset] [,start[/time],end[/time]]]`), checked exactly.
enum PosixZoneRule {
    static func isValid(_ text: String) -> Bool {
        var s = Scanner(Array(text.utf8))
        guard s.name(), s.offset(maxHours: 24) else { return false }
        if s.atEnd { return true }
        guard s.name() else { return false }
        if s.atEnd { return true }
        if s.peek != UInt8(ascii: ",") { guard s.offset(maxHours: 24) else { return false } }
        if s.atEnd { return true }
        guard s.take(","), s.date() else { return false }
        if s.take("/") { guard s.offset(maxHours: 167) else { return false } }
        guard s.take(","), s.date() else { return false }
        if s.take("/") { guard s.offset(maxHours: 167) else { return false } }
        return s.atEnd
    }

    struct Scanner {
        let bytes: [UInt8]
        var i = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { i == bytes.count }
        var peek: UInt8? { i < bytes.count ? bytes[i] : nil }

        mutating func take(_ c: Character) -> Bool {
            guard let p = peek, p == c.asciiValue else { return false }
            i += 1
            return true
        }

        /// Three or more letters, or `<` three or more of `[A-Za-z0-9+-]` `>`.
        mutating func name() -> Bool {
            let start = i
            if take("<") {
                while let p = peek, isAlpha(p) || isDigit(p) || p == UInt8(ascii: "+") || p == UInt8(ascii: "-") { i += 1 }
                guard i - start - 1 >= 3, take(">") else { return false }
                return true
            }
            while let p = peek, isAlpha(p) { i += 1 }
            return i - start >= 3
        }

        /// `[+-]hh[:mm[:ss]]`.
        mutating func offset(maxHours: Int) -> Bool {
            if !take("+") { _ = take("-") }
            guard let hours = number(maxDigits: 3), hours <= maxHours else { return false }
            for _ in 0..<2 {
                guard take(":") else { break }
                guard let part = number(maxDigits: 2), part <= 59 else { return false }
            }
            return true
        }

        /// `Jn` (1...365), `n` (0...365) or `Mm.w.d`.
        mutating func date() -> Bool {
            if take("J") {
                guard let day = number(maxDigits: 3) else { return false }
                return day >= 1 && day <= 365
            }
            if take("M") {
                guard let month = number(maxDigits: 2), month >= 1, month <= 12, take("."),
                      let week = number(maxDigits: 1), week >= 1, week <= 5, take("."),
                      let day = number(maxDigits: 1), day <= 6 else { return false }
                return true
            }
            guard let day = number(maxDigits: 3) else { return false }
            return day <= 365
        }

        mutating func number(maxDigits: Int) -> Int? {
            var value = 0, digits = 0
            while let p = peek, isDigit(p), digits < maxDigits {
                value = value * 10 + Int(p - 48)
                digits += 1
                i += 1
            }
            return digits > 0 ? value : nil
        }

        func isAlpha(_ b: UInt8) -> Bool { (b >= 65 && b <= 90) || (b >= 97 && b <= 122) }
        func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
    }
}
