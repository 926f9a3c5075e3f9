import Foundation
import SyslogWire
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A private rsyslogd (TCP, TLS, mutual TLS, RELP, RELP over TLS on loopback) started by
/// scripts/test-services/rsyslog.sh; its watchdog stops it and removes its directory when the test process ends.
/// `shared` serves the tests that only deliver; a test that kills the receiver starts its own.
final class RsyslogTestServer: @unchecked Sendable {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/test-services/rsyslog.sh").path

    let directory: String
    private(set) var values: [String: String]

    private static let sharedServer: Result<RsyslogTestServer, any Error> = Result { try RsyslogTestServer(name: "shared") }

    /// The process's shared receiver (started on first use).
    static func shared() throws -> RsyslogTestServer { try sharedServer.get() }

    init(name: String) throws {
        directory = "/tmp/logsplit-rsyslog-\(getpid())-\(name)"
        values = [:]
        values = try run("start", extra: "--owner-pid \(getpid())")
    }

    deinit { stop() }

    func port(_ key: String) -> Int { Int(values[key] ?? "") ?? 0 }
    var caFile: String { values["SYSLOG_CA"] ?? "" }
    var otherCAFile: String { values["SYSLOG_OTHER_CA"] ?? "" }
    var clientCertificate: String { values["SYSLOG_CLIENT_CERT"] ?? "" }
    var clientKey: String { values["SYSLOG_CLIENT_KEY"] ?? "" }
    var receivedFile: String { values["SYSLOG_RECEIVED"] ?? "" }

    /// The endpoints of each transport kind, with short timeouts (tests stay fast when something is wrong).
    func endpoint(_ kind: Kind, ioTimeoutSeconds: Double = 10) -> SyslogEndpoint {
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

    enum Kind: String, CaseIterable, Sendable {
        case tcp, tls, mutualTLS, relp, relpTLS
        var isRELP: Bool { self == .relp || self == .relpTLS }
    }

    /// SIGSTOP: the receiver stops reading; its kernel still acknowledges what fits in the socket buffers.
    func pause() {
        if let pid = Int32(values["RSYSLOG_PID"] ?? "") { Glibc.kill(pid, SIGSTOP) }
    }

    /// SIGKILL: the receiver dies as in a crash, its connections are reset by the kernel.
    func kill() throws { _ = try run("kill") }

    /// Starts the receiver again on the same ports and waits until it answers.
    func restart() throws { values = try run("restart") }

    func stop() { _ = try? run("stop") }

    /// The size of the receiver's file.
    func receivedBytes() -> Int {
        var info = stat()
        return stat(receivedFile, &info) == 0 ? Int(info.st_size) : 0
    }

    /// Every message received so far: the raw RFC 5424 text, one per line of the receiver's file.
    func receivedMessages() -> [[UInt8]] {
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
            throw RsyslogTestFailure("rsyslog.sh \(command) failed (exit \(status)\(status == 3 ? ", not installed: .ci/run installs it" : "")): \(errors)")
        }
        var values: [String: String] = [:]
        for line in output.split(separator: "\n") {
            if let eq = line.firstIndex(of: "=") { values[String(line[..<eq])] = String(line[line.index(after: eq)...]) }
        }
        return values
    }
}

/// A test's own setup went wrong (the receiver did not start): the test fails with this text.
struct RsyslogTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
