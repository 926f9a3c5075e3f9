import LogDump
import SyslogWire

/// The transport `[tail] receiver` names, built from the wire module.
public enum ReceiverTransports {
    public static func make(_ tail: TailSection, _ configuration: DumpConfiguration) throws(SyslogTransportError) -> any SyslogTransport {
        guard let endpoint = tail.endpoint else {
            throw .misconfigured("tail.receiver '\(tail.receiver)' is not usable (logdump validate says why)")
        }
        throw .misconfigured("\(endpoint): the \(endpoint.wire == .relp ? "RELP" : "syslog TCP/TLS") transport is not in this build yet")
    }
}
