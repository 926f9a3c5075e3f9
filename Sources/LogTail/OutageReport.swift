/// One message when the receiver becomes unreachable and one when it is back, naming it and the backlog:
/// never one per retry. Pure: the caller gives the time and the backlog.
public struct OutageReport: Sendable, Equatable {
    public let receiver: String
    public private(set) var since: Int?

    public init(receiver: String) {
        self.receiver = receiver
    }

    public var isDown: Bool { since != nil }

    /// A delivery failed; the message to print when this starts an outage, else nil.
    public mutating func failed(now: Int, reason: String, backlogBytes: Int64, backlogFiles: Int) -> String? {
        guard since == nil else { return nil }
        since = now
        return "receiver \(receiver) unreachable: \(reason); reading paused, \(backlogBytes) bytes in \(backlogFiles) file(s) "
            + "wait in the log files (nothing is lost; retrying with backoff up to 30 s)"
    }

    /// A delivery succeeded; the message to print when this ends an outage, else nil.
    public mutating func delivered(now: Int, backlogBytes: Int64) -> String? {
        guard let start = since else { return nil }
        since = nil
        return "receiver \(receiver) is back after \(now - start) s; forwarding the backlog (\(backlogBytes) bytes)"
    }
}
