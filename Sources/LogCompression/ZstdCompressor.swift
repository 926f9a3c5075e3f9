import CZstd

/// zstd through libzstd's streaming API, with the content checksum on (as the `zstd` CLI does).
public final class ZstdCompressor: StreamCompressor {
    private let cctx: OpaquePointer
    private let out: UnsafeMutableRawBufferPointer

    /// `workers` > 0 compresses on that many libzstd threads (the output does not depend on the count).
    public init(level: Int32 = 3, workers: Int32 = 0, checksum: Bool = true) throws {
        guard let c = ZSTD_createCCtx() else { throw CompressionError("ZSTD_createCCtx failed (out of memory?)") }
        cctx = c
        out = .allocate(byteCount: ZSTD_CStreamOutSize(), alignment: 16)
        do {
            try Self.check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level))
            try Self.check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, checksum ? 1 : 0))
            if workers > 0 {
                try Self.check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_nbWorkers, workers))
            }
        } catch {
            ZSTD_freeCCtx(cctx)
            out.deallocate()
            throw error
        }
    }

    deinit {
        ZSTD_freeCCtx(cctx)
        out.deallocate()
    }

    static func check(_ r: Int) throws {
        if ZSTD_isError(r) != 0 { throw CompressionError("zstd: " + String(cString: ZSTD_getErrorName(r))) }
    }

    public func compress(_ input: UnsafeRawBufferPointer, sink: ByteSink) throws {
        guard input.count > 0 else { return }
        var inBuf = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        repeat {
            var outBuf = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
            try Self.check(ZSTD_compressStream2(cctx, &outBuf, &inBuf, ZSTD_e_continue))
            if outBuf.pos > 0 { try sink(UnsafeRawBufferPointer(rebasing: out[..<outBuf.pos])) }
        } while inBuf.pos < inBuf.size
    }

    public func finish(sink: ByteSink) throws {
        var inBuf = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
        var remaining = 0
        repeat {
            var outBuf = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
            remaining = ZSTD_compressStream2(cctx, &outBuf, &inBuf, ZSTD_e_end)
            try Self.check(remaining)
            if outBuf.pos > 0 { try sink(UnsafeRawBufferPointer(rebasing: out[..<outBuf.pos])) }
        } while remaining != 0
    }
}

/// zstd decompression; concatenated frames are one stream (as `zstd -d` treats them).
public final class ZstdDecompressor: StreamDecompressor {
    private let dctx: OpaquePointer
    private let out: UnsafeMutableRawBufferPointer
    private var frameComplete = true
    private var sawAnything = false

    public init() throws {
        guard let d = ZSTD_createDCtx() else { throw CompressionError("ZSTD_createDCtx failed (out of memory?)") }
        dctx = d
        out = .allocate(byteCount: ZSTD_DStreamOutSize(), alignment: 16)
    }

    deinit {
        ZSTD_freeDCtx(dctx)
        out.deallocate()
    }

    public func decompress(_ input: UnsafeRawBufferPointer, sink: ByteSink) throws {
        guard input.count > 0 else { return }
        sawAnything = true
        var inBuf = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        var lastFilledOutput = false
        // Loop until the input is consumed and the output buffer was not full (nothing left inside).
        while inBuf.pos < inBuf.size || lastFilledOutput {
            var outBuf = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
            let r = ZSTD_decompressStream(dctx, &outBuf, &inBuf)
            if ZSTD_isError(r) != 0 {
                throw CompressionError("not valid zstd data: " + String(cString: ZSTD_getErrorName(r)))
            }
            frameComplete = (r == 0)
            if outBuf.pos > 0 { try sink(UnsafeRawBufferPointer(rebasing: out[..<outBuf.pos])) }
            lastFilledOutput = outBuf.pos == outBuf.size
        }
    }

    public func finish() throws {
        guard sawAnything else { throw CompressionError("empty input is not a zstd stream") }
        guard frameComplete else { throw CompressionError("zstd stream is truncated") }
    }
}
