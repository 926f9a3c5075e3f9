import CZlib

/// gzip (RFC 1952) through zlib's deflate, one member per stream.
public final class GzipCompressor: StreamCompressor {
    // z_stream must not move after deflateInit2 (zlib keeps a back-pointer): keep it on the heap.
    private let strm: UnsafeMutablePointer<z_stream>
    private let out: UnsafeMutableRawBufferPointer

    public init(level: Int32 = 6, outputBufferSize: Int = 256 * 1024) throws {
        strm = .allocate(capacity: 1)
        strm.initialize(to: z_stream())
        out = .allocate(byteCount: outputBufferSize, alignment: 16)
        let rc = czlib_deflateInit2(strm, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY)
        guard rc == Z_OK else {
            strm.deallocate()
            out.deallocate()
            throw CompressionError("zlib deflateInit2 failed (\(rc)) for level \(level)")
        }
    }

    deinit {
        deflateEnd(strm)
        strm.deallocate()
        out.deallocate()
    }

    public func compress(_ input: UnsafeRawBufferPointer, sink: ByteSink) throws {
        guard let base = input.baseAddress, input.count > 0 else { return }
        var offset = 0
        // avail_in is 32 bits: feed at most 1 GiB per round.
        while offset < input.count {
            let n = min(input.count - offset, 1 << 30)
            strm.pointee.next_in = UnsafeMutablePointer(mutating: (base + offset).assumingMemoryBound(to: Bytef.self))
            strm.pointee.avail_in = uInt(n)
            repeat {
                strm.pointee.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
                strm.pointee.avail_out = uInt(out.count)
                let rc = deflate(strm, Z_NO_FLUSH)
                guard rc == Z_OK || rc == Z_BUF_ERROR else { throw CompressionError("zlib deflate failed (\(rc))") }
                let produced = out.count - Int(strm.pointee.avail_out)
                if produced > 0 { try sink(UnsafeRawBufferPointer(rebasing: out[..<produced])) }
            } while strm.pointee.avail_out == 0
            offset += n
        }
    }

    public func finish(sink: ByteSink) throws {
        strm.pointee.next_in = nil
        strm.pointee.avail_in = 0
        while true {
            strm.pointee.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
            strm.pointee.avail_out = uInt(out.count)
            let rc = deflate(strm, Z_FINISH)
            guard rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR else {
                throw CompressionError("zlib deflate finish failed (\(rc))")
            }
            let produced = out.count - Int(strm.pointee.avail_out)
            if produced > 0 { try sink(UnsafeRawBufferPointer(rebasing: out[..<produced])) }
            if rc == Z_STREAM_END { break }
        }
        _ = deflateReset(strm)
    }
}

/// gzip decompression; concatenated members are one stream (as `gzip -d` treats them).
public final class GzipDecompressor: StreamDecompressor {
    private let strm: UnsafeMutablePointer<z_stream>
    private let out: UnsafeMutableRawBufferPointer
    /// True between members (nothing pending): the only state in which the input may end.
    private var atMemberBoundary = true
    private var sawAnything = false

    public init(outputBufferSize: Int = 256 * 1024) throws {
        strm = .allocate(capacity: 1)
        strm.initialize(to: z_stream())
        out = .allocate(byteCount: outputBufferSize, alignment: 16)
        let rc = czlib_inflateInit2(strm, 15 + 16)
        guard rc == Z_OK else {
            strm.deallocate()
            out.deallocate()
            throw CompressionError("zlib inflateInit2 failed (\(rc))")
        }
    }

    deinit {
        inflateEnd(strm)
        strm.deallocate()
        out.deallocate()
    }

    public func decompress(_ input: UnsafeRawBufferPointer, sink: ByteSink) throws {
        guard let base = input.baseAddress, input.count > 0 else { return }
        sawAnything = true
        var offset = 0
        while offset < input.count {
            let n = min(input.count - offset, 1 << 30)
            strm.pointee.next_in = UnsafeMutablePointer(mutating: (base + offset).assumingMemoryBound(to: Bytef.self))
            strm.pointee.avail_in = uInt(n)
            while strm.pointee.avail_in > 0 {
                atMemberBoundary = false
                strm.pointee.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
                strm.pointee.avail_out = uInt(out.count)
                let rc = inflate(strm, Z_NO_FLUSH)
                let produced = out.count - Int(strm.pointee.avail_out)
                if produced > 0 { try sink(UnsafeRawBufferPointer(rebasing: out[..<produced])) }
                switch rc {
                case Z_STREAM_END:
                    atMemberBoundary = true
                    _ = inflateReset(strm)
                case Z_OK:
                    continue
                case Z_BUF_ERROR where produced == 0 && strm.pointee.avail_in == 0:
                    break
                default:
                    let message = strm.pointee.msg.map { String(cString: $0) } ?? "error \(rc)"
                    throw CompressionError("not valid gzip data: \(message)")
                }
            }
            // Flush what inflate still holds for this input.
            if !atMemberBoundary {
                while true {
                    strm.pointee.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    strm.pointee.avail_out = uInt(out.count)
                    let rc = inflate(strm, Z_NO_FLUSH)
                    let produced = out.count - Int(strm.pointee.avail_out)
                    if produced > 0 { try sink(UnsafeRawBufferPointer(rebasing: out[..<produced])) }
                    if rc == Z_STREAM_END {
                        atMemberBoundary = true
                        _ = inflateReset(strm)
                        break
                    }
                    if rc == Z_BUF_ERROR || produced == 0 { break }
                    guard rc == Z_OK else { throw CompressionError("not valid gzip data (\(rc))") }
                }
            }
            offset += n
        }
    }

    public func finish() throws {
        guard sawAnything else { throw CompressionError("empty input is not a gzip stream") }
        guard atMemberBoundary else { throw CompressionError("gzip stream is truncated") }
    }
}
