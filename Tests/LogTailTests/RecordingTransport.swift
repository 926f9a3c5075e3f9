import Synchronization
import SyslogWire

/// A test double for the follower's logic only (the end-to-end tests use the real wire against rsyslog):
/// records every message it accepts, and can accept only the next `n` messages before failing, refuse the next
/// deliveries outright (no connection), or take them and break before answering, as a broken or down receiver would.
final class RecordingTransport: SyslogTransport, @unchecked Sendable {
    struct Message: Equatable, CustomStringConvertible {
        var container: String
        var site: String
        var file: String
        var offset: Int64
        var part: LineBatch.Part?
        var text: String
        var description: String { "\(file)@\(offset)\(part.map { " \($0.index)/\($0.count)" } ?? ""): \(text)" }
    }

    private struct State {
        var messages: [Message] = []
        var acceptBeforeFailure: Int?
        var refusals = 0
        var unanswered = 0
        var deliveries = 0
        var closed = 0
    }

    private let state = Mutex(State())

    /// The next delivery accepts `count` messages, then fails (`interrupted(acknowledged: count)`).
    func failAfter(_ count: Int) { state.withLock { $0.acceptBeforeFailure = count } }
    /// The next `count` deliveries send lines out and break before any is acknowledged.
    func breakUnanswered(_ count: Int) { state.withLock { $0.unanswered = count } }
    /// The next `count` deliveries find no connection (`unreachable`: receiver down, nothing sent).
    func refuse(_ count: Int) { state.withLock { $0.refusals = count } }

    var messages: [Message] { state.withLock { $0.messages } }
    var texts: [String] { messages.map(\.text) }
    var deliveries: Int { state.withLock { $0.deliveries } }
    var closeCount: Int { state.withLock { $0.closed } }

    func deliver(_ batch: LineBatch) throws(SyslogTransportError) {
        let failure: SyslogTransportError? = state.withLock { s in
            s.deliveries += 1
            if s.refusals > 0 {
                s.refusals -= 1
                return .unreachable(reason: "connection refused (test)")
            }
            if s.unanswered > 0 {
                s.unanswered -= 1
                return .interrupted(acknowledged: 0, reason: "connection reset before any answer (test)")
            }
            var accepted = batch.lines.count
            if let limit = s.acceptBeforeFailure { accepted = min(accepted, limit) }
            for line in batch.lines.prefix(accepted) {
                s.messages.append(Message(container: batch.origin.container, site: batch.origin.site, file: batch.origin.file,
                                          offset: line.fileOffset, part: line.part,
                                          text: String(decoding: batch.bytes[line.start..<line.end], as: UTF8.self)))
            }
            if let limit = s.acceptBeforeFailure, limit < batch.lines.count {
                s.acceptBeforeFailure = nil
                return .interrupted(acknowledged: accepted, reason: "connection reset (test)")
            }
            if s.acceptBeforeFailure != nil { s.acceptBeforeFailure! -= accepted }
            return nil
        }
        if let failure { throw failure }
    }

    func close() { state.withLock { $0.closed += 1 } }
}
