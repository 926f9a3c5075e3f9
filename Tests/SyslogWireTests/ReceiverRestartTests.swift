import Foundation
import RsyslogTestSupport
import SyslogWire
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The receiver crashes (SIGKILL) mid-batch and comes back: the transport reports how many leading lines were
/// acknowledged, the caller sends the rest again from there, and in the end every line is at the receiver.
/// RELP: nothing acknowledged is lost (the test receiver writes before it answers), duplicates only among the
/// lines in flight. Plain TCP: every line from the reported count on is there; what is missing is only the
/// documented loss window (acknowledged by the receiver's kernel, never read by rsyslog).
@Suite(.serialized) struct ReceiverRestartTests {
    /// One receiver for the crash tests (they run one after the other), apart from the shared one that other
    /// tests use meanwhile.
    private static let crashServer: Result<RsyslogTestServer, any Error> = Result { try RsyslogTestServer(name: "crash") }

    /// The result of a delivery made on another thread.
    final class Outcome: @unchecked Sendable {
        var error: SyslogTransportError?
        var finished = false
        let lock = NSLock()
    }

    struct Interruption {
        var acknowledged: Int
        var reason: String
    }

    /// Delivers `batch` on a thread; once the receiver wrote `killAfterBytes` more, stops it (SIGSTOP, so the batch
    /// cannot finish first), kills it (SIGKILL) and starts it again. Then sends the rest from the acknowledged
    /// count until everything is delivered. Returns the first interruption.
    static func deliverThroughACrash(_ kind: RsyslogTestServer.Kind, batch: LineBatch, killAfterBytes: Int,
                                     server: RsyslogTestServer) throws -> Interruption {
        let format = try SyslogMessageFormat(hostname: "web-host-1", appName: "logsplit", msgID: "ACCESS")
        let endpoint = server.endpoint(kind, ioTimeoutSeconds: 5)
        let transport: any SyslogTransport = kind.isRELP ? RELPTransport(endpoint: endpoint, format: format)
            : SyslogTCPTransport(endpoint: endpoint, format: format)
        let outcome = Outcome()
        let bytesBefore = server.receivedBytes()
        nonisolated(unsafe) let unsafeTransport = transport
        let thread = Thread {
            var failure: SyslogTransportError?
            do throws(SyslogTransportError) { try unsafeTransport.deliver(batch) } catch { failure = error }
            outcome.lock.lock()
            outcome.error = failure
            outcome.finished = true
            outcome.lock.unlock()
        }
        thread.start()
                let deadline = Date().addingTimeInterval(20)
        // The receiver's file size, not its parsed lines: checking must be much faster than delivering.
        while server.receivedBytes() - bytesBefore < killAfterBytes && Date() < deadline { usleep(1_000) }
        server.pause()
        usleep(300_000)
        try server.kill()
        while Date() < deadline {
            outcome.lock.lock()
            let finished = outcome.finished
            outcome.lock.unlock()
            if finished { break }
            usleep(5_000)
        }
        try server.restart()
        guard case .interrupted(let acknowledged, let reason)? = outcome.error else {
            throw RsyslogTestFailure("expected the delivery to be interrupted by the crash, got \(String(describing: outcome.error)) (finished: \(outcome.finished))")
        }
        // The caller's part: send the rest again, from the acknowledged count, until all is delivered.
        var next = acknowledged
        var attempts = 0
        while next < batch.lines.count {
            attempts += 1
            guard attempts <= 50 else { throw RsyslogTestFailure("the rest was never delivered after the restart") }
            do {
                try transport.deliver(TestLines.rest(of: batch, from: next))
                next = batch.lines.count
            } catch {
                switch error {
                case .interrupted(let more, _): next += more
                case .unreachable: break  // the receiver is not back yet: nothing was sent
                case .misconfigured: throw error
                }
                usleep(100_000)
            }
        }
        transport.close()
        return Interruption(acknowledged: acknowledged, reason: reason)
    }

    @Test func relpResendsFromTheAcknowledgedCountAndLosesNothingAcrossAReceiverCrash() throws {
        let server = try Self.crashServer.get()
        let file = "access_log.relp-crash"
        let batch = TestLines.batch(file: file, count: 12_000, special: false)
        let interruption = try Self.deliverThroughACrash(.relp, batch: batch, killAfterBytes: 150_000, server: server)
        #expect(interruption.acknowledged > 0 && interruption.acknowledged < batch.lines.count, "\(interruption)")
        #expect(interruption.reason.contains("127.0.0.1:\(server.port("SYSLOG_RELP_PORT"))"))

        let got = TransportDeliveryTests.awaitReceived(file: file, count: batch.lines.count, server: server)
        var missing: [Int] = [], duplicatedOutsideWindow: [Int] = [], altered: [Int] = []
        for (index, line) in batch.lines.enumerated() {
            guard let received = got[line.fileOffset] else { missing.append(index); continue }
            if received.message != Array(batch.bytes[line.start..<line.end]) { altered.append(index) }
            let inFlight = index >= interruption.acknowledged && index < interruption.acknowledged + 1024
            if received.count > 1 && !inFlight { duplicatedOutsideWindow.append(index) }
        }
        #expect(missing.isEmpty, "lines missing: \(missing.prefix(20)) (\(missing.count)); acknowledged \(interruption.acknowledged)")
        #expect(altered.isEmpty, "lines altered: \(altered.prefix(20))")
        #expect(duplicatedOutsideWindow.isEmpty, "duplicates outside the window in flight: \(duplicatedOutsideWindow.prefix(20))")
    }

    @Test func tcpResendsWhatThePeersTCPNeverAcknowledgedAndLosesOnlyTheDocumentedWindow() throws {
        let server = try Self.crashServer.get()
        let file = "access_log.tcp-crash"
        let batch = TestLines.batch(file: file, count: 40_000, special: false)
        let interruption = try Self.deliverThroughACrash(.tcp, batch: batch, killAfterBytes: 300_000, server: server)
        #expect(interruption.acknowledged < batch.lines.count, "\(interruption)")
        #expect(interruption.reason.contains("127.0.0.1:\(server.port("SYSLOG_TCP_PORT"))"))

        let expectedFromResend = batch.lines.count - interruption.acknowledged
        let got = TransportDeliveryTests.awaitReceived(file: file, count: batch.lines.count, server: server, seconds: 3)
        var missingAfterCount: [Int] = [], missingBefore: [Int] = [], duplicatedBeforeCount: [Int] = [], altered: [Int] = []
        for (index, line) in batch.lines.enumerated() {
            guard let received = got[line.fileOffset] else {
                if index >= interruption.acknowledged { missingAfterCount.append(index) } else { missingBefore.append(index) }
                continue
            }
            if received.message != Array(batch.bytes[line.start..<line.end]) { altered.append(index) }
            if received.count > 1 && index < interruption.acknowledged { duplicatedBeforeCount.append(index) }
        }
        // Everything the transport did not report acknowledged was sent again and arrived.
        #expect(missingAfterCount.isEmpty, "\(missingAfterCount.count) of the \(expectedFromResend) resent lines missing")
        #expect(altered.isEmpty)
        #expect(duplicatedBeforeCount.isEmpty, "lines reported acknowledged were sent twice: \(duplicatedBeforeCount.prefix(10))")
        // What is missing lies just before the reported count: bytes the receiver's kernel acknowledged and
        // rsyslog never read (bounded by its socket buffer, a few MiB on loopback).
        if let first = missingBefore.first {
            var lostBytes = 0
            for index in first..<interruption.acknowledged { lostBytes += batch.lines[index].end - batch.lines[index].start + 200 }
            #expect(lostBytes < 16 << 20, "the loss window reaches back \(lostBytes) bytes")
        }
        print("TCP across a receiver crash: acknowledged \(interruption.acknowledged) of \(batch.lines.count), resent \(expectedFromResend), lost in the TCP window \(missingBefore.count)")
    }
}

/// A graceful receiver restart (SIGTERM: rsyslog closes its sessions, RELP with `serverclose`) while the transport
/// is idle: the next batch goes over a new connection, not into the closed one. Its own receiver, restarted once
/// per case, so these run beside the crash tests.
@Suite(.serialized) struct ReceiverRestartBetweenBatchesTests {
    private static let server: Result<RsyslogTestServer, any Error> = Result { try RsyslogTestServer(name: "restart") }

    @Test(arguments: [RsyslogTestServer.Kind.relp, .tcp, .mutualTLS])
    func aReceiverRestartedBetweenBatchesIsReconnectedToWithoutAnInterruption(kind: RsyslogTestServer.Kind) throws {
        let server = try Self.server.get()
        let format = try SyslogMessageFormat(hostname: "web-host-1")
        let endpoint = server.endpoint(kind, ioTimeoutSeconds: 5)
        let transport: any SyslogTransport = kind.isRELP ? RELPTransport(endpoint: endpoint, format: format)
            : SyslogTCPTransport(endpoint: endpoint, format: format)
        let file = "access_log.restart-between-\(kind.rawValue)"
        let first = TestLines.batch(file: file, count: 100, special: false)
        try transport.deliver(first)
        try server.restart()  // SIGTERM: rsyslog closes its sessions (RELP: serverclose) and starts again
        let second = TestLines.batch(file: file, count: 100, firstOffset: 1_000_000, special: false)
        try transport.deliver(second)
        transport.close()
        let got = TransportDeliveryTests.awaitReceived(file: file, count: 200, server: server)
        #expect(got.count == 200)
        #expect(got.values.allSatisfy { $0.count == 1 })
    }
}
