import SyslogWire
import Testing

/// What `RELPTransport` counts as acknowledged when the server misbehaves in ways rsyslog will not on demand
/// (a scripted RELP server on loopback): only the leading messages answered 200, in transaction order.
@Suite struct RELPAcknowledgementTests {
    static func transport(port: Int) throws -> RELPTransport {
        RELPTransport(endpoint: SyslogEndpoint(host: "127.0.0.1", port: port, connectTimeoutSeconds: 2, ioTimeoutSeconds: 2),
                      format: try SyslogMessageFormat(hostname: "web-host-1"), window: 16)
    }

    @Test func aServerCloseMidBatchReportsTheMessagesAnsweredBeforeIt() throws {
        let server = try ScriptedRELPServer { $0 == 37 ? .serverCloseBeforeThis : .ok }
        let transport = try Self.transport(port: server.port)
        let batch = TestLines.batch(file: "access_log.scripted", count: 100, special: false)
        #expect(throws: SyslogTransportError.interrupted(acknowledged: 37, reason: "RELP to 127.0.0.1:\(server.port): the receiver closed the session (serverclose): it is shutting down or restarting")) {
            try transport.deliver(batch)
        }
    }

    @Test func anAnswerThatIsNot200IsAConfigurationErrorNamingTheCodeAndTheLine() throws {
        let server = try ScriptedRELPServer { $0 == 5 ? .code("500 message too large") : .ok }
        let transport = try Self.transport(port: server.port)
        let batch = TestLines.batch(file: "access_log.scripted", count: 20, special: false)
        do {
            try transport.deliver(batch)
            Issue.record("a refused message was reported delivered")
        } catch {
            guard case .misconfigured(let message) = error else {
                Issue.record("expected misconfigured, got \(error)")
                return
            }
            #expect(message.contains("rsp 500 message too large"))
            #expect(message.contains("access_log.scripted offset \(batch.lines[5].fileOffset)"))
        }
    }

    @Test func answersOutOfOrderCountOnlyTheLeadingRun() throws {
        // Message 3 is answered only after message 9 arrived; the server then closes before message 12.
        let server = try ScriptedRELPServer { index in
            switch index {
            case 3: .holdUntilMessage(9)
            case 12: .serverCloseBeforeThis
            default: .ok
            }
        }
        let transport = try Self.transport(port: server.port)
        let batch = TestLines.batch(file: "access_log.scripted", count: 50, special: false)
        do {
            try transport.deliver(batch)
            Issue.record("delivered past a serverclose")
        } catch {
            guard case .interrupted(let acknowledged, _) = error else {
                Issue.record("expected interrupted, got \(error)")
                return
            }
            #expect(acknowledged == 12)
        }
    }

    @Test func theWindowBoundsTheMessagesInFlight() throws {
        // Nothing is answered until message 40 arrives: with a window of 16 it never does, and the delivery
        // times out with the window full instead of sending the whole batch.
        let server = try ScriptedRELPServer { _ in .holdUntilMessage(40) }
        let transport = try Self.transport(port: server.port)
        let batch = TestLines.batch(file: "access_log.scripted", count: 100, special: false)
        #expect(throws: SyslogTransportError.self) { try transport.deliver(batch) }
        #expect(server.messagesReceived == 16)
    }
}
