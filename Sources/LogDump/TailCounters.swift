/// What `logdump tail` has done since it started, for the Prometheus textfile and `logdump status` (saved with
/// the checkpoints). Lines are counted whole (a long line sent as parts is one line); bytes are file bytes,
/// newline included. Plain integers bumped once per batch, never per line.
///
/// - read: lines taken from the files for the first time (a line sent again is not read again).
/// - sent: lines handed to the receiver, first time or again (`sent = read + resent`).
/// - resent: lines handed over again after an attempt that did not get them acknowledged: an interrupted
///   delivery, a retry during an outage, or (after a restart) a line the previous tail had already sent past its
///   last saved checkpoint.
/// - acknowledged: lines the receiver acknowledged (the checkpoint moved over them).
/// - split: long lines sent as numbered parts (counted when first read).
/// - reconnects: deliveries that got lines acknowledged again after a failed one.
/// - outages: times the receiver became unreachable (one per outage message).
/// - deliveryFailures: deliveries that failed, every retry counted.
public struct TailCounters: Codable, Sendable, Equatable {
    public var linesRead: Int64 = 0
    public var bytesRead: Int64 = 0
    public var linesSent: Int64 = 0
    public var bytesSent: Int64 = 0
    public var linesResent: Int64 = 0
    public var bytesResent: Int64 = 0
    public var linesAcknowledged: Int64 = 0
    public var bytesAcknowledged: Int64 = 0
    public var linesSplit: Int64 = 0
    public var reconnects: Int64 = 0
    public var outages: Int64 = 0
    public var deliveryFailures: Int64 = 0

    public init() {}
}
