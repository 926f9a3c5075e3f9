import LogSplitCore

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

    /// The placeholders naming where a file comes from (`{host}`, `{container}`, `{site}`) that the key leaves
    /// out: files that differ only there share one key, and all but the first shipped go under `.N` names (nothing
    /// is overwritten, but the name no longer says which file is which).
    public var omittedOrigins: [String] {
        ["{host}", "{container}", "{site}"].filter { !pattern.contains($0) }
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

/// Literal replacement, without Foundation.
extension String {
    public func replacingOccurrencesOf(_ target: String, with replacement: String) -> String {
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
