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
    public func matches(_ component: Component, _ name: String) -> Bool {
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
