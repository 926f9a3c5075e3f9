import Foundation

/// What the test feeds a splitter: a list of steps, each "set the fake clock to T, then write these bytes".
/// Lines are sequence-numbered (`seq=000001 ...`) so every line can be found exactly once in the output.
/// One line per step: cronolog checks the clock once per read(), so a line written alone is read alone
/// and both programs see the same time for it.
struct DifferentialSchedule: Sendable {
    struct Step: Sendable {
        /// The fake wall clock (epoch seconds) shown while these bytes are read.
        let time: Int64
        let bytes: [UInt8]
        /// False for the first part of a line: a line-aware splitter holds it and writes nothing yet.
        let completesLine: Bool
    }

    private(set) var steps: [Step] = []
    private(set) var lastSequence = 0

    var startTime: Int64 { steps.first?.time ?? 0 }

    /// `count` lines, one step each, all at the UTC time `utc` (`YYYY-MM-DD hh:mm:ss`).
    mutating func lines(at utc: String, count: Int = 1) {
        lines(atEpoch: Faketime.utc(utc), count: count)
    }

    mutating func lines(atEpoch time: Int64, count: Int = 1) {
        for _ in 0..<count {
            lastSequence += 1
            steps.append(Step(time: time, bytes: DifferentialLines.line(lastSequence, time: time), completesLine: true))
        }
    }

    /// One line with `payload` (any bytes but a newline) between its sequence number and its ending, and
    /// an extra `\r` before the newline when asked.
    mutating func rawLine(at utc: String, payload: [UInt8], endingWithCarriageReturn: Bool = false) {
        precondition(!payload.contains(UInt8(ascii: "\n")))
        lastSequence += 1
        let time = Faketime.utc(utc)
        var line = DifferentialLines.line(lastSequence, time: time)
        line.insert(contentsOf: payload, at: 11)  // after "seq=000001 "
        if endingWithCarriageReturn { line.insert(0x0D, at: line.count - 1) }
        steps.append(Step(time: time, bytes: line, completesLine: true))
    }

    /// `count` lines of `padding` extra bytes each, written together in ONE step at `utc`: both programs
    /// read them at the same clock, in as many reads as the pipe and their buffers need.
    mutating func burst(at utc: String, count: Int, padding: Int = 0) {
        let time = Faketime.utc(utc)
        var bytes: [UInt8] = []
        for _ in 0..<count {
            lastSequence += 1
            bytes += DifferentialLines.line(lastSequence, time: time, padding: padding)
        }
        steps.append(Step(time: time, bytes: bytes, completesLine: true))
    }

    /// One line (`padding` extra bytes long) whose first `split` bytes are written at `first` and the rest
    /// at `second` (UTC times): the line is in flight across the boundary between them.
    mutating func lineInFlight(from first: String, to second: String, split: Int = 20, padding: Int = 0) {
        lastSequence += 1
        let t1 = Faketime.utc(first), t2 = Faketime.utc(second)
        let bytes = DifferentialLines.line(lastSequence, time: t1, padding: padding)
        steps.append(Step(time: t1, bytes: Array(bytes[..<split]), completesLine: false))
        steps.append(Step(time: t2, bytes: Array(bytes[split...]), completesLine: true))
    }

    /// The bytes of the whole input, in order.
    var input: [UInt8] { steps.flatMap(\.bytes) }
}

/// The sequence-numbered lines the differential tests write, and reading them back.
enum DifferentialLines {
    /// `seq=000042 t=2026-11-26T14:00:00Z "GET /seq/000042 HTTP/1.1" 200 512\n`, with `padding` bytes
    /// of query string after the path for long lines.
    static func line(_ sequence: Int, time: Int64, padding: Int = 0) -> [UInt8] {
        let seq = String(repeating: "0", count: max(0, 6 - String(sequence).count)) + String(sequence)
        let query = padding > 0 ? "?" + String(repeating: "q", count: padding - 1) : ""
        return Array("seq=\(seq) t=\(Faketime.utcText(time)) \"GET /seq/\(seq)\(query) HTTP/1.1\" 200 512\n".utf8)
    }

    /// Sequence numbers of the whole lines in `bytes` (a torn line has none, so it shows up as missing).
    static func sequences(in bytes: [UInt8]) -> [Int] {
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        lines.removeLast()  // what follows the last newline is not a line (empty, or a torn start)
        return lines.compactMap { whole in
            let line = whole.last == 0x0D ? whole.dropLast() : whole  // a CR LF line
            guard line.starts(with: Array("seq=".utf8)), line.reversed().starts(with: Array(" 200 512".utf8).reversed())
            else { return nil }
            let digits = line.dropFirst(4).prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
            guard digits.count == 6, line.dropFirst(10).first == UInt8(ascii: " ") else { return nil }
            return Int(String(decoding: digits, as: UTF8.self))
        }
    }

    /// `[1,2,3,5,7,8]` → `1-3,5,7-8`.
    static func ranges(_ values: [Int]) -> String {
        var parts: [String] = []
        var index = values.startIndex
        while index < values.endIndex {
            var end = index
            while end + 1 < values.endIndex, values[end + 1] == values[end] + 1 { end += 1 }
            parts.append(end == index ? "\(values[index])" : "\(values[index])-\(values[end])")
            index = end + 1
        }
        return parts.isEmpty ? "none" : parts.joined(separator: ",")
    }
}
