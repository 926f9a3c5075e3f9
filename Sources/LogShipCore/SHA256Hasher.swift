import Crypto

/// Streaming SHA-256 (swift-crypto) with the lowercase hex digest used in records, messages and checks.
public struct SHA256Hasher: Sendable {
    private var hasher = Crypto.SHA256()

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest of everything so far, as 64 hex digits (the hasher may go on).
    public func hexDigest() -> String {
        Self.hex(Array(hasher.finalize()))
    }

    /// The digest of the bytes, as 32 raw bytes (for base64 in S3 checksums).
    public func digestBytes() -> [UInt8] { Array(hasher.finalize()) }

    public static func hex(_ text: String) -> String {
        var h = SHA256Hasher()
        h.update(Array(text.utf8))
        return h.hexDigest()
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
