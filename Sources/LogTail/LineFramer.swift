import SyslogWire

/// Cuts bytes read from a file into the messages of one `LineBatch`: whole lines only, each without its
/// newline; a line longer than `maxMessageBytes` becomes numbered parts; at most `maxLines` messages.
/// Pure: the caller reads, the framer decides.
public struct LineFramer: Sendable {
    public let maxMessageBytes: Int
    public let maxLines: Int

    public init(maxMessageBytes: Int, maxLines: Int = 4096) {
        precondition(maxMessageBytes > 0 && maxLines > 0)
        self.maxMessageBytes = maxMessageBytes
        self.maxLines = maxLines
    }

    /// Frames `bytes[0..<count]`, which start at `fileOffset` in the file, and returns how many bytes the
    /// messages cover (the checkpoint moves by that much once they are acknowledged). With `endIsFinal` (the
    /// file is closed and `count` reaches its size), a last line without newline is a line too; otherwise it
    /// waits. Returns 0 when no whole line fits (a line longer than the buffer: see `LongLinePlan`).
    public func frame(_ bytes: [UInt8], count: Int, fileOffset: Int64, endIsFinal: Bool, into batch: inout LineBatch) -> Int {
        var tally = Tally()
        return frame(bytes, count: count, fileOffset: fileOffset, endIsFinal: endIsFinal, into: &batch, tally: &tally)
    }

    /// What one `frame` call put in the batch, counted as it goes (for the counters, without a second pass).
    public struct Tally: Sendable, Equatable {
        /// Whole lines (a line sent as parts is one).
        public var lines = 0
        /// Lines longer than `maxMessageBytes`, sent as numbered parts.
        public var splitLines = 0

        public init() {}
    }

    /// `frame`, also adding to `tally` the lines framed and how many of them were split into parts.
    public func frame(_ bytes: [UInt8], count: Int, fileOffset: Int64, endIsFinal: Bool, into batch: inout LineBatch,
                      tally: inout Tally) -> Int {
        var start = 0
        bytes.withUnsafeBufferPointer { buffer in
            while start < count && batch.lines.count < maxLines {
                let end: Int
                let next: Int
                if let newline = Self.firstNewline(buffer, from: start, to: count) {
                    end = newline
                    next = newline + 1
                } else if endIsFinal {
                    end = count
                    next = count
                } else {
                    break
                }
                let parts = Self.partCount(length: end - start, maxMessageBytes: maxMessageBytes)
                // A long line goes whole into one batch, or waits for the next one (then it is alone in it).
                if parts > 1 && batch.lines.count + parts > maxLines && !batch.lines.isEmpty { break }
                appendLine(start: start, end: end, fileOffset: fileOffset + Int64(start), parts: parts, into: &batch)
                tally.lines += 1
                if parts > 1 { tally.splitLines += 1 }
                start = next
            }
        }
        return start
    }

    /// Adds one line (as `parts` pieces when longer than `maxMessageBytes`).
    func appendLine(start: Int, end: Int, fileOffset: Int64, parts: Int, into batch: inout LineBatch) {
        if parts == 1 {
            batch.lines.append(LineBatch.Line(start: start, end: end, fileOffset: fileOffset))
            return
        }
        var pieceStart = start
        for index in 1...parts {
            let pieceEnd = min(end, pieceStart + maxMessageBytes)
            batch.lines.append(LineBatch.Line(start: pieceStart, end: pieceEnd, fileOffset: fileOffset,
                                              part: LineBatch.Part(index: index, count: parts)))
            pieceStart = pieceEnd
        }
    }

    /// Messages a line of `length` bytes needs (an empty line is one empty message).
    public static func partCount(length: Int, maxMessageBytes: Int) -> Int {
        max(1, (length + maxMessageBytes - 1) / maxMessageBytes)
    }

    static func firstNewline(_ buffer: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int? {
        guard from < to, let base = buffer.baseAddress else { return nil }
        guard let found = memchr(base + from, 0x0A, to - from) else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }
}

#if canImport(Glibc)
import Glibc
#endif
