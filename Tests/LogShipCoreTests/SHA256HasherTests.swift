import LogShipCore
import Testing

@Suite struct SHA256HasherTests {
    @Test func matchesTheFIPSVectorsFedInAnyPieces() {
        var sha = SHA256Hasher()
        #expect(sha.hexDigest() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        sha.update(Array("abc".utf8))
        #expect(sha.hexDigest() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Array(repeating: UInt8(ascii: "a"), count: 1_000_000)
        var pieces = SHA256Hasher()
        long.withUnsafeBytes { all in
            var offset = 0
            var step = 1
            while offset < all.count {
                let n = min(step, all.count - offset)
                pieces.update(UnsafeRawBufferPointer(rebasing: all[offset..<offset + n]))
                offset += n
                step = step * 3 % 1000 + 1
            }
        }
        #expect(pieces.hexDigest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func recordIdsAreTheHexDigestOfThePath() {
        #expect(SHA256Hasher.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(FileRecord.id(for: SafePath(base: "/data", components: ["c1", "access_log.2026112001"]))
            == SHA256Hasher.hex("/data/c1/access_log.2026112001"))
    }
}
