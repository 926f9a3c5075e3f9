import LogShipCore
import LogSplitCore

/// The `[tail]` section: where `logdump tail` forwards lines, how they are labelled, and whether `run` waits
/// for them before removing an original. Absent section: no tail, `run` removes as before.
public struct TailSection: Sendable, Equatable {
    /// `relp://host:port` (the default wire: every message acknowledged), `relps://` (RELP over TLS),
    /// `tcp://` (RFC 5424, octet counting), `tls://` (RFC 5425).
    public var receiver: String = ""
    /// CA bundle for `relps`/`tls`; "" = the system store.
    public var caFile: String = ""
    /// Client certificate and key (mutual TLS); both or neither.
    public var clientCert: String = ""
    public var clientKey: String = ""
    public var facility: String = "local0"
    public var severity: String = "info"
    /// Longer lines are sent as numbered parts of at most this many bytes.
    public var maxMessageBytes: Int = 65_536
    /// Full rescan of the roots, besides inotify.
    public var rescanSeconds: Int = 10
    /// `run` removes an original only once tail's checkpoint says it was streamed to its end.
    public var gateRemoval: Bool = true

    public init() {}

    public static let keys: Set<String> = [
        "receiver", "ca_file", "client_cert", "client_key", "facility", "severity", "max_message_bytes",
        "rescan_seconds", "gate_removal",
    ]

    public static let facilities = [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp",
        "ntp", "audit", "alert", "clock", "local0", "local1", "local2", "local3", "local4", "local5",
        "local6", "local7",
    ]
    public static let severities = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]
    /// `max_message_bytes`: at least what RFC 5425 receivers must accept, at most 1 MiB (one batch).
    public static let messageBytesRange = 480...(1 << 20)
    public static let rescanRange = 1...3600
    /// What a message adds to the line: PRI, version, timestamp, hostname, app name and the structured data with
    /// container, site, file, offset and part (names are bounded by the file-name limits, 255 bytes each).
    public static let headerAllowanceBytes = 1_024

    /// The numeric facility (0...23) and severity (0...7) of the PRI; nil when the names are unknown.
    public var facilityCode: Int? { Self.facilities.firstIndex(of: facility) }
    public var severityCode: Int? { Self.severities.firstIndex(of: severity) }

    /// The parsed receiver, or nil when `receiver` is not usable (`problems()` says why).
    public var endpoint: ReceiverEndpoint? { try? ReceiverEndpoint(receiver) }

    /// Every problem of the section, key by key.
    public func problems() -> [ConfigProblem] {
        var found: [ConfigProblem] = []
        func check(_ ok: Bool, _ key: String, _ message: @autoclosure () -> String) {
            if !ok { found.append(ConfigProblem(key: "tail." + key, message: message())) }
        }
        var endpoint: ReceiverEndpoint?
        do { endpoint = try ReceiverEndpoint(receiver) } catch { found.append(error) }
        check(facilityCode != nil, "facility", "'\(facility)' is not a syslog facility (one of: \(Self.facilities.joined(separator: ", ")))")
        check(severityCode != nil, "severity", "'\(severity)' is not a syslog severity (one of: \(Self.severities.joined(separator: ", ")))")
        check(Self.messageBytesRange.contains(maxMessageBytes), "max_message_bytes",
              "\(maxMessageBytes) is out of range \(Self.messageBytesRange.lowerBound)...\(Self.messageBytesRange.upperBound) "
                + "(the receiver must accept at least this much: rsyslog global(maxMessageSize=\"64k\"))")
        check(Self.rescanRange.contains(rescanSeconds), "rescan_seconds",
              "\(rescanSeconds) is out of range \(Self.rescanRange.lowerBound)...\(Self.rescanRange.upperBound)")
        check(clientCert.isEmpty == clientKey.isEmpty, "client_cert",
              "give both client_cert and client_key (mutual TLS), or neither")
        for (key, value) in [("ca_file", caFile), ("client_cert", clientCert), ("client_key", clientKey)] {
            check(value.isEmpty || value.hasPrefix("/"), key, "'\(value)' must be an absolute path")
            if let endpoint, !endpoint.tls {
                check(value.isEmpty, key, "only used with TLS (relps:// or tls://); \(receiver) is plain")
            }
        }
        return found
    }

    /// Reads the section from its TOML table; wrong types are added to `problems`.
    static func parse(_ table: TOMLTable, problems: inout [ConfigProblem]) -> TailSection {
        var tail = TailSection()
        func string(_ key: String, _ apply: (String) -> Void) {
            guard let v = table[key] else { return }
            if let s = v.string { apply(s) } else { problems.append(ConfigProblem(key: "tail.\(key)", message: "must be a string")) }
        }
        string("receiver") { tail.receiver = $0 }
        string("ca_file") { tail.caFile = $0 }
        string("client_cert") { tail.clientCert = $0 }
        string("client_key") { tail.clientKey = $0 }
        string("facility") { tail.facility = $0 }
        string("severity") { tail.severity = $0 }
        if let v = table["max_message_bytes"] {
            if let i = v.int { tail.maxMessageBytes = i } else if let text = v.string {
                do { tail.maxMessageBytes = try ByteCount.parse(text) } catch {
                    problems.append(ConfigProblem(key: "tail.max_message_bytes", message: error.message))
                }
            } else {
                problems.append(ConfigProblem(key: "tail.max_message_bytes", message: "must be a size such as \"64K\" or a number of bytes"))
            }
        }
        if let v = table["rescan_seconds"] {
            if let i = v.int { tail.rescanSeconds = i } else {
                problems.append(ConfigProblem(key: "tail.rescan_seconds", message: "must be an integer number of seconds"))
            }
        }
        if let v = table["gate_removal"] {
            if let b = v.bool { tail.gateRemoval = b } else {
                problems.append(ConfigProblem(key: "tail.gate_removal", message: "must be true or false"))
            }
        }
        return tail
    }
}

/// `tail.receiver` parsed: the wire, TLS or not, host and port.
public struct ReceiverEndpoint: Sendable, Equatable, CustomStringConvertible {
    public enum Wire: String, Sendable {
        case relp
        case syslog
    }

    public var wire: Wire
    public var tls: Bool
    public var host: String
    public var port: Int

    public init(_ text: String) throws(ConfigProblem) {
        let schemes: [String: (Wire, Bool)] = [
            "relp": (.relp, false), "relps": (.relp, true), "tcp": (.syslog, false), "tls": (.syslog, true),
        ]
        let example = "write e.g. \"relp://logs.example.org:2514\", \"relps://…:2515\", \"tcp://…:514\" or \"tls://…:6514\""
        guard !text.isEmpty else {
            throw ConfigProblem(key: "tail.receiver", message: "missing: \(example)")
        }
        guard let separator = text.range(of: "://"), let (wire, tls) = schemes[String(text[..<separator.lowerBound])] else {
            throw ConfigProblem(key: "tail.receiver", message: "'\(text)' has no known scheme (relp, relps, tcp, tls): \(example)")
        }
        var rest = String(text[separator.upperBound...])
        if rest.hasSuffix("/") { rest.removeLast() }
        let host: String, portText: String
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            portText = after.hasPrefix(":") ? String(after.dropFirst()) : ""
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            portText = String(rest[rest.index(after: colon)...])
        } else {
            host = rest
            portText = ""
        }
        guard !host.isEmpty, !host.contains("/"), !host.contains("@"), !host.contains(" ") else {
            throw ConfigProblem(key: "tail.receiver", message: "'\(text)' names no usable host: \(example)")
        }
        guard let port = Int(portText), (1...65_535).contains(port) else {
            throw ConfigProblem(key: "tail.receiver", message: "'\(text)' needs a port 1...65535 after the host: \(example)")
        }
        self.wire = wire
        self.tls = tls
        self.host = host
        self.port = port
    }

    public var description: String {
        let scheme = wire == .relp ? (tls ? "relps" : "relp") : (tls ? "tls" : "tcp")
        return "\(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }
}
