import Foundation
import LogCompression
import LogShipCore
import Testing

/// Records on disk outlive the code that wrote them: a record written before the reshape is read and finished.
@Suite struct FileRecordCompatibilityTests {
    /// Byte for byte what logdump 0.1.0 (commit a3fbd5d) wrote for a file stopped at `shipping`.
    static let writtenByTheOldCode = """
        {"compressedSHA256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","compressedSize":754,\
        "container":"c1","device":2049,"failures":0,"format":"zstd","generation":0,"headCRC32":1234,"headLength":4096,\
        "inode":131,"key":"e2e\\/c1\\/shop\\/2026\\/11\\/20\\/access_log.2026112001.zst","length":1000,"offset":0,\
        "periodStart":1795654800,"shipped":[],"site":"shop","source":{"base":"\\/data\\/containers",\
        "components":["c1","weblogs","shop","access_log.2026112001"]},"sourceCRC32":99,"step":"shipping",\
        "updatedAt":1795660000,"version":1}
        """

    @Test func aRecordOfTheOldCodeDecodesWithEveryField() throws {
        let record = try JSONDecoder().decode(FileRecord.self, from: Data(Self.writtenByTheOldCode.utf8))
        #expect(record.step == .shipping)
        #expect(record.format == .zstd)
        #expect(record.key == "e2e/c1/shop/2026/11/20/access_log.2026112001.zst")
        #expect(record.source.description == "/data/containers/c1/weblogs/shop/access_log.2026112001")
        #expect(record.id == SHA256Hasher.hex("/data/containers/c1/weblogs/shop/access_log.2026112001"))
        #expect(record.compressedSize == 754 && record.length == 1000 && record.headLength == 4096)
    }

    @Test func theFormatIsWrittenAsBefore() throws {
        var record = FileRecord(source: SafePath(base: "/d", components: ["x"]), container: nil, site: nil, periodStart: 0,
                                device: 1, inode: 2)
        record.format = .gzip
        let text = String(decoding: try JSONEncoder().encode(record), as: UTF8.self)
        #expect(text.contains("\"format\":\"gzip\""))
    }
}
