/// How every line becomes an RFC 5424 message:
///
///     <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [logsplit@32473 container="…" site="…" file="…" offset="…"] MSG
///
/// with `part="2/3"` added for a piece of a long line. MSG is the line's bytes as written: no BOM (rsyslog keeps
/// a BOM inside `%msg%`), non-UTF-8 bytes passed through (MSG-ANY). The header fields are checked once, here;
/// `SyslogBatchEncoder` then writes messages without further checks.
public struct SyslogMessageFormat: Sendable, Equatable {
    /// The SD-ID of the structured data: a private ID (`name@PEN`; 32473 is the example enterprise number of RFC 5612).
    public static let structuredDataID = "logsplit@32473"

    public let facility: SyslogFacility
    public let severity: SyslogSeverity
    public let hostname: String
    public let appName: String
    public let procID: String
    public let msgID: String

    /// PRI = facility × 8 + severity (local0.info = 134).
    public var priority: Int { facility.rawValue * 8 + severity.rawValue }

    /// Checks every header field against RFC 5424 §6 (printable US-ASCII, 33…126, and the length limits);
    /// an empty `procID` or `msgID` is written as the nil value `-`.
    public init(hostname: String, appName: String = "logsplit", procID: String = "-", msgID: String = "-",
                facility: SyslogFacility = .local0, severity: SyslogSeverity = .informational) throws(SyslogTransportError) {
        try Self.check(hostname, field: "hostname", limit: 255, allowNil: false)
        try Self.check(appName, field: "app_name", limit: 48, allowNil: false)
        try Self.check(procID.isEmpty ? "-" : procID, field: "procid", limit: 128, allowNil: true)
        try Self.check(msgID.isEmpty ? "-" : msgID, field: "msgid", limit: 32, allowNil: true)
        self.hostname = hostname
        self.appName = appName
        self.procID = procID.isEmpty ? "-" : procID
        self.msgID = msgID.isEmpty ? "-" : msgID
        self.facility = facility
        self.severity = severity
    }

    /// Why `value` cannot be the header field `field`, or nil when it can.
    public static func problem(with value: String, field: String, limit: Int, allowNil: Bool) -> String? {
        let bytes = Array(value.utf8)
        if bytes.isEmpty { return "syslog \(field) is empty: set it (RFC 5424 allows 1 to \(limit) printable ASCII characters)" }
        if bytes.count > limit {
            return "syslog \(field) \"\(value)\" is \(bytes.count) bytes long: RFC 5424 allows at most \(limit); shorten it"
        }
        if let bad = bytes.first(where: { $0 < 33 || $0 > 126 }) {
            let shown = bad < 128 ? "byte 0x\(String(bad, radix: 16))" : "a non-ASCII character"
            return "syslog \(field) \"\(value)\" contains \(shown): RFC 5424 allows printable US-ASCII only (no space); change it"
        }
        if !allowNil && value == "-" { return "syslog \(field) \"-\" is the nil value: give a real \(field)" }
        return nil
    }

    private static func check(_ value: String, field: String, limit: Int, allowNil: Bool) throws(SyslogTransportError) {
        if let problem = problem(with: value, field: field, limit: limit, allowNil: allowNil) { throw .misconfigured(problem) }
    }

    /// Appends a PARAM-VALUE with `"`, `\` and `]` escaped by a backslash (RFC 5424 §6.3.3).
    public static func appendEscapedParameterValue<Bytes: Sequence>(_ value: Bytes, to out: inout [UInt8]) where Bytes.Element == UInt8 {
        for byte in value {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "]") { out.append(UInt8(ascii: "\\")) }
            out.append(byte)
        }
    }

    /// The encoder of one batch's messages (its header and structured data prefix built once).
    public func encoder(for batch: LineBatch) -> SyslogBatchEncoder { SyslogBatchEncoder(format: self, batch: batch) }
}
