#if canImport(Glibc)
import Glibc
#endif

/// RFC 5424 messages with RFC 6587 octet counting (`MSG-LEN SP SYSLOG-MSG`) over TCP, or over TLS (RFC 5425),
/// for receivers without RELP (rsyslog imtcp/imptcp, syslog-ng, most log platforms).
///
/// Plain syslog has no application acknowledgement. Acknowledged here means: the peer's TCP acknowledged every
/// wire byte up to the end of the message (`SIOCOUTQ`, bytes sent and not acknowledged, reached that point).
/// `deliver` writes the batch, then waits (bounded by `ioTimeoutSeconds`) until `SIOCOUTQ` is 0. When the
/// connection breaks, the messages whose last wire byte was acknowledged are counted (bytes sent − `SIOCOUTQ` at
/// the failure; 0 if the kernel does not say) and `.interrupted(acknowledged: n)` is thrown: the caller sends the
/// rest again (`.unreachable` when no connection could be made: nothing was sent). With TLS the count is
/// conservative: a message counts only when all ciphertext written up to the end of its record is acknowledged.
///
/// The loss window that remains: bytes the receiver's kernel acknowledged but the receiver never processed (its
/// socket buffer and in-memory queue when it crashes or restarts; rsyslog issue 3929). RELP closes that window.
///
/// One thread at a time: a follower owns its transport (calls from several threads need the caller's lock).
public final class SyslogTCPTransport: SyslogTransport {
    public let endpoint: SyslogEndpoint
    public let format: SyslogMessageFormat
    private var connection: WireConnection?
    /// A new TLS connection whose receiver has not yet shown it keeps the session (see `awaitSessionSettled`).
    private var unconfirmedSession = false
    /// How long a new TLS session must stay open after its first batch was acknowledged (by default
    /// `defaultTLSSettleSeconds`).
    public let tlsSettleSeconds: Double
    /// A local receiver refusing a client certificate hangs up within milliseconds; a quarter of a second covers
    /// a busy one without delaying a new session's first batch noticeably.
    public static let defaultTLSSettleSeconds = 0.25
    /// The pauses between two `SIOCOUTQ` checks while waiting for the peer's acknowledgement: from 50 µs (a LAN
    /// round trip), doubling up to 5 ms, so a small batch returns within about a round trip and a slow receiver
    /// costs few wake-ups.
    private static let firstAcknowledgementPauseMicroseconds: UInt32 = 50
    private static let longestAcknowledgementPauseMicroseconds: UInt32 = 5_000

    public init(endpoint: SyslogEndpoint, format: SyslogMessageFormat,
                tlsSettleSeconds: Double = SyslogTCPTransport.defaultTLSSettleSeconds) {
        self.endpoint = endpoint
        self.format = format
        self.tlsSettleSeconds = max(0, tlsSettleSeconds)
    }

    deinit { close() }

    public func deliver(_ batch: LineBatch) throws(SyslogTransportError) {
        guard !batch.lines.isEmpty else { return }
        let connection: WireConnection
        do throws(ConnectionError) {
            connection = try currentConnection()
        } catch {
            throw error.unreachable
        }
        var ends: [UInt64] = []
        ends.reserveCapacity(batch.lines.count)
        do throws(ConnectionError) {
            try write(batch, to: connection, ends: &ends)
            try awaitAcknowledgement(of: connection)
        } catch {
            let acknowledged = connection.acknowledgedWireBytes().map { AcknowledgedPrefix.count(ends: ends, acknowledgedBytes: $0) } ?? 0
            drop(connection)
            // On a session the receiver has not yet kept open past its first data, TCP's acknowledgement proves nothing.
            throw error.transportError(acknowledged: unconfirmedSession ? 0 : acknowledged)
        }
        if unconfirmedSession {
            do throws(ConnectionError) {
                try awaitSessionSettled(connection)
                unconfirmedSession = false
            } catch {
                drop(connection)
                throw error.transportError(acknowledged: 0)
            }
        }
    }

    /// A TLS 1.3 receiver checks the client certificate after the handshake (rsyslog's x509 modes do) and, if it
    /// refuses it, hangs up, after its TCP has acknowledged the first data. So on a new TLS connection the first
    /// batch counts only once the receiver kept the session open for `tlsSettleSeconds` after acknowledging it.
    /// Later batches on the same connection need no such wait. (A receiver slower than that to hang up is not
    /// caught: its first batch is the part of the loss window TLS adds.)
    private func awaitSessionSettled(_ connection: WireConnection) throws(ConnectionError) {
        let deadline = MonotonicDeadline.after(seconds: tlsSettleSeconds)
        while !deadline.hasPassed {
            try discardIncoming(connection)
            _ = try connection.waitForIO(wantWrite: false, deadline: deadline)
        }
        try discardIncoming(connection)
    }

    /// Frames and sends every message, recording the wire position of each message's end in `ends`.
    private func write(_ batch: LineBatch, to connection: WireConnection, ends: inout [UInt64]) throws(ConnectionError) {
        let encoder = format.encoder(for: batch)
        let encrypted = endpoint.tls != nil
        var chunk: [UInt8] = []
        chunk.reserveCapacity(300_000)
        var chunkEnds: [Int] = []
        var index = 0
        var deadline = MonotonicDeadline.after(seconds: endpoint.ioTimeoutSeconds)
        while index < batch.lines.count {
            chunk.removeAll(keepingCapacity: true)
            chunkEnds.removeAll(keepingCapacity: true)
            while index < batch.lines.count && chunk.count < 256 << 10 {
                encoder.appendOctetCountedFrame(index, to: &chunk)
                chunkEnds.append(chunk.count)
                index += 1
            }
            let before = connection.wireBytesQueued
            try connection.enqueue(chunk)
            let after = connection.wireBytesQueued
            for end in chunkEnds {
                // Plain TCP: the exact byte. TLS: the end of the ciphertext of the whole chunk (conservative).
                ends.append(encrypted ? after : before + UInt64(end))
            }
            // Keep at most about 1 MiB waiting in user space: send, and wait for the socket when it is full.
            while connection.pendingOutputBytes > 1 << 20 || (index == batch.lines.count && connection.hasPendingOutput) {
                if try connection.sendAvailable() > 0 {
                    deadline = MonotonicDeadline.after(seconds: endpoint.ioTimeoutSeconds)
                    continue
                }
                try discardIncoming(connection)
                guard try connection.waitForIO(wantWrite: true, deadline: deadline) else {
                    throw .broken("\(endpoint) accepted nothing for \(endpoint.ioTimeoutSeconds) s: the receiver is stalled or unreachable")
                }
            }
            try connection.sendAvailable()
        }
    }

    /// Waits until the peer's TCP acknowledged every byte sent (`SIOCOUTQ` is 0), bounded by the I/O timeout
    /// counted from the last progress.
    private func awaitAcknowledgement(of connection: WireConnection) throws(ConnectionError) {
        var deadline = MonotonicDeadline.after(seconds: endpoint.ioTimeoutSeconds)
        var last = connection.unacknowledgedWireBytes()
        var pause = Self.firstAcknowledgementPauseMicroseconds
        while true {
            guard let unacknowledged = connection.unacknowledgedWireBytes() else {
                throw .broken("\(endpoint): the kernel does not report unacknowledged bytes (SIOCOUTQ); cannot confirm delivery")
            }
            if unacknowledged == 0 { return }
            if unacknowledged != last {
                last = unacknowledged
                deadline = MonotonicDeadline.after(seconds: endpoint.ioTimeoutSeconds)
            }
            if deadline.hasPassed {
                throw .broken("\(endpoint): \(unacknowledged) bytes not acknowledged by the receiver's TCP for \(endpoint.ioTimeoutSeconds) s: it is stalled or unreachable")
            }
            // A receiver sends nothing; reading notices a close or reset.
            try discardIncoming(connection)
            usleep(pause)
            pause = min(pause * 2, Self.longestAcknowledgementPauseMicroseconds)
        }
    }

    /// A syslog receiver sends nothing; reading notices a close or reset early (and TLS housekeeping records).
    private func discardIncoming(_ connection: WireConnection) throws(ConnectionError) {
        var ignored: [UInt8] = []
        try connection.receiveAvailable(into: &ignored)
    }

    /// The open connection, or a new one. A connection the receiver closed while idle (a restart) is noticed
    /// here and replaced, so no batch is written into it.
    private func currentConnection() throws(ConnectionError) -> WireConnection {
        if let connection {
            do throws(ConnectionError) {
                try discardIncoming(connection)
                return connection
            } catch {
                drop(connection)
            }
        }
        let made = try WireConnection.open(endpoint)
        connection = made
        unconfirmedSession = endpoint.tls != nil
        return made
    }

    private func drop(_ connection: WireConnection) {
        connection.close(deadline: MonotonicDeadline.after(seconds: 0.2))
        self.connection = nil
    }

    /// Closes the connection (with TLS, after a close_notify, RFC 5425 §4.4). Safe to call twice.
    public func close() {
        guard let connection else { return }
        self.connection = nil
        connection.close(deadline: MonotonicDeadline.after(seconds: min(5, endpoint.connectTimeoutSeconds)))
    }
}
