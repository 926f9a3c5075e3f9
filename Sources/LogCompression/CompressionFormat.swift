/// The compressed formats logdump writes. Both are the standard formats: `zstd -t` and `gzip -t` accept them.
public enum CompressionFormat: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case zstd
    case gzip

    /// The file name extension, without the dot.
    public var fileExtension: String {
        switch self {
        case .zstd: "zst"
        case .gzip: "gz"
        }
    }

    public var description: String { rawValue }

    /// The levels the library accepts.
    public var levels: ClosedRange<Int> {
        switch self {
        case .zstd: 1...19
        case .gzip: 1...9
        }
    }

    /// The level the command-line tools use by default.
    public var defaultLevel: Int {
        switch self {
        case .zstd: 3
        case .gzip: 6
        }
    }
}

/// What a compressor or decompressor reports when the C library refuses or the input is not valid.
public struct CompressionError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Receives output bytes; the buffer is only valid during the call.
public typealias ByteSink = (UnsafeRawBufferPointer) throws -> Void

/// A streaming compressor with constant memory: feed input in pieces of any size, then `finish` once.
///
/// Every implementation guarantees: the concatenation of the bytes given to the sinks is one complete,
/// standard stream of its format; the same input and settings give the same output bytes.
public protocol StreamCompressor: AnyObject {
    func compress(_ input: UnsafeRawBufferPointer, sink: ByteSink) throws
    func finish(sink: ByteSink) throws
}

/// A streaming decompressor with constant memory.
///
/// Every implementation guarantees: `finish` throws unless the input seen so far ended exactly at the end of a
/// complete stream (several concatenated gzip members or zstd frames count as one stream, as with the CLIs),
/// so a truncated file is an error rather than a short result.
public protocol StreamDecompressor: AnyObject {
    func decompress(_ input: UnsafeRawBufferPointer, sink: ByteSink) throws
    func finish() throws
}

public enum Codec {
    /// A compressor for `format`. `workers` is the thread count: zstd's own workers (0 = compress on the
    /// caller's thread), or for gzip more than 1 means independent gzip members compressed in parallel
    /// (`ParallelGzipCompressor`); 0 or 1 gives one member compressed on the caller's thread.
    public static func compressor(_ format: CompressionFormat, level: Int, workers: Int = 0) throws -> any StreamCompressor {
        switch format {
        case .zstd: try ZstdCompressor(level: Int32(level), workers: Int32(workers))
        case .gzip: workers > 1 ? try ParallelGzipCompressor(level: Int32(level), threads: workers) : try GzipCompressor(level: Int32(level))
        }
    }

    public static func decompressor(_ format: CompressionFormat) throws -> any StreamDecompressor {
        switch format {
        case .zstd: try ZstdDecompressor()
        case .gzip: try GzipDecompressor()
        }
    }
}
