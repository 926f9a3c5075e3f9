/// One RELP frame (`TXNR SP COMMAND SP DATALEN [SP DATA] LF`), as rsyslog's imrelp sends and reads them.
public struct RELPFrame: Sendable, Equatable {
    public var transactionNumber: Int
    public var command: String
    public var data: [UInt8]

    public init(transactionNumber: Int, command: String, data: [UInt8] = []) {
        self.transactionNumber = transactionNumber
        self.command = command
        self.data = data
    }

    /// The largest transaction number; the next one after it is 1 (RELP wraps, 0 is the server's own).
    public static let maximumTransactionNumber = 999_999_999

    /// The transaction number after `number`.
    public static func next(after number: Int) -> Int { number >= maximumTransactionNumber ? 1 : number + 1 }

    /// Appends the frame header `TXNR SP COMMAND SP DATALEN` and, when there is data, `SP`; the caller appends
    /// `dataLength` bytes of data and then `LF`.
    public static func appendHeader(transactionNumber: Int, command: String, dataLength: Int, to out: inout [UInt8]) {
        DecimalDigits.append(transactionNumber, to: &out)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: command.utf8)
        out.append(UInt8(ascii: " "))
        DecimalDigits.append(dataLength, to: &out)
        if dataLength > 0 { out.append(UInt8(ascii: " ")) }
    }

    /// The whole frame as bytes.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        Self.appendHeader(transactionNumber: transactionNumber, command: command, dataLength: data.count, to: &out)
        out.append(contentsOf: data)
        out.append(UInt8(ascii: "\n"))
        return out
    }

    /// The status code at the start of a `rsp` frame's data (`200 OK` → 200), nil if there is none.
    public var responseCode: Int? {
        guard data.count >= 3, data[0..<3].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        guard data.count == 3 || data[3] == UInt8(ascii: " ") || data[3] == UInt8(ascii: "\n") else { return nil }
        return Int(data[0] - 48) * 100 + Int(data[1] - 48) * 10 + Int(data[2] - 48)
    }

    /// The text of a response after its code (`200 OK\nrelp_version=0…` → `OK`), for messages.
    public var responseText: String {
        let text = data.count > 4 ? data[4...].prefix(while: { $0 != UInt8(ascii: "\n") }) : []
        return String(decoding: text, as: UTF8.self)
    }
}
