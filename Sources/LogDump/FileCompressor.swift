import LogCompression
import LinuxSystem
import LogDestinations
import LogShipCore

#if canImport(Glibc)
import Glibc
#endif

/// Compresses part of an open file into a new file, and checks a compressed file against its source checksum.
public struct FileCompressor: Sendable {
    public var format: CompressionFormat
    public var level: Int
    /// zstd threads (0 = on the calling thread).
    public var threads: Int
    /// Test hook: pause this long after each 64 KiB read, so a crash test can land a kill mid-compression.
    public var delayMicroseconds: UInt32 = 0

    public init(format: CompressionFormat, level: Int, threads: Int) {
        self.format = format
        self.level = level
        self.threads = threads
    }

    public struct Result: Sendable {
        /// Source bytes read (fewer than asked when the file shrank while read).
        public var source: ContentChecksum
        public var compressedSize: Int
    }

    /// A compressor for these settings; pass it to `compress` for file after file (reusing the context and
    /// its threads and buffers instead of setting them up for every file).
    public func makeCompressor() throws -> any StreamCompressor {
        try Codec.compressor(format, level: level, workers: threads)
    }

    /// Reads at most `length` bytes of `sourceFD` from `offset` and writes them compressed to `outputPath`
    /// (created, fsynced, closed). Memory stays constant whatever the size. `checksum` computes the CRC-32 of
    /// the bytes read, for `verify` (skipping it only makes sense when nothing will be verified).
    public func compress(sourceFD: Int32, sourcePath: String, offset: Int, length: Int, outputPath: String,
                         using reusable: (any StreamCompressor)? = nil, checksum wantChecksum: Bool = true) throws -> Result {
        let output = try FileDescriptor.open(outputPath, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode: 0o600, operation: "create")
        let outputFD = output.rawValue
        let compressor = try reusable ?? makeCompressor()
        let readSize = delayMicroseconds > 0 ? 64 * 1024 : 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: readSize, alignment: 16)
        defer { buffer.deallocate() }
        var checksum = ContentChecksum()
        var count = 0
        var written = 0
        let sink: ByteSink = { bytes in
            try FileDescriptor.writeAll(outputFD, bytes, path: outputPath)
            written += bytes.count
        }
        var position = offset
        while count < length {
            let want = min(buffer.count, length - count)
            let n = try Syscall.retrying("read", path: sourcePath) { pread(sourceFD, buffer.baseAddress!, want, off_t(position)) }
            if n == 0 { break }  // shrank while read: ship what was there
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            if wantChecksum { checksum.update(chunk) }
            count += n
            try compressor.compress(chunk, sink: sink)
            position += n
            if delayMicroseconds > 0 { usleep(delayMicroseconds) }
        }
        try compressor.finish(sink: sink)
        try output.sync(path: outputPath)
        try output.close(path: outputPath)
        return Result(source: wantChecksum ? checksum : ContentChecksum(crc32: 0, count: count), compressedSize: written)
    }

    /// What `compressChecked` made: how many source bytes went in, and the compressed file as a local object.
    public struct Checked: Sendable {
        /// Source bytes read (fewer than asked when the file shrank while read).
        public var sourceBytes: Int
        /// The compressed file (its size and SHA-256), ready for a destination.
        public var object: LocalObject
    }

    /// Compresses like `compress` and checks the output in the same pass, without reading anything twice: every
    /// compressed byte, as it is written, is hashed (SHA-256, what the destination proves its copy against) and
    /// decoded again. The decoder checks the format's own checksum of the content, which the compressor computed
    /// over the very bytes read (zstd's XXH64 content checksum, required to be present; gzip's CRC-32 and length
    /// per member), and the decoded length must equal the bytes read. So the file decodes to the source bytes, as
    /// with `verify`, at the cost of one decompression and one SHA-256 (no CRC-32 of its own over the source and
    /// over the decoded bytes).
    ///
    /// `durable`: the output is fsynced before this returns; without, whoever records it must fsync it first
    /// (`CompressStage.recordCompressed`).
    public func compressChecked(sourceFD: Int32, sourcePath: String, offset: Int, length: Int, outputPath: String,
                                using reusable: (any StreamCompressor)? = nil, durable: Bool = true) throws -> Checked {
        let output = try FileDescriptor.open(outputPath, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode: 0o600, operation: "create")
        let outputFD = output.rawValue
        let compressor = try reusable ?? makeCompressor()
        let decoder = try Codec.decompressor(format)
        let readSize = delayMicroseconds > 0 ? 64 * 1024 : 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: readSize, alignment: 16)
        defer { buffer.deallocate() }
        var hasher = SHA256Hasher()
        var header: [UInt8] = []
        var count = 0
        var written = 0
        var decoded = 0
        let sink: ByteSink = { bytes in
            try FileDescriptor.writeAll(outputFD, bytes, path: outputPath)
            written += bytes.count
            hasher.update(bytes)
            if header.count < Self.zstdHeaderLength { header += bytes.prefix(Self.zstdHeaderLength - header.count) }
            try decoder.decompress(bytes) { decoded += $0.count }
        }
        var position = offset
        while count < length {
            let want = min(buffer.count, length - count)
            let n = try Syscall.retrying("read", path: sourcePath) { pread(sourceFD, buffer.baseAddress!, want, off_t(position)) }
            if n == 0 { break }  // shrank while read: ship what was there
            count += n
            try compressor.compress(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), sink: sink)
            position += n
            if delayMicroseconds > 0 { usleep(delayMicroseconds) }
        }
        try compressor.finish(sink: sink)
        do { try decoder.finish() } catch {
            throw CompressionError("the compressed copy \(outputPath) of \(sourcePath) does not decode: \(error)")
        }
        if format == .zstd && !Self.hasContentChecksum(zstdHeader: header) {
            throw CompressionError("the compressed copy \(outputPath) of \(sourcePath) has no zstd content checksum; it cannot be checked")
        }
        guard decoded == count else {
            throw CompressionError("the compressed copy \(outputPath) of \(sourcePath) decodes to \(decoded) bytes, not the \(count) read")
        }
        if durable { try output.sync(path: outputPath) }
        try output.close(path: outputPath)
        return Checked(sourceBytes: count, object: LocalObject(path: outputPath, size: written, sha256: hasher.hexDigest()))
    }

    /// The magic number and the frame header descriptor of a zstd frame.
    static let zstdHeaderLength = 5

    /// Whether the first zstd frame says it carries the XXH64 checksum of its content (which the decoder checks).
    static func hasContentChecksum(zstdHeader bytes: [UInt8]) -> Bool {
        guard bytes.count >= zstdHeaderLength, bytes[0] == 0x28, bytes[1] == 0xB5, bytes[2] == 0x2F, bytes[3] == 0xFD else { return false }
        return bytes[4] & 0x04 != 0
    }

    /// Decompresses `path` and compares with `expected`; returns the compressed file as a local object
    /// (its size and SHA-256), ready for a destination.
    public static func verify(path: String, format: CompressionFormat, expected: ContentChecksum) throws -> LocalObject {
        let file = try FileDescriptor.open(path, O_RDONLY | O_NOFOLLOW)
        let decompressor = try Codec.decompressor(format)
        var content = ContentChecksum()
        var hasher = SHA256Hasher()
        var size = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = try file.read(into: buffer, path: path)
            if n == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            hasher.update(chunk)
            size += n
            try decompressor.decompress(chunk) { content.update($0) }
        }
        try decompressor.finish()
        guard content == expected else {
            throw CompressionError("the compressed copy \(path) does not decompress to the source bytes (\(content), source \(expected))")
        }
        return LocalObject(path: path, size: size, sha256: hasher.hexDigest())
    }
}
