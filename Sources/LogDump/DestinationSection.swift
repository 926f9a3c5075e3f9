import LogDestinations
import LogShipCore

/// The `[destination]` keys as written in the configuration, for every `type`; `settings` turns them into what
/// the destination factory takes, and `problems` says what is wrong, key by key.
public struct DestinationSection: Sendable, Equatable {
    public var type = "directory"
    /// directory: the directory; rsync: the directory on the central host.
    public var path = "/srv/weblogs-archive"
    // s3
    public var endpoint = ""
    public var region = "us-east-1"
    public var bucket = ""
    public var prefix = ""
    public var pathStyle: Bool? = nil
    public var storageClass = ""
    public var credentialsFile = ""
    public var profile = "default"
    public var caFile = ""
    public var partSize = 16 << 20
    public var verify = "checksum"
    public var connectTimeout = 10
    public var requestTimeout = 300
    public var retries = 5
    public var concurrentRequests = 4
    // rsync
    public var host = ""
    public var user = ""
    public var port = 22
    public var identityFile = ""
    public var knownHosts = ""

    public init() {}

    /// Every key `[destination]` may hold.
    public static let keys: Set<String> = [
        "type", "path", "key", "endpoint", "region", "bucket", "prefix", "path_style", "storage_class", "credentials_file",
        "profile", "ca_file", "part_size", "verify", "connect_timeout", "request_timeout", "retries", "concurrent_requests",
        "host", "user", "port", "identity_file", "known_hosts",
    ]

    public func settings(stateDirectory: String) -> DestinationSettings {
        func optional(_ s: String) -> String? { s.isEmpty ? nil : s }
        switch type {
        case "s3":
            return .s3(S3Settings(
                endpoint: endpoint, region: region, bucket: bucket, prefix: prefix, pathStyle: pathStyle,
                storageClass: optional(storageClass), credentialsFile: optional(credentialsFile), profile: profile,
                caFile: optional(caFile), partSize: partSize, verify: S3VerifyMode(rawValue: verify) ?? .checksum,
                connectTimeoutSeconds: connectTimeout, requestTimeoutSeconds: requestTimeout, maxAttempts: retries,
                concurrentRequests: concurrentRequests))
        case "rsync":
            return .rsync(RsyncSettings(
                host: host, user: optional(user), port: port, path: path, identityFile: optional(identityFile),
                knownHosts: optional(knownHosts), controlDirectory: stateDirectory, connectTimeoutSeconds: connectTimeout))
        default:
            return .directory(path: path)
        }
    }

    public func problems() -> [ConfigProblem] {
        var found: [ConfigProblem] = []
        func check(_ ok: Bool, _ key: String, _ message: @autoclosure () -> String) {
            if !ok { found.append(ConfigProblem(key: "destination." + key, message: message())) }
        }
        func absoluteOrEmpty(_ value: String, _ key: String) {
            check(value.isEmpty || value.hasPrefix("/"), key, "'\(value)' must be an absolute path (or empty)")
        }
        guard DestinationSettings.types.contains(type) else {
            check(false, "type", "'\(type)' is not one of: \(DestinationSettings.types.joined(separator: ", "))")
            return found
        }
        check((1...3600).contains(connectTimeout), "connect_timeout", "\(connectTimeout) seconds is out of range 1...3600")
        switch type {
        case "s3":
            check(S3Endpoint.problem(endpoint) == nil, "endpoint", S3Endpoint.problem(endpoint) ?? "")
            check(S3Endpoint.isValidBucket(bucket), "bucket",
                  "'\(bucket)' is not a bucket name: 3 to 63 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit")
            check(!region.isEmpty && region.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 },
                  "region", "'\(region)' is not a region name such as us-east-1")
            check(prefix.isEmpty || (!prefix.hasPrefix("/") && prefix.split(separator: "/", omittingEmptySubsequences: false)
                .dropLast(prefix.hasSuffix("/") ? 1 : 0).allSatisfy { SafePath.isPlainComponent(String($0)) }),
                  "prefix", "'\(prefix)' must be relative, with no empty, '.' or '..' component (e.g. archive/)")
            check(((5 << 20)...(5 << 30)).contains(partSize), "part_size",
                  "\(partSize) bytes is out of range \(5 << 20)...\(5 << 30) (S3 parts are 5 MiB to 5 GiB)")
            check(S3VerifyMode(rawValue: verify) != nil, "verify", "'\(verify)' is not one of: checksum, download")
            check((1...86_400).contains(requestTimeout), "request_timeout", "\(requestTimeout) seconds is out of range 1...86400")
            check((1...20).contains(retries), "retries", "\(retries) is out of range 1...20")
            check((1...32).contains(concurrentRequests), "concurrent_requests", "\(concurrentRequests) is out of range 1...32")
            absoluteOrEmpty(credentialsFile, "credentials_file")
            absoluteOrEmpty(caFile, "ca_file")
            check(storageClass.utf8.allSatisfy { ($0 >= 65 && $0 <= 90) || $0 == 95 }, "storage_class",
                  "'\(storageClass)' is not a storage class such as STANDARD_IA")
        case "rsync":
            check(!host.isEmpty && host.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "@") && $0 != UInt8(ascii: ":") }
                  && !host.hasPrefix("-"), "host", "'\(host)' is not a host name (e.g. logs.example.org)")
            check(user.isEmpty || (user.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "@") } && !user.hasPrefix("-")),
                  "user", "'\(user)' is not a user name")
            check((1...65_535).contains(port), "port", "\(port) is out of range 1...65535")
            check(path.hasPrefix("/") && !path.split(separator: "/").contains(".."), "path",
                  "'\(path)' must be an absolute path on the central host, without '..'")
            absoluteOrEmpty(identityFile, "identity_file")
            absoluteOrEmpty(knownHosts, "known_hosts")
        default:
            check(path.hasPrefix("/"), "path", "'\(path)' must be an absolute path")
        }
        return found
    }
}

/// What an S3 endpoint must look like.
public enum S3Endpoint {
    /// Nil when `text` is an http(s) URL with a host and nothing after it but an optional port; plain http only
    /// for loopback (credentials and data would cross the network in clear).
    public static func problem(_ text: String) -> String? {
        let scheme: String
        if text.hasPrefix("https://") { scheme = "https" } else if text.hasPrefix("http://") { scheme = "http" } else {
            return "'\(text)' is not an endpoint URL: write e.g. https://s3.eu-west-1.amazonaws.com"
        }
        var rest = text.dropFirst(scheme.count + 3)
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("@"), !rest.contains("?"), !rest.contains(" ") else {
            return "'\(text)' is not an endpoint URL: only scheme, host and port (no path, user or query)"
        }
        let host = rest.hasPrefix("[") ? String(rest.prefix(while: { $0 != "]" }).dropFirst()) : String(rest.prefix(while: { $0 != ":" }))
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]"), rest.first != "[" || rest[colon...].count < rest.count {
            let port = rest[rest.index(after: colon)...]
            guard let n = Int(port), (1...65_535).contains(n) else { return "'\(text)' has an invalid port" }
        }
        guard !host.isEmpty else { return "'\(text)' has no host" }
        if scheme == "http" && !(host == "localhost" || host.hasPrefix("127.") || host == "::1") {
            return "'\(text)' is plain http to another host: use https (http is allowed for loopback tests only)"
        }
        return nil
    }

    /// S3's bucket naming rules (the DNS-compatible ones every S3-compatible server accepts).
    public static func isValidBucket(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (3...63).contains(bytes.count) else { return false }
        func alnum(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || (b >= 48 && b <= 57) }
        guard alnum(bytes.first!), alnum(bytes.last!), !name.contains("..") else { return false }
        return bytes.allSatisfy { alnum($0) || $0 == 45 || $0 == 46 }
    }
}
