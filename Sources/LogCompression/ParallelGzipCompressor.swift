import CZlib
import Dispatch

/// gzip on several cores: the input is cut into fixed blocks, each compressed on its own thread as a
/// complete gzip member, and the members are written in order. Concatenated members are one standard gzip
/// file (RFC 1952 §2.2; `gzip -d`, `gzip -t`, `pigz -d` and zlib all read them). Memory stays bounded: at
/// most `2 × threads` blocks are in flight. The output depends on the block size, not on the thread count.
public final class ParallelGzipCompressor: StreamCompressor {
    public static let defaultBlockSize = 4 << 20

    private let level: Int32
    private let blockSize: Int
    private let maxInFlight: Int
    private var block: UnsafeMutableRawBufferPointer
    private var filled = 0
    private var inFlight: [Member] = []
    private var wroteAny = false

    private final class Member: @unchecked Sendable {
        let input: UnsafeMutableRawBufferPointer
        let count: Int
        let done = DispatchSemaphore(value: 0)
        var output: [UInt8] = []
        var error: CompressionError?
        init(input: UnsafeMutableRawBufferPointer, count: Int) {
            self.input = input
            self.count = count
        }
    }

    public init(level: Int32 = 6, threads: Int, blockSize: Int = ParallelGzipCompressor.defaultBlockSize) throws {
        guard (1...9).contains(level) || level == Z_DEFAULT_COMPRESSION else { throw CompressionError("gzip level \(level) is not 1...9") }
        self.level = level
        self.blockSize = max(64 * 1024, blockSize)
        maxInFlight = max(2, threads * 2)
        block = .allocate(byteCount: self.blockSize, alignment: 16)
    }

    deinit {
        for member in inFlight {
            member.done.wait()
            member.input.deallocate()
        }
        block.deallocate()
    }

    public func compress(_ input: UnsafeRawBufferPointer, sink: ByteSink) throws {
        var offset = 0
        while offset < input.count {
            let n = min(blockSize - filled, input.count - offset)
            (block.baseAddress! + filled).copyMemory(from: input.baseAddress! + offset, byteCount: n)
            filled += n
            offset += n
            if filled == blockSize { try submit(sink: sink) }
        }
    }

    public func finish(sink: ByteSink) throws {
        if filled > 0 || (!wroteAny && inFlight.isEmpty) { try submit(sink: sink) }
        while !inFlight.isEmpty { try drainOne(sink: sink) }
        wroteAny = false
    }

    private func submit(sink: ByteSink) throws {
        let member = Member(input: block, count: filled)
        block = .allocate(byteCount: blockSize, alignment: 16)
        filled = 0
        wroteAny = true
        let level = self.level
        DispatchQueue.global().async {
            do { member.output = try Self.compressMember(UnsafeRawBufferPointer(rebasing: member.input[0..<member.count]), level: level) } catch {
                member.error = error as? CompressionError ?? CompressionError("\(error)")
            }
            member.done.signal()
        }
        inFlight.append(member)
        while inFlight.count >= maxInFlight { try drainOne(sink: sink) }
    }

    private func drainOne(sink: ByteSink) throws {
        let member = inFlight.removeFirst()
        member.done.wait()
        defer { member.input.deallocate() }
        if let error = member.error { throw error }
        try member.output.withUnsafeBytes { try sink($0) }
    }

    /// One complete gzip member.
    static func compressMember(_ input: UnsafeRawBufferPointer, level: Int32) throws -> [UInt8] {
        let strm = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        strm.initialize(to: z_stream())
        defer { strm.deallocate() }
        guard czlib_deflateInit2(strm, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK else {
            throw CompressionError("zlib deflateInit2 failed")
        }
        defer { deflateEnd(strm) }
        let bound = Int(deflateBound(strm, uLong(input.count))) + 64
        var output = [UInt8](repeating: 0, count: bound)
        let produced: Int = try output.withUnsafeMutableBytes { out in
            strm.pointee.next_in = input.count > 0 ? UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: Bytef.self)) : nil
            strm.pointee.avail_in = uInt(input.count)
            strm.pointee.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
            strm.pointee.avail_out = uInt(out.count)
            let rc = deflate(strm, Z_FINISH)
            guard rc == Z_STREAM_END else { throw CompressionError("zlib deflate of a member failed (\(rc))") }
            return out.count - Int(strm.pointee.avail_out)
        }
        output.removeSubrange(produced...)
        return output
    }
}
