import Foundation
import LogCompression
import LogDump
import LogShipCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `FileCompressor.compressChecked`: the copy is decoded and hashed as it is written, and whatever does not decode
/// to exactly the bytes read is refused before anything is recorded.
@Suite struct FileCompressorCheckTests {
    /// A wrapped compressor that misbehaves in one chosen way.
    final class Faulty: StreamCompressor {
        enum Fault { case dropsEverySecondPiece, neverFinishes }
        let inner: any StreamCompressor
        let fault: Fault
        var pieces = 0
        init(_ inner: any StreamCompressor, _ fault: Fault) {
            self.inner = inner
            self.fault = fault
        }
        func compress(_ input: UnsafeRawBufferPointer, sink: ByteSink) throws {
            pieces += 1
            if fault == .dropsEverySecondPiece && pieces % 2 == 0 { return }
            try inner.compress(input, sink: sink)
        }
        func finish(sink: ByteSink) throws {
            if fault == .neverFinishes { return }
            try inner.finish(sink: sink)
        }
    }

    /// About 3 MiB of numbered lines (several 1 MiB reads), in a fresh directory.
    static func source() throws -> (directory: String, path: String, bytes: [UInt8]) {
        var template = Array("/tmp/logdump-check.XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { throw POSIXError(.EIO) }
        let directory = String(cString: made)
        let text = (0..<40_000).map { "10.0.0.\($0 % 250) - - [20/Nov/2026:10:00:00 +0000] \"GET /page/\($0) HTTP/1.1\" 200 \($0 * 7)\n" }.joined()
        let path = directory + "/access_log.2026112010"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return (directory, path, Array(text.utf8))
    }

    static func compress(_ path: String, format: CompressionFormat, using compressor: (any StreamCompressor)?) throws -> FileCompressor.Checked {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw POSIXError(.ENOENT) }
        defer { close(fd) }
        var info = stat()
        fstat(fd, &info)
        return try FileCompressor(format: format, level: 3, threads: 0)
            .compressChecked(sourceFD: fd, sourcePath: path, offset: 0, length: Int(info.st_size), outputPath: path + ".out", using: compressor)
    }

    static func failure(_ body: () throws -> Void) -> String {
        do { try body() } catch { return "\(error)" }
        return "no error"
    }

    @Test(arguments: [CompressionFormat.zstd, .gzip])
    func aCheckedCopyDecodesToTheSourceAndCarriesItsOwnSizeAndHash(format: CompressionFormat) throws {
        let (directory, path, bytes) = try Self.source()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let checked = try Self.compress(path, format: format, using: nil)
        #expect(checked.sourceBytes == bytes.count)
        var crc = ContentChecksum()
        bytes.withUnsafeBytes { crc.update($0) }
        // The file on disk, read again the slow way: it decodes to the source, and it is the object described.
        let reread = try FileCompressor.verify(path: path + ".out", format: format, expected: crc)
        #expect(reread == checked.object)
    }

    @Test func aZstdStreamWithoutItsContentChecksumIsRefused() throws {
        let (directory, path, _) = try Self.source()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let message = Self.failure { _ = try Self.compress(path, format: .zstd, using: try ZstdCompressor(level: 3, checksum: false)) }
        #expect(message.contains("no zstd content checksum"), "\(message)")
    }

    @Test func aCompressorThatLosesInputIsCaughtByTheLength() throws {
        let (directory, path, bytes) = try Self.source()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let faulty = Faulty(try ZstdCompressor(level: 3), .dropsEverySecondPiece)
        let message = Self.failure { _ = try Self.compress(path, format: .zstd, using: faulty) }
        #expect(message.contains("not the \(bytes.count) read"), "\(message)")
    }

    @Test(arguments: [CompressionFormat.zstd, .gzip])
    func aTruncatedStreamIsCaught(format: CompressionFormat) throws {
        let (directory, path, _) = try Self.source()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let faulty = Faulty(try Codec.compressor(format, level: 3), .neverFinishes)
        let message = Self.failure { _ = try Self.compress(path, format: format, using: faulty) }
        #expect(message.contains("does not decode"), "\(message)")
    }
}
