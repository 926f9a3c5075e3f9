/// A log file name template: strftime conversions (`%Y%m%d%H`) plus an optional `{site}` placeholder.
///
/// The template is parsed once. It knows which period its names imply (cronolog's inference, and an
/// extended one that also understands the conversions cronolog ignores), where its fixed directory part
/// ends (the default trusted root), and how to render the name of a period for a site.
public struct Template: Sendable, Equatable, CustomStringConvertible {
    /// The placeholder that `--site-field` fills with the site taken from each line.
    public static let sitePlaceholder = "{site}"

    public let pattern: String
    /// The conversion characters in order of appearance (modifiers such as `-`, `_`, `E`, `O` stripped).
    public let conversions: [Character]

    public init(_ pattern: String) throws(TemplateError) {
        guard !pattern.isEmpty else { throw TemplateError.empty }
        guard !pattern.utf8.contains(0) else { throw TemplateError.containsNul }
        self.pattern = pattern
        conversions = Self.scanConversions(pattern)
    }

    public var description: String { pattern }

    public var hasSitePlaceholder: Bool { pattern.contains(Self.sitePlaceholder) }

    /// The period cronolog 1.6.2 infers (`determine_periodicity`): it ignores the conversions it does not
    /// know (`%F %k %l %V %G %g %u %P %X %C %z`) and any conversion written with a GNU modifier (`%-H`).
    public var cronologPeriodicity: Periodicity {
        var result = Periodicity.once
        var iterator = pattern.makeIterator()
        while let ch = iterator.next() {
            guard ch == "%" else { continue }
            guard let c = iterator.next() else { break }
            if let unit = Self.cronologUnits[c], unit < result { result = unit }
        }
        return result
    }

    /// The finest period any conversion in the name changes with, understanding every glibc conversion
    /// (and GNU modifiers): `%F` is daily, `%k`/`%l`/`%P` hourly, `%V` weekly, `%R` per minute, and so on.
    /// `.once` when the name has no time conversion at all.
    public var inferredPeriodicity: Periodicity {
        conversions.compactMap { Self.extendedUnits[$0] }.min() ?? .once
    }

    /// Weekly names count weeks from Monday (`%W`, `%V`) rather than Sunday (`%U`): the first weekly
    /// conversion decides, as in cronolog.
    public var weeksStartOnMonday: Bool {
        for c in conversions {
            switch c {
            case "U": return false
            case "W", "V": return true
            default: continue
            }
        }
        return false
    }

    /// The leading directory part that contains neither a conversion nor `{site}`: the default trusted root.
    /// `/data/weblogs/{site}/access_log.%Y%m%d%H` gives `/data/weblogs`; `access.%H` gives `.`.
    public var fixedDirectoryPrefix: String {
        var components = pattern.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        components.removeLast()  // the file name itself is never part of the root
        var fixed: [String] = []
        for component in components {
            if component.contains("%") || component.contains(Self.sitePlaceholder) { break }
            fixed.append(component)
        }
        if fixed.isEmpty { return "." }
        if fixed == [""] { return "/" }
        return fixed.joined(separator: "/")
    }

    /// The file name for the period that starts at `periodStart`, for `site` when the template has `{site}`.
    public func render(periodStart: Int, site: String?, zone: CivilTimeZone) throws(TemplateError) -> String {
        var text = pattern
        if let site, hasSitePlaceholder {
            text = text.replacingAll(Self.sitePlaceholder, with: site)
        }
        guard let name = zone.format(text, at: periodStart) else {
            // An empty expansion of a non-empty template can only be a too-long name (or a locale with no AM/PM).
            throw TemplateError.expandsTooLong(pattern: pattern, limit: 4095)
        }
        return name
    }

    /// `path` resolved lexically, as the kernel would if every directory existed: empty and `.` components
    /// dropped, each `..` removing the component before it (`..` at the top of an absolute path stays at
    /// `/`; leading `..` of a relative path are kept). `a/%Y/../b` rendered as `a/2026/../b` becomes `a/b`,
    /// which is where cronolog's file ends up. An empty relative result is `.`. Paths without such
    /// components come back unchanged.
    public static func lexicallyNormalised(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        let needsWork = parts.enumerated().contains { index, part in
            (part.isEmpty && !(absolute && index == 0) && !(path == "/")) || part == "." || part == ".."
        }
        if !needsWork { return path }
        var kept: [Substring] = []
        for part in parts where !part.isEmpty && part != "." {
            if part == ".." {
                if let last = kept.last, last != ".." {
                    kept.removeLast()
                } else if !absolute {
                    kept.append(part)
                }
            } else {
                kept.append(part)
            }
        }
        if absolute { return "/" + kept.joined(separator: "/") }
        return kept.isEmpty ? "." : kept.joined(separator: "/")
    }

    /// Whether the template ends in a file name: not in `/`, `/.` or `/..` (those name a directory).
    public var endsInFileName: Bool {
        guard let last = pattern.split(separator: "/", omittingEmptySubsequences: false).last else { return false }
        return !last.isEmpty && last != "." && last != ".."
    }

    // MARK: - Conversion tables

    private static let cronologUnits: [Character: Periodicity] = {
        var table: [Character: Periodicity] = [:]
        for c in "yY" { table[c] = .year }
        for c in "bhBm" { table[c] = .month }
        for c in "UW" { table[c] = .week }
        for c in "aAdejwDx" { table[c] = .day }
        for c in "HIp" { table[c] = .hour }
        table["M"] = .minute
        for c in "SscTrR" { table[c] = .second }
        return table
    }()

    private static let extendedUnits: [Character: Periodicity] = {
        var table: [Character: Periodicity] = [:]
        for c in "yYGgC" { table[c] = .year }
        for c in "bhBm" { table[c] = .month }
        for c in "UWV" { table[c] = .week }
        for c in "aAdejwDxFu" { table[c] = .day }
        for c in "HIpklP" { table[c] = .hour }
        for c in "MR" { table[c] = .minute }
        for c in "SscTrX" { table[c] = .second }
        return table
    }()

    /// Conversion characters after `%`, skipping glibc's flags (`-_0^#`), a field width and `E`/`O`.
    static func scanConversions(_ pattern: String) -> [Character] {
        var result: [Character] = []
        var chars = Array(pattern)[...]
        while let first = chars.first {
            chars = chars.dropFirst()
            guard first == "%" else { continue }
            while let c = chars.first, "-_0^#".contains(c) { chars = chars.dropFirst() }
            while let c = chars.first, c.isASCII, c.isNumber { chars = chars.dropFirst() }
            while let c = chars.first, c == "E" || c == "O" { chars = chars.dropFirst() }
            guard let conversion = chars.first else { break }
            chars = chars.dropFirst()
            if conversion != "%" { result.append(conversion) }
        }
        return result
    }
}

/// A template that cannot be used, with a message for the operator.
public enum TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case containsNul
    case expandsTooLong(pattern: String, limit: Int)

    public var description: String {
        switch self {
        case .empty: "the file name template is empty: give a path such as /var/log/www/access_log.%Y%m%d%H"
        case .containsNul: "the file name template contains a NUL byte"
        case let .expandsTooLong(pattern, limit):
            "the template '\(pattern)' expands to a name longer than \(limit) bytes: shorten it"
        }
    }
}

extension String {
    /// Replaces every occurrence of `target` (no Foundation on the core's path).
    public func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        result += rest
        return result
    }
}

extension Substring {
    fileprivate func range(of target: String) -> Range<Substring.Index>? {
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(target) {
                return index..<self.index(index, offsetBy: target.count)
            }
            index = self.index(after: index)
        }
        return nil
    }
}
