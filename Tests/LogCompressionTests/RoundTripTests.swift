import Foundation
import LogCompression
import Testing

/// Sequence-numbered log lines plus some random bytes, so both text and incompressible data are covered.
private func sampleData(lines: Int, randomBytes: Int = 0) -> [UInt8] {
    var bytes: [UInt8] = []
    for i in 0..<lines {
        bytes.append(contentsOf: Array("127.0.0.1 - - [26/Nov/2026:14:10:31 +0000] \"GET /item/\(i * 7919 % 1000) HTTP/1.1\" 200 \(i % 5000) seq=\(i)\n".utf8))
    }
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<randomBytes { bytes.append(UInt8.random(in: 0...255, using: &generator)) }
    return bytes
}

private func compress(_ data: [UInt8], _ format: CompressionFormat, workers: Int = 0, chunk: Int) throws -> [UInt8] {
    let compressor = try Codec.compressor(format, level: format.defaultLevel, workers: workers)
    var out: [UInt8] = []
    var offset = 0
    try data.withUnsafeBytes { all in
        while offset < all.count {
            let n = min(chunk, all.count - offset)
            try compressor.compress(UnsafeRawBufferPointer(rebasing: all[offset..<offset + n])) { out.append(contentsOf: $0) }
            offset += n
        }
        try compressor.finish { out.append(contentsOf: $0) }
    }
    return out
}

private func decompress(_ data: [UInt8], _ format: CompressionFormat, chunk: Int) throws -> [UInt8] {
    let decompressor = try Codec.decompressor(format)
    var out: [UInt8] = []
    var offset = 0
    try data.withUnsafeBytes { all in
        while offset < all.count {
            let n = min(chunk, all.count - offset)
            try decompressor.decompress(UnsafeRawBufferPointer(rebasing: all[offset..<offset + n])) { out.append(contentsOf: $0) }
            offset += n
        }
    }
    try decompressor.finish()
    return out
}

/// Runs a command-line tool with `input` on stdin and returns its stdout.
private func tool(_ path: String, _ arguments: [String], input: [UInt8]) throws -> (status: Int32, output: [UInt8]) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lc-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let inFile = dir.appendingPathComponent("in")
    try Data(input).write(to: inFile)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.standardInput = try FileHandle(forReadingFrom: inFile)
    let outFile = dir.appendingPathComponent("out")
    _ = FileManager.default.createFile(atPath: outFile.path, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: outFile)
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return (process.terminationStatus, Array(try Data(contentsOf: outFile)))
}

private func requireTool(_ name: String, package: String) throws -> String {
    for dir in ["/usr/bin", "/bin", "/usr/local/bin"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
        return "\(dir)/\(name)"
    }
    Issue.record("\(name) is not installed: apt-get install -y \(package)")
    throw CompressionError("missing \(name)")
}

@Suite struct RoundTripTests {
    @Test(arguments: [CompressionFormat.gzip, .zstd], [1, 4096, 1 << 20])
    func roundTripsAnyChunking(format: CompressionFormat, chunk: Int) throws {
        let data = sampleData(lines: chunk == 1 ? 300 : 20_000, randomBytes: 5000)
        let packed = try compress(data, format, chunk: chunk)
        #expect(packed.count < data.count)
        #expect(try decompress(packed, format, chunk: 1000) == data)
        #expect(try decompress(packed, format, chunk: 1) == data || chunk != 1)
    }

    @Test func zstdWithWorkersGivesTheSameBytesAsOneWorker() throws {
        let data = sampleData(lines: 60_000)
        let one = try compress(data, .zstd, workers: 1, chunk: 1 << 16)
        let two = try compress(data, .zstd, workers: 2, chunk: 1 << 16)
        #expect(one == two)
        #expect(try decompress(two, .zstd, chunk: 777) == data)
    }

    @Test(arguments: [CompressionFormat.gzip, .zstd])
    func emptyInputIsAValidStream(format: CompressionFormat) throws {
        let packed = try compress([], format, chunk: 1)
        #expect(!packed.isEmpty)
        #expect(try decompress(packed, format, chunk: 10) == [])
        let magic: [UInt8] = format == .gzip ? [0x1f, 0x8b] : [0x28, 0xb5, 0x2f, 0xfd]
        #expect(Array(packed.prefix(magic.count)) == magic)
    }

    @Test(arguments: [CompressionFormat.gzip, .zstd])
    func truncatedStreamIsAnError(format: CompressionFormat) throws {
        let packed = try compress(sampleData(lines: 2000), format, chunk: 4096)
        #expect(throws: CompressionError.self) { try decompress(Array(packed.dropLast(5)), format, chunk: 512) }
    }

    @Test(arguments: [CompressionFormat.gzip, .zstd])
    func corruptedStreamIsAnError(format: CompressionFormat) throws {
        var packed = try compress(sampleData(lines: 2000), format, chunk: 4096)
        packed[packed.count / 2] ^= 0x55
        #expect(throws: CompressionError.self) { try decompress(packed, format, chunk: 512) }
    }

    @Test(arguments: [CompressionFormat.gzip, .zstd])
    func concatenatedStreamsDecompressAsOne(format: CompressionFormat) throws {
        let a = sampleData(lines: 100), b = sampleData(lines: 50)
        let packed = try compress(a, format, chunk: 999) + compress(b, format, chunk: 999)
        #expect(try decompress(packed, format, chunk: 333) == a + b)
    }

    @Test func commandLineToolsAcceptOurOutputAndWeAcceptTheirs() throws {
        let data = sampleData(lines: 30_000)
        let gzipTool = try requireTool("gzip", package: "gzip")
        let zstdTool = try requireTool("zstd", package: "zstd")
        let pigzTool = try requireTool("pigz", package: "pigz")
        let ourGzip = try compress(data, .gzip, chunk: 65536)
        let ourZstd = try compress(data, .zstd, workers: 2, chunk: 65536)
        #expect(try tool(gzipTool, ["-dc"], input: ourGzip) == (0, data))
        #expect(try tool(zstdTool, ["-dcq"], input: ourZstd) == (0, data))
        #expect(try tool(gzipTool, ["-t"], input: ourGzip).status == 0)
        #expect(try tool(zstdTool, ["-tq"], input: ourZstd).status == 0)
        let theirGzip = try tool(pigzTool, ["-6c"], input: data).output
        let theirZstd = try tool(zstdTool, ["-3cq"], input: data).output
        #expect(try decompress(theirGzip, .gzip, chunk: 4096) == data)
        #expect(try decompress(theirZstd, .zstd, chunk: 4096) == data)
    }

    @Test func crc32MatchesTheKnownValue() {
        var crc = ContentChecksum()
        Array("123456789".utf8).withUnsafeBytes { crc.update($0) }
        #expect(crc == ContentChecksum(crc32: 0xCBF4_3926, count: 9))
    }
}

@Suite struct ParallelGzipTests {
    @Test(arguments: [1, 100, 65536, 300_000])
    func parallelMembersAreOneStandardGzipStream(chunk: Int) throws {
        let data = sampleData(lines: 40_000, randomBytes: 100_000)
        let compressor = try ParallelGzipCompressor(level: 6, threads: 3, blockSize: 256 * 1024)
        var packed: [UInt8] = []
        try data.withUnsafeBytes { all in
            var offset = 0
            while offset < all.count {
                let n = min(chunk == 1 ? 7777 : chunk, all.count - offset)
                try compressor.compress(UnsafeRawBufferPointer(rebasing: all[offset..<offset + n])) { packed.append(contentsOf: $0) }
                offset += n
            }
            try compressor.finish { packed.append(contentsOf: $0) }
        }
        #expect(try decompress(packed, .gzip, chunk: 4096) == data)
        let gzipTool = try requireTool("gzip", package: "gzip")
        #expect(try tool(gzipTool, ["-dc"], input: packed) == (0, data))
        // The same bytes whatever the thread count.
        let two = try ParallelGzipCompressor(level: 6, threads: 2, blockSize: 256 * 1024)
        var again: [UInt8] = []
        try data.withUnsafeBytes { try two.compress($0) { again.append(contentsOf: $0) }; try two.finish { again.append(contentsOf: $0) } }
        #expect(again == packed)
    }

    @Test func emptyInputGivesOneEmptyMember() throws {
        let compressor = try ParallelGzipCompressor(level: 6, threads: 2)
        var packed: [UInt8] = []
        try compressor.finish { packed.append(contentsOf: $0) }
        #expect(try decompress(packed, .gzip, chunk: 10) == [])
    }
}
