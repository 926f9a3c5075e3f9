import SyslogWire

/// Batches of test lines: Apache-like combined-log lines with a sequence number, and, where asked, one line of
/// 64 KiB and lines with non-UTF-8 bytes and syslog-special characters (`"`, `\`, `]`, tabs).
enum TestLines {
    /// `count` lines for `file`, offsets as in a real file (each line plus its newline).
    static func batch(file: String, count: Int, container: String = "web08246", site: String = "www",
                      firstOffset: Int64 = 0, special: Bool = true) -> LineBatch {
        var batch = LineBatch(origin: LineOrigin(container: container, site: site, file: file), readAtMicroseconds: 1_764_511_509_123_456)
        var offset = firstOffset
        for index in 0..<count {
            let line = bytes(of: index, special: special)
            let start = batch.bytes.count
            batch.bytes.append(contentsOf: line)
            batch.lines.append(LineBatch.Line(start: start, end: batch.bytes.count, fileOffset: offset))
            offset += Int64(line.count + 1)
        }
        return batch
    }

    static func bytes(of index: Int, special: Bool) -> [UInt8] {
        var line = Array("192.0.2.\(index % 250) - - [30/Nov/2026:14:05:09 +0000] \"GET /item/\(index)?q=a%20b HTTP/1.1\" 200 \(index * 7 % 10_000) \"-\" \"curl/8.0\"".utf8)
        guard special else { return line }
        switch index % 500 {
        case 7: line.append(contentsOf: [0xff, 0xfe, 0xc3, 0x28, 0x80])  // not UTF-8
        case 11: line.append(contentsOf: Array(" quote\" backslash\\ bracket] tab\tend".utf8))
        case 13: line.append(contentsOf: Array(" utf8 é ✓".utf8))
        case 17: line.append(contentsOf: repeatElement(UInt8(ascii: "x"), count: 65_536 - line.count))  // a 64 KiB line
        default: break
        }
        return line
    }

    /// The lines of `batch` as byte arrays, by file offset.
    static func byOffset(_ batch: LineBatch) -> [Int64: [UInt8]] {
        var result: [Int64: [UInt8]] = [:]
        for line in batch.lines { result[line.fileOffset] = Array(batch.bytes[line.start..<line.end]) }
        return result
    }

    /// The batch's lines from index `from` on (what a follower sends again after `.interrupted(acknowledged: from)`).
    static func rest(of batch: LineBatch, from: Int) -> LineBatch {
        var rest = batch
        rest.lines = Array(batch.lines[from...])
        return rest
    }
}
