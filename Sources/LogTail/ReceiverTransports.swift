import LogDump
import SyslogWire

#if canImport(Glibc)
import Glibc
#endif

/// The transport `[tail] receiver` names: RELP (`relp://`, `relps://`) or RFC 5424 with octet counting over TCP
/// (`tcp://`) or TLS (`tls://`). Nothing connects here; the first delivery does.
public enum ReceiverTransports {
    public static func make(_ tail: TailSection, _ configuration: DumpConfiguration) throws(SyslogTransportError) -> any SyslogTransport {
        guard let receiver = tail.endpoint else {
            throw .misconfigured("tail.receiver '\(tail.receiver)' is not usable (logdump validate says why)")
        }
        guard let facility = tail.facilityCode.flatMap(SyslogFacility.init(rawValue:)),
              let severity = tail.severityCode.flatMap(SyslogSeverity.init(rawValue:)) else {
            throw .misconfigured("tail.facility '\(tail.facility)' or tail.severity '\(tail.severity)' is not a syslog name")
        }
        let format = try SyslogMessageFormat(hostname: configuration.host, appName: "logsplit", procID: "\(getpid())",
                                             msgID: "access", facility: facility, severity: severity)
        func optional(_ path: String) -> String? { path.isEmpty ? nil : path }
        let tls = receiver.tls ? TLSSettings(caFile: optional(tail.caFile), clientCertificateFile: optional(tail.clientCert),
                                             clientKeyFile: optional(tail.clientKey)) : nil
        let endpoint = SyslogEndpoint(host: receiver.host, port: receiver.port, tls: tls, connectTimeoutSeconds: 5, ioTimeoutSeconds: 20)
        switch receiver.wire {
        case .relp: return RELPTransport(endpoint: endpoint, format: format)
        case .syslog: return SyslogTCPTransport(endpoint: endpoint, format: format)
        }
    }
}
