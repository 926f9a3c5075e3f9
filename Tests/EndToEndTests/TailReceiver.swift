import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A private rsyslogd for `logdump tail`'s end-to-end tests, started by scripts/test-services/rsyslog.sh (the
/// wire's tests use the same script); its watchdog stops it and removes its directory when the test runner ends.
/// Every message it receives is one raw RFC 5424 line of `received.log`.
final class TailReceiver: @unchecked Sendable {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/test-services/rsyslog.sh").path

    let directory: String
    private(set) var values: [String: String] = [:]

    init(name: String) throws {
        directory = "/tmp/logsplit-tail-rsyslog-\(getpid())-\(name)"
        values = try run("start", extra: "--owner-pid \(getpid())")
    }

    deinit { _ = try? run("stop") }

    var relpPort: Int { Int(values["SYSLOG_RELP_PORT"] ?? "") ?? 0 }
    var tcpPort: Int { Int(values["SYSLOG_TCP_PORT"] ?? "") ?? 0 }
    var receivedFile: String { values["SYSLOG_RECEIVED"] ?? "" }

    func kill() throws { _ = try run("kill") }
    func restart() throws { values = try run("restart") }

    /// Every message received so far: MSG (the forwarded line) and the structured data's parameters.
    func messages() -> [(message: String, parameters: [String: String])] {
        guard let data = FileManager.default.contents(atPath: receivedFile) else { return [] }
        return data.split(separator: UInt8(ascii: "\n")).compactMap { Self.parse(Array($0)) }
    }

    /// `<PRI>1 TS HOST APP PROCID MSGID [logsplit@32473 k="v" ...] MSG`.
    static func parse(_ raw: [UInt8]) -> (message: String, parameters: [String: String])? {
        let text = String(decoding: raw, as: UTF8.self)
        guard let sd = text.range(of: "[logsplit@32473") else { return nil }
        var parameters: [String: String] = [:]
        var rest = text[sd.upperBound...]
        while rest.first == " " {
            rest = rest.dropFirst()
            guard let eq = rest.firstIndex(of: "=") else { return nil }
            let name = String(rest[..<eq])
            rest = rest[rest.index(eq, offsetBy: 2)...]
            var value = ""
            while let c = rest.first, c != "\"" {
                if c == "\\" { rest = rest.dropFirst() }
                if let v = rest.first { value.append(v) }
                rest = rest.dropFirst()
            }
            rest = rest.dropFirst()
            parameters[name] = value
        }
        guard rest.first == "]" else { return nil }
        rest = rest.dropFirst()
        if rest.first == " " { rest = rest.dropFirst() }
        return (String(rest), parameters)
    }

    @discardableResult
    private func run(_ command: String, extra: String = "") throws -> [String: String] {
        let outFile = directory + ".\(command).out", errFile = directory + ".\(command).err"
        let raw = system("/bin/bash '\(Self.script)' \(command) '\(directory)' \(extra) </dev/null >'\(outFile)' 2>'\(errFile)'")
        let output = (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOfFile: errFile, encoding: .utf8)) ?? ""
        unlink(outFile)
        unlink(errFile)
        let status = raw >= 0 && raw & 0x7f == 0 ? (raw >> 8) & 0xff : -1
        guard status == 0 else {
            throw TailReceiverFailure(description: "rsyslog.sh \(command) failed (exit \(status)"
                + "\(status == 3 ? ", not installed: apt-get install -y rsyslog rsyslog-relp rsyslog-gnutls" : "")): \(errors)")
        }
        var values: [String: String] = [:]
        for line in output.split(separator: "\n") {
            if let eq = line.firstIndex(of: "=") { values[String(line[..<eq])] = String(line[line.index(after: eq)...]) }
        }
        return values
    }
}

struct TailReceiverFailure: Error, CustomStringConvertible {
    let description: String
}

/// A logsplit fed by the test through a pipe, as Apache feeds it.
final class PipedLogsplit: @unchecked Sendable {
    let process = Process()
    private let input = Pipe()

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: Executables.logsplit)
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Not inherited by what the test starts later (a receiver restarted through system(3) would keep the
        // pipe open, and logsplit would never see its end).
        _ = fcntl(input.fileHandleForWriting.fileDescriptor, F_SETFD, FD_CLOEXEC)
    }

    func write(_ lines: [String]) throws {
        try input.fileHandleForWriting.write(contentsOf: Data(lines.map { $0 + "\n" }.joined().utf8))
    }

    func finish() throws {
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
