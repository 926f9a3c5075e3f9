import LogCompression

/// The recorded progress of one source file. Written atomically after every step, so a run killed at any
/// moment resumes at the step after the last one recorded.
///
/// Steps, in order: `closed` (found closed; nothing made yet) → `compressed` (a verified compressed copy is in
/// the spool) → `shipping` (its destination key is chosen and written down) → `shipped` (the copy at the
/// destination was read back and matched) → `removed` (the original is gone; the spool copy too, unless kept).
/// A file that reappears, or grows after it was compressed, starts a new generation: only bytes not yet
/// shipped go out, under the key with `.N` added to the name.
public struct FileRecord: Codable, Sendable, Equatable {
    public enum Step: String, Codable, Sendable, Comparable, CaseIterable {
        case closed, compressed, shipping, shipped, removed
        var order: Int { Self.allCases.firstIndex(of: self)! }
        public static func < (a: Step, b: Step) -> Bool { a.order < b.order }
    }

    /// A part of the file that has been shipped and verified.
    public struct ShippedPart: Codable, Sendable, Equatable {
        public var generation: Int
        public var key: String
        public var offset: Int
        public var length: Int
        public var compressedSize: Int
        public var shippedAt: Int

        public init(generation: Int, key: String, offset: Int, length: Int, compressedSize: Int, shippedAt: Int) {
            self.generation = generation
            self.key = key
            self.offset = offset
            self.length = length
            self.compressedSize = compressedSize
            self.shippedAt = shippedAt
        }
    }

    public static let currentVersion = 1
    public var version: Int = FileRecord.currentVersion
    public var source: SafePath
    public var container: String?
    public var site: String?
    public var periodStart: Int
    public var step: Step
    /// 0 for the file as first shipped, then 1, 2, ... for later bytes or a re-created file.
    public var generation: Int = 0
    public var device: UInt64
    public var inode: UInt64
    /// Where this generation's bytes start in the source file.
    public var offset: Int = 0
    /// Set from `compressed` on.
    public var length: Int? = nil
    public var sourceCRC32: UInt32? = nil
    /// CRC-32 of the file's first bytes (up to 4 KiB, from offset 0) when it was compressed: with device and
    /// inode it tells the same file (grown or not) from a new one that reused the inode number.
    public var headCRC32: UInt32? = nil
    public var headLength: Int? = nil
    /// Set from `compressed` on: how this generation's copy is compressed.
    public var format: CompressionFormat? = nil
    public var compressedSize: Int? = nil
    public var compressedSHA256: String? = nil
    /// Set from `shipping` on: the destination key.
    public var key: String? = nil
    /// A put of this generation's copy under `key` returned, or the copy was found there exactly: what is under the
    /// key is this file's, so a copy found different there later is its own, damaged, and is written again. Unset,
    /// a key found holding other content was never written by this file (a run stopped between writing the key
    /// down and linking the copy, and another writer came first), and the file goes under the next free name.
    public var putAtKey: Bool? = nil
    public var shipped: [ShippedPart] = []
    /// The spool copy is kept until then (retention.keep_compressed_hours).
    public var keepCompressedUntil: Int? = nil
    public var updatedAt: Int = 0
    public var lastError: String? = nil
    public var failures: Int = 0

    public init(source: SafePath, container: String?, site: String?, periodStart: Int, device: UInt64, inode: UInt64) {
        self.source = source
        self.container = container
        self.site = site
        self.periodStart = periodStart
        self.device = device
        self.inode = inode
        step = .closed
    }

    /// The record's id: the SHA-256 of the source path (names are hostile; ids are plain hex).
    public static func id(for path: SafePath) -> String { SHA256Hasher.hex(path.description) }
    public var id: String { Self.id(for: source) }

    /// The name of this generation's compressed copy in the spool.
    public func spoolName(extension ext: String) -> String { "\(id).g\(generation).\(ext)" }

    public var bytesShipped: Int { shipped.reduce(0) { $0 + $1.length } }
    public var compressedBytesShipped: Int { shipped.reduce(0) { $0 + $1.compressedSize } }
}

extension FileRecord {
    /// Starts the next generation: the bytes from `offset` of the (possibly new) file at the same path.
    public mutating func startGeneration(offset: Int, device: UInt64, inode: UInt64) {
        generation = max(generation + 1, (shipped.map(\.generation).max() ?? -1) + 1)
        self.offset = offset
        self.device = device
        self.inode = inode
        step = .closed
        length = nil
        sourceCRC32 = nil
        compressedSize = nil
        compressedSHA256 = nil
        key = nil
        putAtKey = nil
        keepCompressedUntil = nil
        if offset == 0 {
            headCRC32 = nil
            headLength = nil
        }
    }

    /// The name under which this generation goes to the destination: the source name, `.N` for later ones.
    public func keyName(attempt index: Int) -> String {
        let n = generation + index
        return source.name + (n > 0 ? ".\(n)" : "")
    }
}
