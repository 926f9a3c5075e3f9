/// The contract between `logdump tail`'s followers (module LogTail) and the wire (this module): a batch of whole
/// lines from one hour file goes in; the call returns once the receiver has acknowledged every line, as far as
/// the transport can know it. The follower advances its checkpoint only over acknowledged lines.
///
/// - RELP: every message is answered (`rsp 200`); acknowledged means answered.
/// - RFC 5424 over TCP or TLS (RFC 6587 octet counting): no application acknowledgement exists; acknowledged
///   means the peer's TCP acknowledged every byte sent (`SIOCOUTQ` reached 0). After a broken connection the
///   lines not so acknowledged are reported unacknowledged and are sent again; what the peer's kernel took but
///   the receiver never processed is the documented loss window of plain syslog.
public protocol SyslogTransport: AnyObject {
    /// Frames every line of `batch` as one RFC 5424 message (long lines are already split by the caller into
    /// parts) and sends them in order. Returns when all are acknowledged. Connects (or reconnects) as needed.
    ///
    /// Throws `SyslogTransportError.unreachable(reason:)` when no connection (or RELP session) could be made:
    /// nothing of the batch was sent. Throws `.interrupted(acknowledged:reason:)` when the connection fails
    /// part-way: the first `acknowledged` lines of the batch are delivered, the rest are not and must be offered
    /// again.
    func deliver(_ batch: LineBatch) throws(SyslogTransportError)

    /// Closes the connection (RELP: `close` command and its answer, bounded in time). Safe to call twice.
    func close()
}

/// Why a delivery stopped; what the operator reads is `description`, naming the receiver.
public enum SyslogTransportError: Error, Sendable, Equatable {
    /// No connection could be made (refused, timed out, RELP session not opened): nothing of the batch was sent.
    case unreachable(reason: String)
    /// The connection broke while the batch was sent; `acknowledged` lines of it got through.
    case interrupted(acknowledged: Int, reason: String)
    /// Retrying cannot help (certificate refused, RELP offer refused, message larger than the receiver allows).
    case misconfigured(String)

    /// No connection could be made: no line of the batch went out (so none counts as sent).
    public var nothingSent: Bool {
        if case .unreachable = self { return true }
        return false
    }
}

/// Where a batch's lines come from: the structured data of every message names it, so a receiver can rebuild the
/// hour files and de-duplicate replays after a crash.
public struct LineOrigin: Sendable, Hashable {
    /// The container directory name under the root (the `{container}` of the config), as raw bytes escaped
    /// by `RawBytes` where they are not UTF-8.
    public var container: String
    /// The site directory name.
    public var site: String
    /// The hour file's name, e.g. `access_log.2026113014`.
    public var file: String

    public init(container: String, site: String, file: String) {
        self.container = container
        self.site = site
        self.file = file
    }
}

/// Whole lines from one file, stored back to back in one buffer (no allocation per line).
public struct LineBatch: Sendable {
    /// One message: `bytes[start..<end]` of the batch buffer, no newline; `fileOffset` is the byte offset of the
    /// line's first byte in the file; `part` numbers the pieces of a line longer than the message limit
    /// (`nil` for a whole line).
    public struct Line: Sendable, Equatable {
        public var start: Int
        public var end: Int
        public var fileOffset: Int64
        public var part: Part?

        public init(start: Int, end: Int, fileOffset: Int64, part: Part? = nil) {
            self.start = start
            self.end = end
            self.fileOffset = fileOffset
            self.part = part
        }
    }

    /// Piece `index` (1-based) of `count` of one long line.
    public struct Part: Sendable, Equatable {
        public var index: Int
        public var count: Int

        public init(index: Int, count: Int) {
            self.index = index
            self.count = count
        }
    }

    public var origin: LineOrigin
    public var bytes: [UInt8]
    public var lines: [Line]
    /// The RFC 5424 TIMESTAMP of every message of the batch: when the follower read the lines, microseconds since
    /// the Unix epoch (the caller's clock; the Apache line carries its own time in MSG).
    public var readAtMicroseconds: Int64

    public init(origin: LineOrigin, bytes: [UInt8] = [], lines: [Line] = [], readAtMicroseconds: Int64) {
        self.origin = origin
        self.bytes = bytes
        self.lines = lines
        self.readAtMicroseconds = readAtMicroseconds
    }
}
