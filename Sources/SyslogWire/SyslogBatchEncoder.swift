/// Writes the RFC 5424 messages of one batch. Everything up to the offset is the same for all lines of a batch
/// (one file, one read time) and is built once; each message then costs its offset, its optional part and a copy
/// of the line. `length(of:)` is exact, so octet counting (RFC 6587) and RELP can write the length first.
public struct SyslogBatchEncoder: Sendable {
    /// `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [logsplit@32473 container="…" site="…" file="…" offset="`
    public let prefix: [UInt8]
    public let batch: LineBatch

    public init(format: SyslogMessageFormat, batch: LineBatch) {
        var prefix: [UInt8] = []
        prefix.reserveCapacity(160)
        prefix.append(UInt8(ascii: "<"))
        DecimalDigits.append(format.priority, to: &prefix)
        prefix.append(contentsOf: ">1 ".utf8)
        prefix.append(contentsOf: RFC3339Timestamp.bytes(microseconds: batch.readAtMicroseconds))
        for field in [format.hostname, format.appName, format.procID, format.msgID] {
            prefix.append(UInt8(ascii: " "))
            prefix.append(contentsOf: field.utf8)
        }
        prefix.append(contentsOf: " [\(SyslogMessageFormat.structuredDataID)".utf8)
        for (name, value) in [("container", batch.origin.container), ("site", batch.origin.site), ("file", batch.origin.file)] {
            prefix.append(contentsOf: " \(name)=\"".utf8)
            SyslogMessageFormat.appendEscapedParameterValue(value.utf8, to: &prefix)
            prefix.append(UInt8(ascii: "\""))
        }
        prefix.append(contentsOf: " offset=\"".utf8)
        self.prefix = prefix
        self.batch = batch
    }

    public var count: Int { batch.lines.count }

    /// The exact length in bytes of message `index`.
    public func length(of index: Int) -> Int {
        let line = batch.lines[index]
        var length = prefix.count + DecimalDigits.count(line.fileOffset) + 1  // offset digits and its closing quote
        if let part = line.part {
            length += 8 + DecimalDigits.count(Int64(part.index)) + 1 + DecimalDigits.count(Int64(part.count))  // ` part="` i / n `"`
        }
        return length + 2 + (line.end - line.start)  // `] ` and MSG
    }

    /// Appends message `index`.
    public func appendMessage(_ index: Int, to out: inout [UInt8]) {
        let line = batch.lines[index]
        out.append(contentsOf: prefix)
        DecimalDigits.append(line.fileOffset, to: &out)
        out.append(UInt8(ascii: "\""))
        if let part = line.part {
            out.append(contentsOf: " part=\"".utf8)
            DecimalDigits.append(part.index, to: &out)
            out.append(UInt8(ascii: "/"))
            DecimalDigits.append(part.count, to: &out)
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "]"))
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: batch.bytes[line.start..<line.end])
    }

    /// Message `index` on its own.
    public func message(_ index: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(length(of: index))
        appendMessage(index, to: &out)
        return out
    }

    /// Appends message `index` as an RFC 6587 octet-counted frame: `MSG-LEN SP SYSLOG-MSG`.
    public func appendOctetCountedFrame(_ index: Int, to out: inout [UInt8]) {
        DecimalDigits.append(length(of: index), to: &out)
        out.append(UInt8(ascii: " "))
        appendMessage(index, to: &out)
    }
}
