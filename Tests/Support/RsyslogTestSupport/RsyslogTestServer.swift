import Foundation
import SyslogWire

#if canImport(Glibc)
import Glibc
#endif

/// A private rsyslogd (TCP, TLS, mutual TLS, RELP, RELP over TLS on loopback) started by
/// scripts/test-services/rsyslog.sh; its watchdog stops it and removes its directory when the test process ends.
/// `shared` serves the tests that only deliver; a test that kills the receiver starts its own. One implementation
/// for the wire's tests (SyslogWireTests) and `logdump tail`'s end-to-end tests (EndToEndTests).
public final class RsyslogTestServer: @unchecked Sendable {
    public static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/test-services/rsyslog.sh").path

    public let directory: String
    public private(set) var values: [String: String]

    private static let sharedServer: Result<RsyslogTestServer, any Error> = Result { try RsyslogTestServer(name: "shared") }

    /// The process's shared receiver (started on first use).
    public static func shared() throws -> RsyslogTestServer { try sharedServer.get() }

    public init(name: String) throws {
        directory = "/tmp/logsplit-rsyslog-\(getpid())-\(name)"
        values = [:]
        values = try run("start", extra: "--owner-pid \(getpid())")
    }

    deinit { stop() }

    public func port(_ key: String) -> Int { Int(values[key] ?? "") ?? 0 }
    public var caFile: String { values["SYSLOG_CA"] ?? "" }
    public var otherCAFile: String { values["SYSLOG_OTHER_CA"] ?? "" }
    public var clientCertificate: String { values["SYSLOG_CLIENT_CERT"] ?? "" }
    public var clientKey: String { values["SYSLOG_CLIENT_KEY"] ?? "" }
    public var receivedFile: String { values["SYSLOG_RECEIVED"] ?? "" }

    /// The endpoints of each transport kind, with short timeouts (tests stay fast when something is wrong).
    public func endpoint(_ kind: Kind, ioTimeoutSeconds: Double = 10) -> SyslogEndpoint {
        let mutual = TLSSettings(caFile: caFile, clientCertificateFile: clientCertificate, clientKeyFile: clientKey)
        switch kind {
        case .tcp: return SyslogEndpoint(host: "127.0.0.1", port: port("SYSLOG_TCP_PORT"), connectTimeoutSeconds: 2, ioTimeoutSeconds: ioTimeoutSeconds)
        case .tls: return SyslogEndpoint(host: "127.0.0.1", port: port("SYSLOG_TLS_PORT"), tls: TLSSettings(caFile: caFile),
                                         connectTimeoutSeconds: 2, ioTimeoutSeconds: ioTimeoutSeconds)
        case .mutualTLS: return SyslogEndpoint(host: "127.0.0.1", port: port("SYSLOG_MTLS_PORT"), tls: mutual,
                                               connectTimeoutSeconds: 2, ioTimeoutSeconds: ioTimeoutSeconds)
        case .relp: return SyslogEndpoint(host: "127.0.0.1", port: port("SYSLOG_RELP_PORT"), connectTimeoutSeconds: 2, ioTimeoutSeconds: ioTimeoutSeconds)
        case .relpTLS: return SyslogEndpoint(host: "127.0.0.1", port: port("SYSLOG_RELP_TLS_PORT"), tls: mutual,
                                             connectTimeoutSeconds: 2, ioTimeoutSeconds: ioTimeoutSeconds)
        }
    }

    /// The receiver's five listeners.
    public enum Kind: String, CaseIterable, Sendable {
        case tcp, tls, mutualTLS, relp, relpTLS
        public var isRELP: Bool { self == .relp || self == .relpTLS }
        /// The rsyslog.sh key of the listener's port.
        public var portKey: String {
            switch self {
            case .tcp: "SYSLOG_TCP_PORT"
            case .tls: "SYSLOG_TLS_PORT"
            case .mutualTLS: "SYSLOG_MTLS_PORT"
            case .relp: "SYSLOG_RELP_PORT"
            case .relpTLS: "SYSLOG_RELP_TLS_PORT"
            }
        }
        /// The scheme of `[tail] receiver` for this listener.
        public var scheme: String {
            switch self {
            case .tcp: "tcp"
            case .tls, .mutualTLS: "tls"
            case .relp: "relp"
            case .relpTLS: "relps"
            }
        }
        /// Whether the listener wants a client certificate.
        public var needsClientCertificate: Bool { self == .mutualTLS || self == .relpTLS }
    }

    /// The `[tail] receiver` URL of a listener, e.g. `relps://127.0.0.1:20004`.
    public func receiverURL(_ kind: Kind) -> String { "\(kind.scheme)://127.0.0.1:\(port(kind.portKey))" }

    /// The rsyslogd process id (changes on restart).
    public var pid: Int32? { Int32(values["RSYSLOG_PID"] ?? "") }

    /// SIGSTOP: the receiver stops reading; its kernel still acknowledges what fits in the socket buffers.
    public func pause() {
        if let pid = Int32(values["RSYSLOG_PID"] ?? "") { Glibc.kill(pid, SIGSTOP) }
    }

    /// SIGKILL: the receiver dies as in a crash, its connections are reset by the kernel.
    public func kill() throws { _ = try run("kill") }

    /// Starts the receiver again on the same ports and waits until it answers.
    public func restart() throws { values = try run("restart") }

    public func stop() { _ = try? run("stop") }

    /// The size of the receiver's file.
    public func receivedBytes() -> Int {
        var info = stat()
        return stat(receivedFile, &info) == 0 ? Int(info.st_size) : 0
    }

    /// Every message received so far: the raw RFC 5424 text, one per line of the receiver's file.
    public func receivedMessages() -> [[UInt8]] {
        guard let data = FileManager.default.contents(atPath: receivedFile) else { return [] }
        return [UInt8](data).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).map(Array.init)
    }

    /// Runs the script; the KEY=VALUE lines it prints. Fails loudly (with its stderr) when it fails.
    @discardableResult
    private func run(_ command: String, extra: String = "") throws -> [String: String] {
        // system(3), not Foundation's Process: this may run inside a lazy static that parallel tests wait on.
        let outFile = directory + ".\(command).out", errFile = directory + ".\(command).err"
        let raw = system("/bin/bash '\(Self.script)' \(command) '\(directory)' \(extra) </dev/null >'\(outFile)' 2>'\(errFile)'")
        let output = (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOfFile: errFile, encoding: .utf8)) ?? ""
        unlink(outFile)
        unlink(errFile)
        let status = raw >= 0 && raw & 0x7f == 0 ? (raw >> 8) & 0xff : -1
        guard status == 0 else {
            throw RsyslogTestFailure("rsyslog.sh \(command) failed (exit \(status)\(status == 3 ? ", not installed: apt-get install -y --no-install-recommends rsyslog rsyslog-relp rsyslog-gnutls openssl" : "")): \(errors)")
        }
        var values: [String: String] = [:]
        for line in output.split(separator: "\n") {
            if let eq = line.firstIndex(of: "=") { values[String(line[..<eq])] = String(line[line.index(after: eq)...]) }
        }
        return values
    }
}

/// A test's own setup went wrong (the receiver did not start): the test fails with this text.
public struct RsyslogTestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
