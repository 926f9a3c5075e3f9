/// RFC 5424 messages with RFC 6587 octet counting (`MSG-LEN SP SYSLOG-MSG`) over TCP, or over TLS (RFC 5425),
/// for receivers without RELP (rsyslog imtcp/imptcp, syslog-ng, most log platforms).
///
/// Plain syslog has no application acknowledgement. Acknowledged here means: the peer's TCP acknowledged every
/// wire byte up to the end of the message (`SIOCOUTQ`, bytes sent and not acknowledged, reached that point).
/// `deliver` writes the batch, then waits (bounded by `ioTimeoutSeconds`) until `SIOCOUTQ` is 0. When the
/// connection breaks, the messages whose last wire byte was acknowledged are counted (bytes sent − `SIOCOUTQ` at
/// the failure; 0 if the kernel does not say) and `.interrupted(acknowledged: n)` is thrown: the caller sends the
/// rest again. With TLS the count is conservative: a message counts only when all ciphertext written up to the
/// end of its record is acknowledged.
///
/// The loss window that remains: bytes the receiver's kernel acknowledged but the receiver never processed (its
/// socket buffer and in-memory queue when it crashes or restarts; rsyslog issue 3929). RELP closes that window.
public final class SyslogTCPTransport: SyslogTransport {
    public let endpoint: SyslogEndpoint
    public let format: SyslogMessageFormat
    private var connection: WireConnection?
    /// The longest pause between two `SIOCOUTQ` checks while waiting for the peer's acknowledgement.
    private static let acknowledgementPollMilliseconds: Int32 = 5

    public init(endpoint: SyslogEndpoint, format: SyslogMessageFormat) {
        self.endpoint = endpoint
        self.format = format
    }

    deinit { close() }

    public func deliver(_ batch: LineBatch) throws(SyslogTransportError) {
        guard !batch.lines.isEmpty else { return }
        let connection: WireConnection
        do throws(ConnectionError) {
            connection = try currentConnection()
        } catch {
            throw error.transportError(acknowledged: 0)
        }
        var ends: [UInt64] = []
        ends.reserveCapacity(batch.lines.count)
        do throws(ConnectionError) {
            try write(batch, to: connection, ends: &ends)
            try awaitAcknowledgement(of: connection)
        } catch {
            let acknowledged = connection.acknowledgedWireBytes().map { AcknowledgedPrefix.count(ends: ends, acknowledgedBytes: $0) } ?? 0
            drop(connection)
            throw error.transportError(acknowledged: acknowledged)
        }
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
            try discardIncoming(connection)
            // Readable means the receiver spoke or closed; otherwise this is the pause between checks.
            let pause = MonotonicDeadline(nanoseconds: MonotonicDeadline.now() + UInt64(Self.acknowledgementPollMilliseconds) * 1_000_000)
            _ = try connection.waitForIO(wantWrite: false, deadline: pause)
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
