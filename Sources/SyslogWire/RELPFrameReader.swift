/// Cuts the bytes a RELP server sends into frames, whatever the packet boundaries. Pure: bytes in, frames out.
public struct RELPFrameReader: Sendable {
    /// The largest DATALEN accepted from a server (its answers are short; this only bounds memory).
    public static let maximumDataLength = 1 << 20

    private var buffer: [UInt8] = []
    private var start = 0

    public init() {}

    /// What went wrong in the byte stream (the session cannot continue).
    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Adds received bytes.
    public mutating func append<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame, nil when more bytes are needed.
    public mutating func next() throws(Malformed) -> RELPFrame? {
        var index = start
        guard let transactionNumber = try number(at: &index, field: "TXNR") else { return nil }
        guard let commandEnd = try field(from: index, limit: 32, name: "COMMAND") else { return nil }
        let command = String(decoding: buffer[index..<commandEnd], as: UTF8.self)
        index = commandEnd + 1
        // DATALEN is followed by SP (data follows) or LF (no data).
        var length = 0
        var digits = 0
        while true {
            guard index < buffer.count else { return nil }
            let byte = buffer[index]
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                length = length * 10 + Int(byte - 48)
                digits += 1
                index += 1
                if digits > 9 || length > Self.maximumDataLength {
                    throw Malformed(description: "RELP frame \(transactionNumber) \(command): DATALEN over \(Self.maximumDataLength)")
                }
                continue
            }
            guard digits > 0 else { throw Malformed(description: "RELP frame \(transactionNumber) \(command): DATALEN is not a number") }
            if length == 0 {
                guard byte == UInt8(ascii: "\n") || byte == UInt8(ascii: " ") else {
                    throw Malformed(description: "RELP frame \(transactionNumber) \(command): unexpected byte after DATALEN")
                }
                // Some servers write `0 LF`, some `0 SP LF`.
                if byte == UInt8(ascii: " ") {
                    guard index + 1 < buffer.count else { return nil }
                    guard buffer[index + 1] == UInt8(ascii: "\n") else {
                        throw Malformed(description: "RELP frame \(transactionNumber) \(command): no LF after an empty frame")
                    }
                    index += 1
                }
                start = index + 1
                return RELPFrame(transactionNumber: transactionNumber, command: command)
            }
            guard byte == UInt8(ascii: " ") else {
                throw Malformed(description: "RELP frame \(transactionNumber) \(command): no space before its data")
            }
            index += 1
            break
        }
        guard buffer.count >= index + length + 1 else { return nil }
        guard buffer[index + length] == UInt8(ascii: "\n") else {
            throw Malformed(description: "RELP frame \(transactionNumber) \(command): its \(length) bytes of data are not followed by LF")
        }
        let frame = RELPFrame(transactionNumber: transactionNumber, command: command, data: Array(buffer[index..<(index + length)]))
        start = index + length + 1
        return frame
    }

    /// A decimal number ended by SP at `index` (moved past the SP); nil if incomplete.
    private func number(at index: inout Int, field name: String) throws(Malformed) -> Int? {
        var value = 0
        var digits = 0
        while index < buffer.count {
            let byte = buffer[index]
            if byte == UInt8(ascii: " ") {
                guard digits > 0 else { throw Malformed(description: "RELP frame: empty \(name)") }
                index += 1
                return value
            }
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"), digits < 9 else {
                throw Malformed(description: "RELP frame: \(name) is not a number of at most 9 digits")
            }
            value = value * 10 + Int(byte - 48)
            digits += 1
            index += 1
        }
        return nil
    }

    /// The end (index of the SP) of a field starting at `from`; nil if incomplete.
    private func field(from: Int, limit: Int, name: String) throws(Malformed) -> Int? {
        var index = from
        while index < buffer.count {
            if buffer[index] == UInt8(ascii: " ") {
                guard index > from else { throw Malformed(description: "RELP frame: empty \(name)") }
                return index
            }
            index += 1
            if index - from > limit { throw Malformed(description: "RELP frame: \(name) longer than \(limit) bytes") }
        }
        return nil
    }
}
