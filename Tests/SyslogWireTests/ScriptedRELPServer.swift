import Foundation
import RsyslogTestSupport
import SyslogWire

#if canImport(Glibc)
import Glibc
#endif

/// A RELP server on loopback that answers as a script says, for what a real rsyslog will not do on demand: refuse
/// one message, answer a few and then close the session, answer out of order. One session, then it stops.
final class ScriptedRELPServer: @unchecked Sendable {
    /// What to answer to the syslog transaction with this 0-based message index.
    enum Answer: Sendable {
        case ok
        case code(String)  // e.g. "500 message refused"
        case serverCloseBeforeThis
        case holdUntilMessage(Int)  // answer this one only after that one arrived (out of order)
    }

    let port: Int
    private let listener: Int32
    private let script: @Sendable (Int) -> Answer
    private(set) var messagesReceived = 0

    init(script: @escaping @Sendable (Int) -> Answer) throws {
        self.script = script
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 4) == 0 else {
            close(fd)
            throw RsyslogTestFailure("scripted RELP server: cannot listen")
        }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let server = self
        Thread.detachNewThread { server.serveOneSession() }
    }

    deinit { close(listener) }

    /// Half-closes and reads until the client closes (at most 2 s): closing with unread frames would make the
    /// kernel reset the connection, and a reset discards the answers the client has not read yet.
    private func closeGracefully(_ connection: Int32, buffer: inout [UInt8]) {
        shutdown(connection, Int32(SHUT_WR))
        var entry = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
        while poll(&entry, 1, 2_000) > 0 {
            let read = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            if read <= 0 { return }
        }
    }

    private func serveOneSession() {
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { return }
        defer { close(connection) }
        var reader = RELPFrameReader()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var messageIndex = 0
        var held: [(until: Int, transaction: Int)] = []
        func send(_ frame: RELPFrame) {
            let bytes = frame.bytes
            _ = bytes.withUnsafeBytes { Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        while true {
            let read = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            guard read > 0 else { return }
            reader.append(buffer[0..<read])
            while let frame = try? reader.next() {
                switch frame.command {
                case "open":
                    send(RELPFrame(transactionNumber: frame.transactionNumber, command: "rsp",
                                   data: Array("200 OK\nrelp_version=0\nrelp_software=scripted\ncommands=syslog".utf8)))
                case "close":
                    send(RELPFrame(transactionNumber: frame.transactionNumber, command: "rsp"))
                    send(RELPFrame(transactionNumber: 0, command: "serverclose"))
                    return
                case "syslog":
                    let index = messageIndex
                    messageIndex += 1
                    messagesReceived = messageIndex
                    switch script(index) {
                    case .ok:
                        send(RELPFrame(transactionNumber: frame.transactionNumber, command: "rsp", data: Array("200 OK".utf8)))
                    case .code(let text):
                        send(RELPFrame(transactionNumber: frame.transactionNumber, command: "rsp", data: Array(text.utf8)))
                    case .serverCloseBeforeThis:
                        send(RELPFrame(transactionNumber: 0, command: "serverclose"))
                        closeGracefully(connection, buffer: &buffer)
                        return
                    case .holdUntilMessage(let other):
                        held.append((other, frame.transactionNumber))
                    }
                    for entry in held where entry.until == index {
                        send(RELPFrame(transactionNumber: entry.transaction, command: "rsp", data: Array("200 OK".utf8)))
                    }
                    held.removeAll { $0.until == index }
                default:
                    return
                }
            }
        }
    }
}
