import Foundation
import RsyslogTestSupport
import SyslogWire
import Testing

/// What an operator sees when the receiver cannot be trusted or reached: a certificate from another CA or for
/// another name is refused as `.misconfigured` with what to change; a receiver that is down is `.unreachable`
/// (nothing sent) within the connect timeout.
@Suite struct TransportRefusalTests {
    static let batch = TestLines.batch(file: "access_log.refused", count: 3, special: false)

    static func format() throws -> SyslogMessageFormat { try SyslogMessageFormat(hostname: "web-host-1") }

    static func misconfiguration(_ transport: any SyslogTransport) -> String? {
        do {
            try transport.deliver(batch)
            return nil
        } catch {
            if case .misconfigured(let message) = error { return message }
            return "not misconfigured: \(error)"
        }
    }

    @Test(arguments: [RsyslogTestServer.Kind.tls, .relpTLS])
    func aReceiverCertificateFromAnotherCAIsRefusedAndTheMessageSaysSetCAFile(kind: RsyslogTestServer.Kind) throws {
        let server = try RsyslogTestServer.shared()
        var endpoint = server.endpoint(kind)
        endpoint.tls?.caFile = server.otherCAFile
        let transport: any SyslogTransport = kind.isRELP ? RELPTransport(endpoint: endpoint, format: try Self.format())
            : SyslogTCPTransport(endpoint: endpoint, format: try Self.format())
        let message = try #require(Self.misconfiguration(transport))
        #expect(message.contains("127.0.0.1:\(endpoint.port)"))
        #expect(message.contains("certificate verify failed"))
        #expect(message.contains("set ca_file"))
    }

    @Test func theSystemStoreDoesNotTrustAPrivateCA() throws {
        let server = try RsyslogTestServer.shared()
        var endpoint = server.endpoint(.tls)
        endpoint.tls?.caFile = nil
        let message = try #require(Self.misconfiguration(SyslogTCPTransport(endpoint: endpoint, format: try Self.format())))
        #expect(message.contains("certificate verify failed"), "\(message)")
        #expect(message.contains("set ca_file"))
    }

    @Test(arguments: ["wrong.example", "10.9.8.7"])
    func aReceiverCertificateForAnotherNameIsRefused(serverName: String) throws {
        let server = try RsyslogTestServer.shared()
        var endpoint = server.endpoint(.tls)
        endpoint.tls?.serverName = serverName
        let message = try #require(Self.misconfiguration(SyslogTCPTransport(endpoint: endpoint, format: try Self.format())))
        #expect(message.contains("certificate verify failed"), "\(message)")
        #expect(message.contains("does not name"))
    }

    @Test func theNameInTheCertificateIsAccepted() throws {
        let server = try RsyslogTestServer.shared()
        var endpoint = server.endpoint(.tls)
        endpoint.tls?.serverName = "localhost"
        let transport = SyslogTCPTransport(endpoint: endpoint, format: try Self.format())
        try transport.deliver(TestLines.batch(file: "access_log.by-name-\(getpid())", count: 3, special: false))
        transport.close()
    }

    @Test func aClientCertificateWithoutItsKeyIsAConfigurationError() throws {
        let server = try RsyslogTestServer.shared()
        var endpoint = server.endpoint(.mutualTLS)
        endpoint.tls?.clientKeyFile = nil
        let message = try #require(Self.misconfiguration(SyslogTCPTransport(endpoint: endpoint, format: try Self.format())))
        #expect(message.contains("client_certificate and client_key go together"))
    }

    @Test(arguments: [RsyslogTestServer.Kind.relpTLS, .mutualTLS])
    func withoutTheClientCertificateTheReceiverRequiresTheMessageSaysToSetIt(kind: RsyslogTestServer.Kind) throws {
        let server = try RsyslogTestServer.shared()
        var endpoint = server.endpoint(kind, ioTimeoutSeconds: 3)
        endpoint.tls?.clientCertificateFile = nil
        endpoint.tls?.clientKeyFile = nil
        // The receiver refuses the certificate after the TLS 1.3 handshake; on a machine as loaded as CI can be it
        // may take longer than the default quarter second to hang up, so this test waits up to 3 s for it.
        let transport: any SyslogTransport = kind.isRELP ? RELPTransport(endpoint: endpoint, format: try Self.format())
            : SyslogTCPTransport(endpoint: endpoint, format: try Self.format(), tlsSettleSeconds: 3)
        do {
            try transport.deliver(TestLines.batch(file: "access_log.no-client-cert-\(kind.rawValue)-\(getpid())", count: 3, special: false))
            Issue.record("delivered without the client certificate the receiver requires")
        } catch {
            let message: String
            switch error {
            case .interrupted(let acknowledged, let reason):
                #expect(acknowledged == 0)
                message = reason
            case .unreachable(let reason):
                message = reason
            case .misconfigured(let reason):
                message = reason
            }
            #expect(message.contains("client_certificate"), "\(message)")
            #expect(message.contains("127.0.0.1:\(endpoint.port)"))
        }
        // Nothing of it reached the receiver's file.
        #expect(TransportDeliveryTests.received(file: "access_log.no-client-cert-\(kind.rawValue)-\(getpid())", server: server).isEmpty)
    }

    @Test(arguments: [RsyslogTestServer.Kind.tcp, .relp, .tls])
    func aReceiverThatIsDownIsUnreachableWithNothingSentAtOnce(kind: RsyslogTestServer.Kind) throws {
        let port = try Self.closedPort()
        let tls = kind == .tls ? TLSSettings(caFile: "/etc/ssl/certs/ca-certificates.crt") : nil
        let endpoint = SyslogEndpoint(host: "127.0.0.1", port: port, tls: tls, connectTimeoutSeconds: 2, ioTimeoutSeconds: 2)
        let transport: any SyslogTransport = kind.isRELP ? RELPTransport(endpoint: endpoint, format: try Self.format())
            : SyslogTCPTransport(endpoint: endpoint, format: try Self.format())
        let started = Date()
        do {
            try transport.deliver(Self.batch)
            Issue.record("delivered to a closed port")
        } catch {
            guard case .unreachable(let reason) = error else {
                Issue.record("expected unreachable (nothing sent), got \(error)")
                return
            }
            #expect(reason.contains("127.0.0.1:\(port)"))
            #expect(reason.contains("Connection refused"), "\(reason)")
        }
        #expect(Date().timeIntervalSince(started) < 1)
    }

    @Test func aConnectThatGetsNoAnswerGivesUpAtTheConnectTimeout() throws {
        // A listener whose backlog is full leaves new SYNs unanswered: the connect waits, then times out.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        listen(listener, 0)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        // Fill the backlog with connections nobody accepts.
        var fillers: [Int32] = []
        defer { fillers.forEach { close($0) } }
        for _ in 0..<4 {
            let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(filler, $0, length) } }
            fillers.append(filler)
        }
        usleep(50_000)
        let endpoint = SyslogEndpoint(host: "127.0.0.1", port: port, connectTimeoutSeconds: 0.5, ioTimeoutSeconds: 0.5)
        let transport = RELPTransport(endpoint: endpoint, format: try Self.format())
        let started = Date()
        #expect(throws: SyslogTransportError.self) { try transport.deliver(Self.batch) }
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed >= 0.4 && elapsed < 3, "gave up after \(elapsed) s")
    }

    /// A loopback port nobody listens on (bound, then released).
    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
