import Foundation
import RsyslogTestSupport
import SyslogWire
import Testing

/// Every transport against a real rsyslog: a batch of a few thousand lines (non-UTF-8 bytes, escaped
/// characters, a 64 KiB line among them) arrives exactly, line by line.
@Suite struct TransportDeliveryTests {
    static func transport(_ kind: RsyslogTestServer.Kind, server: RsyslogTestServer) throws -> any SyslogTransport {
        let format = try SyslogMessageFormat(hostname: "web-host-1", appName: "logsplit", msgID: "ACCESS")
        return kind.isRELP ? RELPTransport(endpoint: server.endpoint(kind), format: format)
            : SyslogTCPTransport(endpoint: server.endpoint(kind), format: format)
    }

    /// The messages of `file` the receiver got, by offset, with how many times each came.
    static func received(file: String, server: RsyslogTestServer) -> [Int64: (message: [UInt8], count: Int)] {
        var result: [Int64: (message: [UInt8], count: Int)] = [:]
        let marker = Array(" file=\"\(file)\"".utf8)
        for raw in server.receivedMessages() where ReceivedMessage.find(marker, in: raw) != nil {
            guard let message = ReceivedMessage(raw), message.parameters["file"] == file, let offset = message.offset else { continue }
            if let seen = result[offset] {
                result[offset] = (seen.message, seen.count + 1)
            } else {
                result[offset] = (message.message, 1)
            }
        }
        return result
    }

    /// Waits (bounded) until the receiver wrote `count` distinct messages of `file`. Counting raw lines is cheap;
    /// the full parse runs only once there are enough of them.
    static func awaitReceived(file: String, count: Int, server: RsyslogTestServer, seconds: Double = 10) -> [Int64: (message: [UInt8], count: Int)] {
        let end = Date().addingTimeInterval(seconds)
        let marker = Array(" file=\"\(file)\"".utf8)
        while Date() < end {
            let raw = server.receivedMessages().reduce(0) { $0 + (ReceivedMessage.find(marker, in: $1) != nil ? 1 : 0) }
            if raw >= count {
                let got = received(file: file, server: server)
                if got.count >= count { return got }
            }
            usleep(50_000)
        }
        return received(file: file, server: server)
    }

    @Test(arguments: RsyslogTestServer.Kind.allCases)
    func everyLineOfABatchArrivesExactlyOnce(kind: RsyslogTestServer.Kind) throws {
        let server = try RsyslogTestServer.shared()
        let file = "access_log.delivery-\(kind.rawValue)-\(getpid())"
        let batch = TestLines.batch(file: file, count: 3000)
        let transport = try Self.transport(kind, server: server)
        try transport.deliver(batch)
        // A second batch on the same connection.
        let second = TestLines.batch(file: file, count: 200, firstOffset: batch.lines.last!.fileOffset + 100_000)
        try transport.deliver(second)
        transport.close()
        transport.close()
        let expected = TestLines.byOffset(batch).merging(TestLines.byOffset(second)) { a, _ in a }
        let got = Self.awaitReceived(file: file, count: expected.count, server: server)
        #expect(got.count == expected.count)
        var mismatches = 0
        for (offset, line) in expected {
            guard let received = got[offset] else { mismatches += 1; continue }
            if received.message != line || received.count != 1 { mismatches += 1 }
        }
        #expect(mismatches == 0, "\(mismatches) lines missing, altered or duplicated over \(kind)")
        // The header as sent: PRI 134 (local0.info), version 1, the batch's time, host, app, msgid.
        let sample = server.receivedMessages().compactMap(ReceivedMessage.init).first { $0.parameters["file"] == file }
        #expect(sample.map { String(decoding: $0.header, as: UTF8.self) } == "<134>1 2025-11-30T14:05:09.123456Z web-host-1 logsplit - ACCESS ")
    }
}
