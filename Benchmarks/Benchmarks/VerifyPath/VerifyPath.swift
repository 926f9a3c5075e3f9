import Benchmark
import Glibc
import LogCompression
import LogDump
import LogShipCore

// The dumper's verify path in process: SHA-256 of a compressed copy (every copy is hashed when it is made and
// again when the destination reads it back), and the whole check FileCompressor.verify runs before a copy
// may stand for its source (decompress, CRC-32 of the content, SHA-256 of the compressed bytes).

let megabytes = 64

/// 64 MiB of bytes that do not compress (hashing does not care), and a zstd file of a 64 MiB log.
final class Inputs: @unchecked Sendable {
    static let shared = Inputs()
    let random: UnsafeMutableRawBufferPointer
    let compressedPath: String
    let content: ContentChecksum

    init() {
        random = .allocate(byteCount: megabytes << 20, alignment: 16)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in 0..<random.count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            random[i] = UInt8(truncatingIfNeeded: state >> 33)
        }
        let scratch = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        let source = scratch + "/verify-path-bench.log"
        compressedPath = source + ".zst"
        var line = Array("203.0.113.7 - - [30/Nov/2026:14:00:00 +0000] \"GET /index.php?id=12345 HTTP/1.1\" 200 5120 \"-\" \"Mozilla/5.0\"\n".utf8)
        let file = fopen(source, "w")!
        var checksum = ContentChecksum()
        var written = 0
        var n = 0
        while written < megabytes << 20 {
            let digits = Array(String(n).utf8)
            line.replaceSubrange(60..<(60 + digits.count), with: digits)
            fwrite(line, 1, line.count, file)
            line.withUnsafeBytes { checksum.update($0) }
            written += line.count
            n += 1
        }
        fclose(file)
        content = checksum
        let fd = open(source, O_RDONLY)
        _ = try! FileCompressor(format: .zstd, level: 3, threads: 0)
            .compress(sourceFD: fd, sourcePath: source, offset: 0, length: written, outputPath: compressedPath)
        close(fd)
        unlink(source)
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .peakMemoryResident], maxDuration: .seconds(5))

    Benchmark("SHA-256 of 64 MiB (MB/s = 64 / wall seconds)", configuration: .init(scalingFactor: .one)) { benchmark in
        let inputs = Inputs.shared
        benchmark.startMeasurement()
        var hasher = SHA256Hasher()
        var offset = 0
        while offset < inputs.random.count {
            hasher.update(UnsafeRawBufferPointer(rebasing: inputs.random[offset..<(offset + (1 << 20))]))
            offset += 1 << 20
        }
        blackHole(hasher.hexDigest())
    }

    Benchmark("FileCompressor.verify of a 64 MiB log as zstd", configuration: .init(scalingFactor: .one)) { benchmark in
        let inputs = Inputs.shared
        benchmark.startMeasurement()
        blackHole(try FileCompressor.verify(path: inputs.compressedPath, format: .zstd, expected: inputs.content))
    }
}
