#if canImport(Glibc)
import Glibc
#endif

extension Template {
    /// 9999-12-31 23:59:59 UTC: the last instant a matched name may stand for.
    static let latestMatchedInstant = 253_402_300_799

    /// The start of the period whose file name (as `render` gives it) is `name`, or nil when `name` is not
    /// a name this template produces for `site` in `zone`.
    ///
    /// The name is parsed field by field (numeric conversions, month and day names in the C locale, `%s`,
    /// the composites `%F %T %D %R %r %c %x %X`), turned into an instant with `mktime` in the zone, aligned to
    /// the start of the template's period, and then VERIFIED by rendering that start again and comparing
    /// with `name`: whatever the parser accepted, only an exact round trip counts. Weekly names (`%U %W %V`)
    /// are matched by rendering the candidate weeks of the year. `name` is compared with the whole template,
    /// so it must have as many `/`-separated components as the template. When the template has `{site}` and
    /// `site` is nil, the site part matches any valid site name (`[a-z0-9._-]`, not starting with `.`).
    public func periodStart(ofFileName name: String, site: String?, zone: CivilTimeZone) -> Int? {
        match(fileName: name, site: site, zone: zone)?.periodStart
    }

    /// `periodStart(ofFileName:site:zone:)`, with the site the name was matched for: `site`, or, when it is nil,
    /// what `{site}` matched (nil for a template without `{site}`). Rendering that start for that site gives `name`.
    public func match(fileName name: String, site: String?, zone: CivilTimeZone) -> (periodStart: Int, site: String?)? {
        var matchedSite: String? = nil
        guard let start = periodStart(ofFileName: name, site: site, zone: zone, matchedSite: &matchedSite) else { return nil }
        return (start, matchedSite)
    }

    private func periodStart(ofFileName name: String, site: String?, zone: CivilTimeZone, matchedSite: inout String?) -> Int? {
        let pattern: String
        if let site, hasSitePlaceholder {
            pattern = self.pattern.replacingAll(Self.sitePlaceholder, with: site)
        } else {
            pattern = self.pattern
        }
        let tokens = FileNameToken.parse(pattern)
        let bytes = Array(name.utf8)
        guard bytes.count <= 4096 else { return nil }
        var fields = ParsedFields()
        var foundSite: String? = site
        var failed = Set<Int>()
        guard FileNameToken.match(tokens[...], bytes[...], &fields, &foundSite, &failed) else { return nil }
        matchedSite = foundSite

        let unit = inferredPeriodicity
        let period = RotationPeriod(unit: unit, multiple: 1, weeksStartOnMonday: weeksStartOnMonday)
        func verified(_ start: Int) -> Int? {
            guard let rendered = try? render(periodStart: start, site: foundSite, zone: zone) else { return nil }
            return rendered == name ? start : nil
        }
        if unit == .once {
            // A name without time conversions is one file forever: it has no period of its own.
            return nil
        }
        if let epoch = fields.epoch {
            // Outside years 1970...9999 no logger wrote it, and the calendar arithmetic would overflow.
            guard epoch <= Self.latestMatchedInstant else { return nil }
            return verified(period.start(containing: epoch, in: zone))
        }
        guard let year = fields.fullYear, year >= 1900, year <= 9999 else { return nil }
        if unit == .week && fields.month == nil && fields.mday == nil && fields.yday == nil {
            // Week numbers: try the weeks that touch this year and let rendering decide.
            var probe = tm()
            probe.tm_year = Int32(year - 1900)
            probe.tm_mon = 0
            probe.tm_mday = 1
            probe.tm_hour = 12
            probe.tm_isdst = -1
            let janFirst = zone.makeTime(probe)
            var seen = Set<Int>()
            for week in -1...53 {
                let start = period.start(containing: janFirst + week * 7 * 86_400, in: zone)
                guard seen.insert(start).inserted else { continue }
                if let found = verified(start) { return found }
            }
            return nil
        }
        var local = tm()
        local.tm_year = Int32(year - 1900)
        if let yday = fields.yday, fields.month == nil {
            local.tm_mon = 0
            local.tm_mday = Int32(yday)
        } else {
            local.tm_mon = Int32((fields.month ?? 1) - 1)
            local.tm_mday = Int32(fields.mday ?? 1)
        }
        var hour = fields.hour ?? 0
        if let h12 = fields.hour12 {
            hour = h12 % 12 + ((fields.pm ?? false) ? 12 : 0)
        }
        local.tm_hour = Int32(hour)
        local.tm_min = Int32(fields.minute ?? 0)
        local.tm_sec = Int32(fields.second ?? 0)
        local.tm_isdst = -1
        let t = zone.makeTime(local)
        if let found = verified(period.start(containing: t, in: zone)) { return found }
        // Around a DST change mktime may land an hour off the named hour: try the neighbours.
        for delta in [-3600, 3600, -1800, 1800] {
            if let found = verified(period.start(containing: t + delta, in: zone)) { return found }
        }
        return nil
    }
}

/// Values read from a file name; nil when the name does not carry the field.
struct ParsedFields {
    var year: Int?
    var century: Int?
    var twoDigitYear: Int?
    var month: Int?
    var mday: Int?
    var yday: Int?
    var hour: Int?
    var hour12: Int?
    var pm: Bool?
    var minute: Int?
    var second: Int?
    var epoch: Int?

    var fullYear: Int? {
        if let year { return year }
        if let twoDigitYear {
            if let century { return century * 100 + twoDigitYear }
            return twoDigitYear < 69 ? 2000 + twoDigitYear : 1900 + twoDigitYear
        }
        return nil
    }
}

/// One piece of a template, for matching a name back.
enum FileNameToken {
    case literal(UInt8)
    /// Digits: `width` exactly (or 1...width when `flexible`), optionally space-padded.
    case number(Character, width: Int, flexible: Bool, spacePadded: Bool)
    /// One of a fixed list of words (month and day names, AM/PM), case-insensitive.
    case word(Character, [String])
    /// A site name (`{site}` with no site given).
    case site
    /// Anything up to the next `/` (conversions we do not parse; rendering verifies them).
    case any

    /// The most bytes an unparsed conversion may stand for in a name.
    static let unparsedConversionWidth = 64

    static let months = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
                         "october", "november", "december"]
    static let days = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]

    static func parse(_ pattern: String) -> [FileNameToken] {
        var tokens: [FileNameToken] = []
        let chars = Array(pattern)
        var i = 0
        func literal(_ text: String) { for b in text.utf8 { tokens.append(.literal(b)) } }
        while i < chars.count {
            let c = chars[i]
            if c == "{", String(chars[i..<min(i + 6, chars.count)]) == Template.sitePlaceholder {
                tokens.append(.site)
                i += 6
                continue
            }
            guard c == "%" else {
                literal(String(c))
                i += 1
                continue
            }
            i += 1
            var flexible = false, spaces = false, zeros = false
            while i < chars.count, "-_0^#".contains(chars[i]) {
                if chars[i] == "-" { flexible = true }
                if chars[i] == "_" { spaces = true }
                if chars[i] == "0" { zeros = true }
                i += 1
            }
            while i < chars.count, chars[i].isASCII, chars[i].isNumber { i += 1 }
            while i < chars.count, chars[i] == "E" || chars[i] == "O" { i += 1 }
            guard i < chars.count else { literal("%"); break }
            let conversion = chars[i]
            i += 1
            func number(_ ch: Character, _ width: Int, padded: Bool = false) {
                tokens.append(.number(ch, width: width, flexible: flexible, spacePadded: (padded && !zeros) || spaces))
            }
            switch conversion {
            case "Y", "G": number(conversion, 4)
            case "C", "y", "g", "m", "d", "H", "I", "M", "S", "U", "W", "V": number(conversion, 2)
            case "e": number("d", 2, padded: true)
            case "k": number("H", 2, padded: true)
            case "l": number("I", 2, padded: true)
            case "j": number("j", 3)
            case "u", "w": number(conversion, 1)
            case "s": tokens.append(.number("s", width: 20, flexible: true, spacePadded: false))
            case "b", "h": tokens.append(.word("b", months.map { String($0.prefix(3)) }))
            case "B": tokens.append(.word("b", months))
            case "a": tokens.append(.word("a", days.map { String($0.prefix(3)) }))
            case "A": tokens.append(.word("a", days))
            case "p", "P": tokens.append(.word("p", ["am", "pm"]))
            case "F": tokens += parse("%Y-%m-%d")
            case "T", "X": tokens += parse("%H:%M:%S")
            case "D", "x": tokens += parse("%m/%d/%y")
            case "R": tokens += parse("%H:%M")
            case "r": tokens += parse("%I:%M:%S %p")
            case "c": tokens += parse("%a %b %e %H:%M:%S %Y")
            case "n": literal("\n")
            case "t": literal("\t")
            case "%": literal("%")
            default: tokens.append(.any)
            }
        }
        return tokens
    }

    /// Backtracking match of the whole name; fills `fields` (and `site` when the template's site is open).
    ///
    /// Whether the tokens from an index match the name from an offset does not depend on the fields read so
    /// far, so each (token index, name offset) pair that failed is remembered in `failed` and never tried
    /// again: the work is bounded by tokens × length × the widest token, whatever the template and the name
    /// (without it, several unparsed conversions made it exponential: Fuzz/TemplateFuzzer).
    static func match(_ tokens: ArraySlice<FileNameToken>, _ name: ArraySlice<UInt8>,
                      _ fields: inout ParsedFields, _ site: inout String?, _ failed: inout Set<Int>) -> Bool {
        let state = tokens.startIndex &* 65_536 &+ name.startIndex
        guard !failed.contains(state) else { return false }
        if matchHere(tokens, name, &fields, &site, &failed) { return true }
        failed.insert(state)
        return false
    }

    private static func matchHere(_ tokens: ArraySlice<FileNameToken>, _ name: ArraySlice<UInt8>,
                                  _ fields: inout ParsedFields, _ site: inout String?, _ failed: inout Set<Int>) -> Bool {
        guard let token = tokens.first else { return name.isEmpty }
        let rest = tokens.dropFirst()
        switch token {
        case let .literal(b):
            guard name.first == b else { return false }
            return match(rest, name.dropFirst(), &fields, &site, &failed)
        case let .number(kind, width, flexible, spacePadded):
            var lengths: [Int] = flexible ? Array((1...width).reversed()) : [width]
            // `%s` takes 1 to 20 digits; a name that ends where they should start has none (Fuzz/TemplateFuzzer).
            if kind == "s" { lengths = name.isEmpty ? [] : Array((1...min(width, name.count)).reversed()) }
            for length in lengths where length <= name.count {
                let piece = name.prefix(length)
                var value = 0
                var sawDigit = false
                var ok = true
                for (index, byte) in piece.enumerated() {
                    if byte == UInt8(ascii: " ") && spacePadded && !sawDigit && index < length - 1 { continue }
                    guard byte >= 48 && byte <= 57 else { ok = false; break }
                    sawDigit = true
                    // A hostile name can carry more digits than an Int holds: such a name is not ours.
                    let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                    let (sum, o2) = times10.addingReportingOverflow(Int(byte - 48))
                    guard !o1 && !o2 else { ok = false; break }
                    value = sum
                }
                guard ok && sawDigit else { continue }
                var trial = fields
                store(kind, value, &trial)
                if match(rest, name.dropFirst(length), &trial, &site, &failed) {
                    fields = trial
                    return true
                }
            }
            return false
        case let .word(kind, words):
            for (index, word) in words.enumerated() {
                let w = Array(word.utf8)
                guard name.count >= w.count else { continue }
                let candidate = name.prefix(w.count).map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
                guard candidate == w else { continue }
                var trial = fields
                if kind == "b" { trial.month = index + 1 }
                if kind == "p" { trial.pm = index == 1 }
                if match(rest, name.dropFirst(w.count), &trial, &site, &failed) {
                    fields = trial
                    return true
                }
            }
            return false
        case .site:
            var length = 0
            for byte in name {
                let allowed = (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57)
                    || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
                guard allowed, length < SiteName.defaultMaxLength else { break }
                length += 1
            }
            guard length > 0, name.first != UInt8(ascii: ".") else { return false }
            for n in stride(from: length, through: 1, by: -1) {
                var trial = fields
                var trialSite: String? = String(decoding: name.prefix(n), as: UTF8.self)
                if match(rest, name.dropFirst(n), &trial, &trialSite, &failed) {
                    fields = trial
                    site = trialSite
                    return true
                }
            }
            return false
        case .any:
            // A conversion the parser does not read renders at most a few dozen bytes (%Z, %z, %+, %c...);
            // rendering verifies the match anyway. The bound keeps matching linear in the name's length.
            let length = min(Self.unparsedConversionWidth, name.prefix(while: { $0 != UInt8(ascii: "/") }).count)
            for n in stride(from: length, through: 0, by: -1) {
                var trial = fields
                if match(rest, name.dropFirst(n), &trial, &site, &failed) {
                    fields = trial
                    return true
                }
            }
            return false
        }
    }

    private static func store(_ kind: Character, _ value: Int, _ fields: inout ParsedFields) {
        switch kind {
        case "Y": fields.year = value
        case "C": fields.century = value
        case "y": fields.twoDigitYear = value
        case "m": fields.month = value
        case "d": fields.mday = value
        case "j": fields.yday = value
        case "H": fields.hour = value
        case "I": fields.hour12 = value
        case "M": fields.minute = value
        case "S": fields.second = value
        case "s": fields.epoch = value
        case "G": if fields.year == nil { fields.year = value }
        default: break
        }
    }
}
