import CZlib

/// A running CRC-32 (the gzip polynomial), computed by zlib, and the byte count beside it.
public struct ContentChecksum: Sendable, Equatable, Codable, CustomStringConvertible {
    public private(set) var crc32: UInt32 = 0
    public private(set) var count: Int = 0

    public init() {}
    public init(crc32: UInt32, count: Int) {
        self.crc32 = crc32
        self.count = count
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        var offset = 0
        while offset < bytes.count {
            let n = min(bytes.count - offset, 1 << 30)
            crc32 = UInt32(CZlib.crc32(uLong(crc32), (base + offset).assumingMemoryBound(to: Bytef.self), uInt(n)))
            offset += n
        }
        count += bytes.count
    }

    public var description: String {
        "crc32=" + String(crc32, radix: 16) + " bytes=\(count)"
    }
}
