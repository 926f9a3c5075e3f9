/// RELP (rsyslog's Reliable Event Logging Protocol, `imrelp` on the receiver) over TCP or TLS: every message is a
/// `syslog` transaction the receiver answers with `rsp 200`, so acknowledged means answered. Up to `window`
/// transactions are in flight; answers are matched to messages by transaction number.
///
/// `deliver` returns once every message of the batch is answered 200. When the session breaks it throws
/// `.interrupted(acknowledged: n)`, n = the leading messages of the batch answered, in transaction order (when no
/// session could be opened, `.unreachable`: nothing was sent); the next `deliver` opens a new session (no sleeping
/// here: backoff is the caller's). A message the receiver refuses (an answer other than 200) throws
/// `.misconfigured`, naming the code and the line.
///
/// One thread at a time: a follower owns its transport (calls from several threads need the caller's lock).
public final class RELPTransport: SyslogTransport {
    public let endpoint: SyslogEndpoint
    public let format: SyslogMessageFormat
    /// The most transactions sent and not answered.
    public let window: Int
    /// The software name offered in `open`.
    public static let softwareName = "logsplit"

    private var session: Session?

    /// A live session: its connection, the next transaction number, the answers not yet read.
    private final class Session {
        let connection: WireConnection
        var nextTransaction: Int
        var reader = RELPFrameReader()
        var received: [UInt8] = []

        init(connection: WireConnection, nextTransaction: Int) {
            self.connection = connection
            self.nextTransaction = nextTransaction
        }
    }

    public init(endpoint: SyslogEndpoint, format: SyslogMessageFormat, window: Int = 1024) {
        self.endpoint = endpoint
        self.format = format
        self.window = max(1, window)
    }

    deinit { close() }

    public func deliver(_ batch: LineBatch) throws(SyslogTransportError) {
        guard !batch.lines.isEmpty else { return }
        let session: Session
        do throws(ConnectionError) {
            session = try currentSession()
        } catch {
            throw error.unreachable
        }
        var progress = DeliveryProgress(count: batch.lines.count, firstTransaction: session.nextTransaction)
        do throws(ConnectionError) {
            try send(batch, over: session, progress: &progress)
        } catch {
            drop(session)
            throw error.transportError(acknowledged: progress.acknowledged)
        }
    }

    /// Which messages of the batch are sent and answered.
    private struct DeliveryProgress {
        let count: Int
        let firstTransaction: Int
        var sent = 0
        /// The leading messages answered 200.
        var acknowledged = 0
        /// Answers received out of order (RELP servers answer in order; this only keeps the count right if not).
        var answeredAhead = Set<Int>()

        init(count: Int, firstTransaction: Int) {
            self.count = count
            self.firstTransaction = firstTransaction
        }

        /// The message index of a transaction number, if it belongs to this batch and was sent.
        func index(of transaction: Int) -> Int? {
            var distance = transaction - firstTransaction
            if distance < 0 { distance += RELPFrame.maximumTransactionNumber }
            return distance < sent ? distance : nil
        }

        mutating func answered(_ index: Int) {
            if index == acknowledged {
                acknowledged += 1
                while answeredAhead.remove(acknowledged) != nil { acknowledged += 1 }
            } else if index > acknowledged {
                answeredAhead.insert(index)
            }
        }
    }

    private func send(_ batch: LineBatch, over session: Session, progress: inout DeliveryProgress) throws(ConnectionError) {
        let encoder = format.encoder(for: batch)
        let connection = session.connection
        var chunk: [UInt8] = []
        chunk.reserveCapacity(300_000)
        var deadline = MonotonicDeadline.after(seconds: endpoint.ioTimeoutSeconds)
        while progress.acknowledged < progress.count {
            var moved = false
            // Frame more messages while the window and the outgoing buffer allow.
            if shouldFrameMore(progress, pendingOutputBytes: connection.pendingOutputBytes) {
                chunk.removeAll(keepingCapacity: true)
                while progress.sent < progress.count && progress.sent - progress.acknowledged < window && chunk.count < 256 << 10 {
                    let length = encoder.length(of: progress.sent)
                    RELPFrame.appendHeader(transactionNumber: session.nextTransaction, command: "syslog", dataLength: length, to: &chunk)
                    encoder.appendMessage(progress.sent, to: &chunk)
                    chunk.append(UInt8(ascii: "\n"))
                    session.nextTransaction = RELPFrame.next(after: session.nextTransaction)
                    progress.sent += 1
                }
                try connection.enqueue(chunk)
            }
            if connection.hasPendingOutput {
                if try connection.sendAvailable() > 0 { moved = true }
            }
            if try readAnswers(session, batch: batch, progress: &progress) { moved = true }
            if progress.acknowledged == progress.count { return }
            if moved {
                deadline = MonotonicDeadline.after(seconds: endpoint.ioTimeoutSeconds)
                continue
            }
            if shouldFrameMore(progress, pendingOutputBytes: connection.pendingOutputBytes) { continue }
            guard try connection.waitForIO(wantWrite: connection.hasPendingOutput, deadline: deadline) else {
                throw .broken("RELP to \(endpoint): no answer for \(endpoint.ioTimeoutSeconds) s with \(progress.sent - progress.acknowledged) messages in flight: the receiver is stalled")
            }
        }
    }

    /// Whether to frame more messages now: the window has room for a refill step (an eighth of it, or all that
    /// is left of the batch), and little is waiting in user space. Refilling in steps rather than one message per
    /// answer keeps writes large and both sides' system calls few.
    private func shouldFrameMore(_ progress: DeliveryProgress, pendingOutputBytes: Int) -> Bool {
        guard progress.sent < progress.count, pendingOutputBytes < 256 << 10 else { return false }
        let room = window - (progress.sent - progress.acknowledged)
        return room > 0 && room >= min(max(1, window / 8), progress.count - progress.sent)
    }

    /// Reads the answers that arrived; true if any did.
    private func readAnswers(_ session: Session, batch: LineBatch, progress: inout DeliveryProgress) throws(ConnectionError) -> Bool {
        session.received.removeAll(keepingCapacity: true)
        var closeError: ConnectionError?
        do throws(ConnectionError) {
            try session.connection.receiveAvailable(into: &session.received)
        } catch {
            closeError = error  // the answers that came before the close still count
        }
        guard !session.received.isEmpty else {
            if let closeError { throw closeError }
            return false
        }
        session.reader.append(session.received)
        while true {
            let frame: RELPFrame?
            do { frame = try session.reader.next() } catch { throw .broken("RELP to \(endpoint): \(error.description)") }
            guard let frame else { break }
            switch frame.command {
            case "rsp":
                guard let index = progress.index(of: frame.transactionNumber) else {
                    throw .broken("RELP to \(endpoint): an answer for transaction \(frame.transactionNumber), which is not in flight")
                }
                guard frame.responseCode == 200 else {
                    let line = batch.lines[index]
                    throw .misconfigured("RELP to \(endpoint) refused the message for \(batch.origin.file) offset \(line.fileOffset): "
                        + "rsp \(frame.responseCode.map(String.init) ?? "without a code") \(frame.responseText): check the receiver's limits (maxDataSize) and log")
                }
                progress.answered(index)
            case "serverclose":
                throw .broken("RELP to \(endpoint): the receiver closed the session (serverclose): it is shutting down or restarting")
            default:
                throw .broken("RELP to \(endpoint): unexpected command \"\(frame.command)\" from the receiver")
            }
        }
        if let closeError { throw closeError }
        return true
    }

    // MARK: sessions

    /// The open session, or a new one. A session the receiver closed while idle (a graceful restart sends
    /// `serverclose`) is noticed here and replaced, so no batch is written into it.
    private func currentSession() throws(ConnectionError) -> Session {
        if let session {
            if sessionIsStillOpen(session) { return session }
            drop(session)
        }
        let connection = try WireConnection.open(endpoint)
        let session = Session(connection: connection, nextTransaction: 1)
        let offers = Array("relp_version=0\nrelp_software=\(Self.softwareName)\ncommands=syslog".utf8)
        let frame = RELPFrame(transactionNumber: session.nextTransaction, command: "open", data: offers)
        session.nextTransaction = RELPFrame.next(after: session.nextTransaction)
        let deadline = MonotonicDeadline.after(seconds: endpoint.connectTimeoutSeconds)
        try connection.enqueue(frame.bytes)
        try connection.sendAll(deadline: deadline, doing: "RELP open")
        let answer = try awaitAnswer(session, deadline: deadline, doing: "open")
        guard answer.command == "rsp", answer.transactionNumber == frame.transactionNumber else {
            connection.close(deadline: deadline)
            throw .broken("RELP to \(endpoint): answered open with \"\(answer.command)\" for transaction \(answer.transactionNumber)")
        }
        guard answer.responseCode == 200 else {
            connection.close(deadline: deadline)
            throw .misconfigured("RELP to \(endpoint): the receiver refused the session: rsp \(answer.responseCode.map(String.init) ?? "?") \(answer.responseText)")
        }
        let offered = String(decoding: answer.data, as: UTF8.self).split(separator: "\n")
        if let commands = offered.first(where: { $0.hasPrefix("commands=") }),
           !commands.dropFirst("commands=".count).split(separator: ",").contains("syslog") {
            connection.close(deadline: deadline)
            throw .misconfigured("RELP to \(endpoint): the receiver does not offer the syslog command (\(commands))")
        }
        self.session = session
        return session
    }

    /// Waits for the next frame, bounded by `deadline`.
    private func awaitAnswer(_ session: Session, deadline: MonotonicDeadline, doing what: String) throws(ConnectionError) -> RELPFrame {
        while true {
            do {
                if let frame = try session.reader.next() { return frame }
            } catch {
                throw .broken("RELP to \(endpoint): \(error.description)")
            }
            guard try session.connection.waitForIO(wantWrite: false, deadline: deadline) else {
                throw .broken("RELP to \(endpoint): no answer to \(what) within the timeout: is this an imrelp port?")
            }
            session.received.removeAll(keepingCapacity: true)
            do throws(ConnectionError) {
                try session.connection.receiveAvailable(into: &session.received)
            } catch {
                session.reader.append(session.received)
                if let frame = try? session.reader.next() { return frame }
                throw error
            }
            session.reader.append(session.received)
        }
    }

    /// Between batches nothing is in flight, so anything the receiver sent (serverclose) or a closed connection
    /// means the session is over.
    private func sessionIsStillOpen(_ session: Session) -> Bool {
        session.received.removeAll(keepingCapacity: true)
        do throws(ConnectionError) {
            try session.connection.receiveAvailable(into: &session.received)
        } catch {
            return false
        }
        return session.received.isEmpty
    }

    private func drop(_ session: Session) {
        session.connection.close(deadline: MonotonicDeadline.after(seconds: 0.2))
        self.session = nil
    }

    /// Sends `close` and waits (at most the connect timeout, capped at 5 s) for its answer, then closes.
    public func close() {
        guard let session else { return }
        self.session = nil
        let deadline = MonotonicDeadline.after(seconds: min(5, endpoint.connectTimeoutSeconds))
        let frame = RELPFrame(transactionNumber: session.nextTransaction, command: "close")
        do throws(ConnectionError) {
            try session.connection.enqueue(frame.bytes)
            try session.connection.sendAll(deadline: deadline, doing: "RELP close")
            while true {
                let answer = try awaitAnswer(session, deadline: deadline, doing: "close")
                if answer.command == "serverclose" || answer.transactionNumber == frame.transactionNumber { break }
            }
        } catch {
            // The session is going away either way.
        }
        session.connection.close(deadline: deadline)
    }
}
