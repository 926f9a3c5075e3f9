import Foundation
import Testing

/// Very long lines (Apache lines pass 4 KiB with a long URL, Referer or User-Agent; a broken or hostile
/// writer can send anything): each is written whole to one file, and logsplit's peak memory, measured
/// as VmHWM in /proc/PID/status while it runs, stays bounded whatever the line length.
@Suite(.serialized)
struct SplitterLongLineEndToEndTests {
    /// The bound on logsplit's peak resident memory (the debug build idles at about 15 MiB).
    static let memoryBoundKiB = 32 * 1024

    private func fileSizes(_ directory: String) -> Int {
        let fm = FileManager.default
        let names = (try? fm.contentsOfDirectory(atPath: directory)) ?? []
        return names.reduce(0) { total, name in
            total + ((try? fm.attributesOfItem(atPath: directory + "/" + name)[.size] as? Int) ?? 0)
        }
    }

    @Test(arguments: [64 * 1024, 1024 * 1024])
    func longLinesAreWrittenWholeInBoundedMemory(length: Int) throws {
        let dir = try TemporaryDirectory("logsplit-long-lines")
        let logs = dir.join("logs")
        let splitter = try PipedProcess(Executables.logsplit, ["\(logs)/out.%Y%m%d"])
        // Long lines between ordinary ones: 1, long 2, 3, long 4, ... 40.
        var total = 0
        for n in 1...40 {
            let line = FaultLines.line(n, width: n.isMultiple(of: 2) ? length : 100)
            total += line.utf8.count
            try splitter.write(line)
        }
        try pollUntil("\(total) bytes written", timeout: 60) { fileSizes(logs) >= total }
        let peak = try #require(splitter.procStatus("VmHWM"))
        try splitter.closeInput()
        let status = try splitter.waitForExit()

        #expect(status == 0, "\(splitter.stderrText)")
        #expect(peak < Self.memoryBoundKiB, "peak resident memory \(peak) KiB for \(length)-byte lines")
        let report = try WrittenLogs(directory: logs).sequence { line in
            FaultLines.number(line, width: line.utf8.count > 100 ? length : 100)
        }
        #expect(report.problems(expecting: 1...40) == nil)
        #expect(logsplitStat("long_lines", in: splitter.stderrText) == 20)
    }

    @Test func hundredMegabytesWithoutNewlineGoToOneFileInBoundedMemory() throws {
        let dir = try TemporaryDirectory("logsplit-endless-line")
        let logs = dir.join("logs")
        let splitter = try PipedProcess(Executables.logsplit, ["\(logs)/out.%Y%m%d"])
        let head = FaultLines.line(1)  // an ordinary line first
        let size = 100_000_000
        try splitter.write(head)
        try splitter.write(repeating: UInt8(ascii: "y"), count: size)
        try pollUntil("the 100 MB line written", timeout: 120) { fileSizes(logs) >= head.utf8.count + size }
        let peak = try #require(splitter.procStatus("VmHWM"))
        try splitter.write("\n" + FaultLines.line(2))
        try splitter.closeInput()
        let status = try splitter.waitForExit()

        #expect(status == 0, "\(splitter.stderrText)")
        #expect(peak < Self.memoryBoundKiB, "peak resident memory \(peak) KiB for a 100 MB line")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: logs)) ?? []
        #expect(files.count == 1, "\(files)")
        #expect(fileSizes(logs) == head.utf8.count + size + 1 + 100)
        // The first and last lines are intact around the long one.
        let file = try #require(FileHandle(forReadingAtPath: logs + "/" + (files.first ?? "")))
        defer { try? file.close() }
        let start = try file.read(upToCount: 100) ?? Data()
        #expect(String(decoding: start, as: UTF8.self) == head)
        try file.seek(toOffset: UInt64(head.utf8.count + size - 1))
        let end = try file.readToEnd() ?? Data()
        #expect(String(decoding: end, as: UTF8.self) == "y\n" + FaultLines.line(2))
    }
}
