import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `logdump compress`: an output is complete or absent, bad settings are usage errors, special files are refused.
@Suite struct DumpCompressCommandTests {
    @Test func aLevelTheCodecDoesNotHaveIsAUsageError() throws {
        let directory = try TemporaryDirectory("logdump-compress")
        let source = directory.join("a")
        try Data("line\n".utf8).write(to: URL(fileURLWithPath: source))
        for (format, level) in [("zstd", "99"), ("zstd", "-5"), ("gzip", "10")] {
            let result = try runProcess(Executables.logdump, ["compress", "--format", format, "--level", level, source])
            #expect(result.status == 1, "\(format) \(level)")
            #expect(result.stderrText.contains("--level: \(level) is out of range"), "\(result.stderrText)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["a"])
    }

    @Test(.timeLimit(.minutes(10)))
    func aFifoIsRefusedWithoutWaitingAndTheOtherFilesAreCompressed() throws {
        let directory = try TemporaryDirectory("logdump-compress")
        let fifo = directory.join("fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        let source = directory.join("a")
        try Data(String(repeating: "line\n", count: 1000).utf8).write(to: URL(fileURLWithPath: source))
        let result = try runProcess(Executables.logdump, ["compress", "--verify", fifo, source])
        #expect(result.status == 2)
        #expect(result.stderrText.contains("\(fifo): a fifo, not a regular file"), "\(result.stderrText)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["a", "a.zst", "fifo"])
    }

    /// A disk that fills while compressing leaves neither an empty nor a partial FILE.zst behind.
    @Test func aFullDiskLeavesNoPartialOutput() throws {
        let directory = try TemporaryDirectory("logdump-compress")
        let disk = try FaultTmpfs(at: directory.join("disk"), bytes: 1 << 20)
        defer { disk.unmount() }
        // Incompressible bytes: the output is as large as the input and cannot fit beside it.
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<(700 * 1024)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let source = disk.path + "/big"
        try Data(bytes).write(to: URL(fileURLWithPath: source))
        for format in ["zstd", "gzip"] {
            let result = try runProcess(Executables.logdump, ["compress", "--format", format, source])
            #expect(result.status == 2, "\(format): \(result.stderrText)")
            #expect(result.stderrText.contains("No space left on device"), "\(result.stderrText)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: disk.path) == ["big"], "\(format) left output behind")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: source)) == Data(bytes))
    }
}
