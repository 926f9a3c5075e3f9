import LinuxSystem
import LogDump
import LogShipCore
import SyslogWire

#if canImport(Glibc)
import Glibc
#endif

/// Reads whole lines from followed files into bounded batches, hands each batch to the transport, and moves a
/// file's checkpoint only over the lines the receiver acknowledged. One batch buffer for all files: memory
/// stays bounded whatever the backlog (the files are the buffer).
final class Follower {
    /// What one step on one file did.
    enum Outcome: Equatable {
        /// Lines went out and were acknowledged.
        case sent(messages: Int, bytes: Int64)
        /// Nothing to send now (waiting for a newline, for more lines, or for the file to close).
        case idle
        /// The file is closed and every byte acknowledged.
        case finished
        /// The transport stopped part-way; what it acknowledged is recorded.
        case interrupted(SyslogTransportError)
        /// The file cannot be read now (reported once); tried again after the next scan.
        case unreadable(String)
    }

    static let batchBytes = 1 << 20
    static let batchLines = 4096

    var transport: any SyslogTransport
    var framer: LineFramer
    var closure: (SourceFile, Int) -> Bool
    let clock: () -> Int64
    let report: (String) -> Void
    /// What was read, sent and acknowledged since the follower was made (bumped once per batch).
    var counters = TailCounters()
    /// A delivery failed: the next one that gets lines acknowledged is a reconnect.
    private var reconnectPending = false
    private var buffer: [UInt8]

    /// `closure(file, now)` is the handoff rule (`ClosureCheck`); `clock` gives microseconds since the epoch;
    /// `report` prints a warning.
    init(transport: any SyslogTransport, maxMessageBytes: Int, closure: @escaping (SourceFile, Int) -> Bool,
         clock: @escaping () -> Int64, report: @escaping (String) -> Void, bufferBytes: Int = Follower.batchBytes) {
        self.transport = transport
        framer = LineFramer(maxMessageBytes: maxMessageBytes, maxLines: Self.batchLines)
        self.closure = closure
        self.clock = clock
        self.report = report
        buffer = [UInt8](repeating: 0, count: max(bufferBytes, maxMessageBytes))
    }

    var nowSeconds: Int { Int(clock() / 1_000_000) }

    /// One step on `file`: open it if needed, send the next batch, or notice it is finished.
    func step(_ file: FollowedFile) -> Outcome {
        if file.checkpoint.finished { return .finished }
        do throws(SystemError) {
            if !file.isOpen {
                try file.open()
                try file.refresh()
                resume(file)
            } else {
                try file.refresh()
            }
            let size = Int64(file.source.size)
            if size < file.checkpoint.offset {
                report("\(file.key) was truncated from \(file.checkpoint.offset) to \(size) bytes while followed; reading it again from the start")
                file.restartFromBeginning()
            }
            if size > file.examinedUpTo || (file.isClosed && file.checkpoint.offset < size) {
                let outcome = try sendNext(file, size: size)
                if outcome != .idle { file.reportedError = nil; return outcome }
            }
            return try finishIfClosed(file, size: size)
        } catch {
            file.closeDescriptor()
            let message = error.description
            if file.reportedError != message {
                file.reportedError = message
                report(message)
            }
            return .unreadable(message)
        }
    }

    /// Decides where a newly opened file resumes, from its checkpoint.
    func resume(_ file: FollowedFile) {
        let saved = file.checkpoint
        let decision = ResumeDecision.decide(
            checkpoint: saved.headLength == 0 && saved.offset == 0 ? nil : saved,
            device: file.source.device, inode: file.source.inode, size: Int64(file.source.size),
            headSHA256: { file.headSHA256(length: $0) })
        switch decision {
        case .resume, .fromStart:
            break
        case let .replaced(reason):
            report("\(file.key): \(reason); reading it from the start")
            file.restartFromBeginning()
        case let .truncated(offset, size):
            report("\(file.key) is shorter (\(size) bytes) than the \(offset) bytes already sent: it was truncated; reading it again from the start")
            file.restartFromBeginning()
        }
        file.examinedUpTo = file.checkpoint.offset
    }

    /// Frames and sends the lines after the checkpoint.
    private func sendNext(_ file: FollowedFile, size: Int64) throws(SystemError) -> Outcome {
        let offset = file.checkpoint.offset
        let count = try file.read(into: &buffer, at: offset)
        guard count > 0 else {
            file.examinedUpTo = offset
            return .idle
        }
        let reachesEnd = offset + Int64(count) >= size
        var batch = LineBatch(origin: file.origin, readAtMicroseconds: clock())
        var tally = LineFramer.Tally()
        let consumed = framer.frame(buffer, count: count, fileOffset: offset, endIsFinal: file.isClosed && reachesEnd,
                                    into: &batch, tally: &tally)
        if consumed == 0 {
            if count == buffer.count { return try sendLongLine(file, size: size) }
            file.examinedUpTo = offset + Int64(count)
            return .idle
        }
        batch.bytes = buffer
        return deliver(batch, file: file, consumed: Int64(consumed), tally: tally)
    }

    /// Sends `batch` and moves the checkpoint over what was acknowledged: everything, or the whole lines
    /// among the first `n` messages.
    private func deliver(_ batch: LineBatch, file: FollowedFile, consumed: Int64, tally: LineFramer.Tally) -> Outcome {
        let start = file.checkpoint.offset
        let end = start + consumed
        do throws(SyslogTransportError) {
            try transport.deliver(batch)
        } catch {
            countFailure()
            // No connection: nothing was handed over, so nothing is counted sent (or resent) during an outage.
            if error.nothingSent { return .interrupted(error) }
            countHandedOver(batch, file: file, start: start, end: end, tally: tally)
            if case let .interrupted(acknowledged, _) = error {
                let reached = Self.acknowledgedEnd(batch, acknowledged: acknowledged, consumedEnd: end)
                if reached > start { countAcknowledged(lines: TailCounting.wholeLines(batch.lines, before: reached).lines, bytes: reached - start) }
                advance(file, to: reached)
            }
            return .interrupted(error)
        }
        countHandedOver(batch, file: file, start: start, end: end, tally: tally)
        countAcknowledged(lines: tally.lines, bytes: consumed)
        advance(file, to: end)
        return .sent(messages: batch.lines.count, bytes: consumed)
    }

    /// Counts the lines of a batch about to be handed to the transport: all are sent; those below the file's
    /// `sentUpTo` were handed over before (resent), the others are read for the first time.
    private func countHandedOver(_ batch: LineBatch, file: FollowedFile, start: Int64, end: Int64, tally: LineFramer.Tally) {
        counters.linesSent += Int64(tally.lines)
        counters.bytesSent += end - start
        var again = TailCounting.Count(lines: 0, split: 0)
        if start < file.sentUpTo {
            again = TailCounting.wholeLines(batch.lines, before: file.sentUpTo)
            counters.linesResent += Int64(again.lines)
            counters.bytesResent += min(end, file.sentUpTo) - start
        }
        counters.linesRead += Int64(tally.lines - again.lines)
        counters.bytesRead += max(0, end - max(start, file.sentUpTo))
        counters.linesSplit += Int64(tally.splitLines - again.split)
        file.sentUpTo = max(file.sentUpTo, end)
    }

    private func countFailure() {
        counters.deliveryFailures += 1
        reconnectPending = true
    }

    private func countAcknowledged(lines: Int, bytes: Int64) {
        counters.linesAcknowledged += Int64(lines)
        counters.bytesAcknowledged += bytes
        countDelivered()
    }

    /// Lines got through: after a failed delivery, that is a reconnect.
    private func countDelivered() {
        if reconnectPending {
            counters.reconnects += 1
            reconnectPending = false
        }
    }

    /// Where the checkpoint may go when only the first `acknowledged` messages got through: the start of the
    /// first line not wholly acknowledged (parts of one line share its offset, so a half-sent long line is
    /// sent again whole), or `consumedEnd` when all were.
    static func acknowledgedEnd(_ batch: LineBatch, acknowledged: Int, consumedEnd: Int64) -> Int64 {
        acknowledged < batch.lines.count ? batch.lines[max(0, acknowledged)].fileOffset : consumedEnd
    }

    private func advance(_ file: FollowedFile, to offset: Int64) {
        guard offset > file.checkpoint.offset else { return }
        file.checkpoint.offset = offset
        file.checkpoint.acknowledgedAt = nowSeconds
        file.examinedUpTo = max(file.examinedUpTo, offset)
        file.extendHead()
    }

    /// A line longer than the batch buffer: find its end, then send it as numbered parts over several
    /// batches. The checkpoint moves only once every part is acknowledged (a crash resends the whole line).
    private func sendLongLine(_ file: FollowedFile, size: Int64) throws(SystemError) -> Outcome {
        let start = file.checkpoint.offset
        var position = max(start + Int64(buffer.count), file.examinedUpTo)
        var lineEnd: Int64?
        while lineEnd == nil && position < size {
            let count = try file.read(into: &buffer, at: position)
            if count == 0 { break }
            if let newline = buffer.withUnsafeBufferPointer({ LineFramer.firstNewline($0, from: 0, to: count) }) {
                lineEnd = position + Int64(newline)
            } else {
                position += Int64(count)
            }
        }
        let hasNewline = lineEnd != nil
        if lineEnd == nil {
            guard file.isClosed, position >= size else {
                file.examinedUpTo = position
                return .idle
            }
            lineEnd = size
        }
        let end = lineEnd!
        let maxBytes = framer.maxMessageBytes
        let parts = LineFramer.partCount(length: Int(end - start), maxMessageBytes: maxBytes)
        let partsPerBatch = max(1, buffer.count / maxBytes)
        let lineEndOffset = end + (hasNewline ? 1 : 0)
        // Counted once, when its first part is handed over (not while no connection can be made).
        var counted = false
        func countHandedOver() {
            guard !counted else { return }
            counted = true
            counters.linesSent += 1
            counters.bytesSent += lineEndOffset - start
            if start < file.sentUpTo {
                counters.linesResent += 1
                counters.bytesResent += lineEndOffset - start
            } else {
                counters.linesRead += 1
                counters.bytesRead += lineEndOffset - start
                if parts > 1 { counters.linesSplit += 1 }
            }
            file.sentUpTo = max(file.sentUpTo, lineEndOffset)
        }
        var index = 1
        var chunkStart = start
        while chunkStart < end {
            let chunkLength = Int(min(Int64(partsPerBatch * maxBytes), end - chunkStart))
            let count = try file.read(into: &buffer, at: chunkStart, limit: chunkLength)
            guard count == chunkLength else {
                throw SystemError("read (the file shrank while a long line was sent)", path: file.key, code: EIO)
            }
            var batch = LineBatch(origin: file.origin, readAtMicroseconds: clock())
            var pieceStart = 0
            while pieceStart < count {
                let pieceEnd = min(count, pieceStart + maxBytes)
                batch.lines.append(LineBatch.Line(start: pieceStart, end: pieceEnd, fileOffset: start,
                                                  part: LineBatch.Part(index: index, count: parts)))
                index += 1
                pieceStart = pieceEnd
            }
            batch.bytes = buffer
            do throws(SyslogTransportError) {
                try transport.deliver(batch)
            } catch {
                countFailure()
                if !error.nothingSent { countHandedOver() }
                return .interrupted(error)
            }
            countHandedOver()
            countDelivered()
            chunkStart += Int64(count)
        }
        countAcknowledged(lines: 1, bytes: lineEndOffset - start)
        advance(file, to: lineEndOffset)
        return .sent(messages: parts, bytes: end - start)
    }

    /// Asks the handoff rules (at most once a second) whether the file is closed; closed with every byte
    /// acknowledged is finished, and its descriptor is released.
    private func finishIfClosed(_ file: FollowedFile, size: Int64) throws(SystemError) -> Outcome {
        let now = nowSeconds
        if !file.isClosed && file.closureAskedAt.map({ now - $0 >= 1 || now < $0 }) ?? true {
            file.closureAskedAt = now
            if closure(file.source, now) {
                file.isClosed = true
                if file.checkpoint.offset < size { return try sendNext(file, size: size) }
            }
        }
        guard file.isClosed, file.checkpoint.offset >= size else { return .idle }
        file.checkpoint.finished = true
        file.checkpoint.acknowledgedAt = max(file.checkpoint.acknowledgedAt, 0)
        file.closeDescriptor()
        return .finished
    }
}
