import LogSplitCore

#if canImport(Glibc)
import Glibc
#endif

/// A source root such as `/data/containers/{container}/weblogs/{site}` or `/data/containers/*/weblogs/*/`.
///
/// The part before the first placeholder or wildcard is trusted (the administrator's), opened normally.
/// Every component after it is matched against directory entries and opened with `O_NOFOLLOW`.
/// `{container}` and `{site}` match one component and name the container and site; `*`, `?` and `[...]`
/// match as in the shell (`fnmatch`). With wildcards and no named placeholders, the first wildcard
/// component names the container and the last one the site (a single wildcard names the site).
public struct RootPattern: Sendable, Equatable {
    public enum Component: Sendable, Equatable {
        case fixed(String)
        case glob(String)
        case container
        case site
    }

    public let text: String
    public let trustedPrefix: String
    public let components: [Component]

    public init(_ text: String) throws(ConfigProblem) {
        self.text = text
        guard text.hasPrefix("/") else {
            throw ConfigProblem(key: "sources.roots", message: "'\(text)' must be an absolute path")
        }
        let parts = text.split(separator: "/").map(String.init)
        guard !parts.contains(where: { $0 == "." || $0 == ".." }) else {
            throw ConfigProblem(key: "sources.roots", message: "'\(text)' must not contain '.' or '..' components")
        }
        var prefix: [String] = []
        var rest: [Component] = []
        var sawContainer = false, sawSite = false
        for part in parts {
            let isGlob = part.contains("*") || part.contains("?") || part.contains("[")
            if part == "{container}" {
                guard !sawContainer else { throw ConfigProblem(key: "sources.roots", message: "'\(text)' has {container} twice") }
                sawContainer = true
                rest.append(.container)
            } else if part == "{site}" {
                guard !sawSite else { throw ConfigProblem(key: "sources.roots", message: "'\(text)' has {site} twice") }
                sawSite = true
                rest.append(.site)
            } else if part.contains("{") || part.contains("}") {
                throw ConfigProblem(key: "sources.roots",
                    message: "'\(text)': {container} and {site} must each be a whole path component")
            } else if isGlob {
                rest.append(.glob(part))
            } else if rest.isEmpty {
                prefix.append(part)
            } else {
                rest.append(.fixed(part))
            }
        }
        if !sawContainer && !sawSite {
            let globs = rest.indices.filter { if case .glob = rest[$0] { true } else { false } }
            if globs.count == 1 {
                if case let .glob(p) = rest[globs[0]], p == "*" { rest[globs[0]] = .site }
            } else if globs.count >= 2 {
                if case let .glob(p) = rest[globs.first!], p == "*" { rest[globs.first!] = .container }
                if case let .glob(p) = rest[globs.last!], p == "*" { rest[globs.last!] = .site }
            }
        }
        trustedPrefix = "/" + prefix.joined(separator: "/")
        components = rest
    }

    /// Whether `name` may stand for this component.
    func matches(_ component: Component, _ name: String) -> Bool {
        switch component {
        case let .fixed(f): return name == f
        case let .glob(g): return !name.hasPrefix(".") && fnmatch(g, name, FNM_PERIOD) == 0
        case .container, .site: return Self.isValidName(name)
        }
    }

    /// Container and site names taken from paths: `[A-Za-z0-9._-]`, not starting with `.`, at most 128 bytes.
    public static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 128, bytes[0] != UInt8(ascii: ".") else { return false }
        return bytes.allSatisfy { b in
            (b >= 97 && b <= 122) || (b >= 65 && b <= 90) || (b >= 48 && b <= 57)
                || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
        }
    }
}

/// The destination key: `{host}/{container}/{site}/%Y/%m/%d/{name}.{ext}`.
///
/// strftime conversions take the file's period start in the source time zone; `{name}` is the source file
/// name (with `.N` added for the Nth later generation of the same file), `{ext}` is `zst` or `gz`.
/// A rendered key is relative, and none of its components is empty, `.` or `..`.
public struct KeyTemplate: Sendable, Equatable {
    public let pattern: String
    static let placeholders = ["{host}", "{container}", "{site}", "{name}", "{ext}"]

    public init(_ pattern: String) throws(ConfigProblem) {
        self.pattern = pattern
        guard !pattern.hasPrefix("/") else {
            throw ConfigProblem(key: "destination.key", message: "'\(pattern)' must be relative to destination.path")
        }
        guard pattern.contains("{name}") else {
            throw ConfigProblem(key: "destination.key", message: "'\(pattern)' must contain {name} so that every file gets its own key")
        }
        var rest = pattern
        for p in Self.placeholders { rest = rest.replacingOccurrencesOf(p, with: "") }
        guard !rest.contains("{") && !rest.contains("}") else {
            throw ConfigProblem(key: "destination.key",
                message: "'\(pattern)' has an unknown {placeholder}; known: \(Self.placeholders.joined(separator: " "))")
        }
        guard !pattern.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == "." || $0 == ".." || $0.isEmpty }) else {
            throw ConfigProblem(key: "destination.key", message: "'\(pattern)' has an empty, '.' or '..' component")
        }
    }

    public func render(host: String, container: String?, site: String?, name: String, ext: String,
                       periodStart: Int, zone: CivilTimeZone) -> [String]? {
        guard let timed = zone.format(pattern, at: periodStart) else { return nil }
        var key = timed
        key = key.replacingOccurrencesOf("{host}", with: host)
        key = key.replacingOccurrencesOf("{container}", with: container ?? "_")
        key = key.replacingOccurrencesOf("{site}", with: site ?? "_")
        key = key.replacingOccurrencesOf("{name}", with: name)
        key = key.replacingOccurrencesOf("{ext}", with: ext)
        let components = key.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard components.allSatisfy(SafePath.isPlainComponent) else { return nil }
        return components
    }
}

extension String {
    func replacingOccurrencesOf(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        result += rest
        return result
    }
}
