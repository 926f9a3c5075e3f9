import Foundation
import RsyslogTestSupport

/// The private rsyslogd of `logdump tail`'s end-to-end tests: the one the wire's tests use (module
/// RsyslogTestSupport, started by scripts/test-services/rsyslog.sh, stopped and removed by its watchdog when the
/// test runner ends). Every message it receives is one raw RFC 5424 line of `received.log`.
typealias TailReceiver = RsyslogTestServer

extension RsyslogTestServer {
    var relpPort: Int { port(Kind.relp.portKey) }
    var tcpPort: Int { port(Kind.tcp.portKey) }

    /// Every message received so far: MSG (the forwarded line, decoded as UTF-8) and the structured data's parameters.
    func messages() -> [(message: String, parameters: [String: String])] {
        receivedMessages().compactMap { Self.parse($0) }
    }

    /// `<PRI>1 TS HOST APP PROCID MSGID [logsplit@32473 k="v" ...] MSG`, MSG decoded as UTF-8; nil if not ours.
    static func parse(_ raw: [UInt8]) -> (message: String, parameters: [String: String])? {
        ReceivedMessage(raw).map { (String(decoding: $0.message, as: UTF8.self), $0.parameters) }
    }
}

/// A test's setup around the receiver went wrong: the test fails with this text.
struct TailReceiverFailure: Error, CustomStringConvertible {
    let description: String
}
