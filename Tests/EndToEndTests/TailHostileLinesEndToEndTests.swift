import Foundation
import RsyslogTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Awkward lines through the real `logdump tail` to a real rsyslog (RELP), checked byte for byte at the receiver:
/// lines longer than `max_message_bytes` (one inside a batch, one longer than the 1 MiB batch buffer) arrive as
/// numbered parts that rebuild them; non-UTF-8 bytes and control characters arrive as written; a last line without
/// newline waits while a writer holds the file and goes out once, when the file is closed; a file truncated while
/// followed is reported in tail's log and read again from the start. LogTailTests covers the same rules with a
/// recording transport; this is the wire and the receiver.
@Suite(.serialized) struct TailHostileLinesEndToEndTests {
    /// A file as logsplit holds it while writing: open for appending, its shared lock held.
    final class HeldFile {
        let descriptor: Int32

        init(_ path: String) throws {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard descriptor >= 0, flock(descriptor, LOCK_SH) == 0 else { throw TailReceiverFailure(description: "cannot open and lock \(path)") }
        }

        func append(_ bytes: [UInt8]) {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            precondition(written == bytes.count)
        }

        /// Empties the file in place (an operator's `: > file`, logrotate's copytruncate).
        func truncateToZero() { precondition(ftruncate(descriptor, 0) == 0) }

        /// The writer lets go: lock released, file closed.
        func release() { close(descriptor) }
    }

    static func line(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test(.timeLimit(.minutes(10)))
    func longLinesRawBytesAPartialLastLineAndATruncationArriveAsWrittenAtARealReceiver() throws {
        let receiver = try RsyslogTestServer(name: "tail-hostile")
        let world = try DumpWorld()  // hour files: access_log.%Y%m%d%H, period 1 hour; these are past hours
        try world.setConfig("tail", "receiver", "\"\(receiver.receiverURL(.relp))\"")
        try world.setConfig("tail", "max_message_bytes", "\"4K\"")
        try world.setConfig("tail", "rescan_seconds", "2")

        // File A: every kind of awkward line, the last one without newline, held open by its writer.
        let pathA = world.logPath("c1", "www", "access_log.2026112001")
        let a = try HeldFile(pathA)
        var inBatch = Self.line("inside a batch, over 4K: ")
        inBatch += (0..<10_000).map { UInt8(ascii: "a") + UInt8($0 % 26) }
        var overBuffer = Self.line("over the 1 MiB buffer: ")
        overBuffer += (0..<1_500_000).map { UInt8(ascii: "0") + UInt8($0 % 10) }
        let linesA: [[UInt8]] = [
            Self.line("plain first line"),
            Self.line("latin-1 caf") + [0xE9] + Self.line(" and broken UTF-8 ") + [0xFF, 0xFE, 0xC3, 0x28, 0x80, 0xF0, 0x9F] + Self.line(" end"),
            Self.line("control bytes: tab\there, escape \u{1B}[0m, bell \u{07}, delete \u{7F}, SOH \u{01}"),
            Self.line("structured-data lookalikes: [logsplit@32473 file=\"x\"] \"quoted\" back\\slash ] ="),
            Self.line("utf-8 as is: é ✓ 日本"),
            [],
            Self.line("   leading and trailing spaces   "),
            inBatch,
            Self.line("between the long ones"),
            overBuffer,
            Self.line("after the long ones"),
        ]
        let partial = Self.line("the last line, without newline ") + [0xC3, 0xA9, 0xFF]
        for line in linesA { a.append(line + [0x0A]) }
        a.append(partial)

        // File B: followed, then truncated in place while tail runs, then written again (shorter than before).
        let pathB = world.logPath("c1", "www", "access_log.2026112002")
        let b = try HeldFile(pathB)
        let beforeTruncation = (0..<200).map { Self.line("before truncation n=\($0) " + String(repeating: "b", count: 80)) }
        for line in beforeTruncation { b.append(line + [0x0A]) }

        let tail = try TailProcess(configPath: world.configPath, logPath: world.root + "/tail.log")
        let keyA = TailFileKey(path: pathA)!, keyB = TailFileKey(path: pathB)!
        func messages(_ key: TailFileKey) -> [TailReceivedMessage] { TailReceivedMessage.all(receiver).filter { $0.key == key } }
        let wholeMessagesA = linesA.reduce(0) { $0 + LineParts.count(length: $1.count, maxMessageBytes: 4096) }
        TailProcess.waitUntil(30) { messages(keyA).count >= wholeMessagesA && messages(keyB).count >= beforeTruncation.count }

        // While the writer holds A, its last line waits for a newline.
        usleep(2_500_000)
        let heldA = messages(keyA)
        #expect(!heldA.contains { $0.message == partial }, "a last line without newline went out while its writer held the file")

        // B truncated in place, then a few shorter lines: reported, read from the start.
        b.truncateToZero()
        let afterTruncation = (0..<20).map { Self.line("after truncation n=\($0)") }
        for line in afterTruncation { b.append(line + [0x0A]) }
        TailProcess.waitUntil(15) { messages(keyB).filter { $0.message.starts(with: Self.line("after truncation")) }.count >= afterTruncation.count }

        // The writer lets go of A: closed, its last line goes out as it is, once.
        a.release()
        TailProcess.waitUntil(15) { messages(keyA).contains { $0.message == partial } }
        b.release()
        usleep(1_500_000)  // anything sent twice would be there by now
        let status = tail.stop()
        let log = tail.log
        #expect(status == 0, "tail exited \(status):\n\(log)")

        // A, rebuilt at the receiver: parts in order and complete, every line exactly once, byte for byte.
        var rebuilt: [Int64: (bytes: [UInt8], parts: [Int], count: Int?, messages: Int)] = [:]
        let receivedA = messages(keyA)
        for message in receivedA {
            var entry = rebuilt[message.offset] ?? ([], [], nil, 0)
            entry.messages += 1
            if let part = message.part {
                let numbers = part.split(separator: "/").compactMap { Int($0) }
                #expect(numbers.count == 2, "part=\"\(part)\" is not i/n")
                entry.parts.append(numbers.first ?? 0)
                entry.count = numbers.last
            }
            entry.bytes += message.message
            rebuilt[message.offset] = entry
        }
        var offset: Int64 = 0
        for (index, line) in (linesA + [partial]).enumerated() {
            guard let got = rebuilt[offset] else {
                Issue.record("line \(index) of A (offset \(offset), \(line.count) bytes) never arrived")
                offset += Int64(line.count + 1)
                continue
            }
            let parts = LineParts.count(length: line.count, maxMessageBytes: 4096)
            #expect(got.messages == parts, "line \(index) of A came as \(got.messages) messages, not \(parts)")
            if parts > 1 {
                #expect(got.parts == Array(1...parts) && got.count == parts, "line \(index): parts \(got.parts.prefix(5))... of \(got.count ?? 0)")
            }
            #expect(got.bytes == line, "line \(index) of A (\(line.count) bytes) arrived as \(got.bytes.count) other bytes")
            offset += Int64(line.count + 1)
        }
        #expect(rebuilt.count == linesA.count + 1, "\(rebuilt.count) distinct offsets of A at the receiver, not \(linesA.count + 1)")

        // B: every line before and after the truncation exactly once; the truncation reported naming the file.
        let receivedB = messages(keyB).map(\.message)
        for line in beforeTruncation + afterTruncation {
            let times = receivedB.filter { $0 == line }.count
            #expect(times == 1, "\(String(decoding: line, as: UTF8.self)) arrived \(times) times")
        }
        #expect(receivedB.count == beforeTruncation.count + afterTruncation.count, "\(receivedB.count) messages of B")
        let truncation = log.split(separator: "\n").filter { $0.contains("truncated") && $0.contains(pathB) }
        #expect(truncation.count == 1, "the truncation is reported once, naming the file:\n\(log)")

        // Both files are finished in tail's checkpoint: closed and every byte acknowledged.
        let finished = TailProcess.finishedFiles(stateDirectory: world.state)
        #expect(finished.contains(pathA) && finished.contains(pathB), "not finished in the checkpoint: \(finished)")
    }
}

/// How many messages a line of `length` bytes takes: the rule of `LineFramer.partCount` (the end-to-end target
/// does not link LogTail), an empty line being one empty message.
enum LineParts {
    static func count(length: Int, maxMessageBytes: Int) -> Int { max(1, (length + maxMessageBytes - 1) / maxMessageBytes) }
}
