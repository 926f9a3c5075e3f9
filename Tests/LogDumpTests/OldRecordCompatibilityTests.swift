import Foundation
import LogCompression
import LogDump
import LogShipCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A run interrupted by the code before the reshape (a3fbd5d) leaves records in its format; the new code
/// reads them and finishes the file.
@Suite struct OldRecordCompatibilityTests {
    @Test func aFileLeftCompressedByTheOldCodeIsShippedAndRemovedByTheNew() throws {
        let box = try DumpSandbox()
        let text = try box.writeLog("c1", "shop", "03", lines: 0..<700)
        let source = box.logPath("c1", "shop", "03")
        var info = stat()
        #expect(stat(source, &info) == 0)
        let path = SafePath(base: box.root + "/containers", components: ["c1", "weblogs", "shop", "access_log.2026112003"])
        let id = FileRecord.id(for: path)
        // The spool copy the old code made: <id>.g0.zst, compressed and checked.
        let spool = box.root + "/state/v1/spool"
        try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: box.root + "/state/v1/records", withIntermediateDirectories: true)
        let fd = open(source, O_RDONLY)
        defer { close(fd) }
        let made = try FileCompressor(format: .zstd, level: 3, threads: 0)
            .compress(sourceFD: fd, sourcePath: source, offset: 0, length: text.utf8.count, outputPath: spool + "/\(id).g0.zst")
        let copy = try FileCompressor.verify(path: spool + "/\(id).g0.zst", format: .zstd, expected: made.source)
        var head = ContentChecksum()
        Array(text.utf8.prefix(4096)).withUnsafeBytes { head.update($0) }
        // Every field as the old code wrote it (sorted keys, the format as a string, '/' escaped by JSONEncoder).
        let record = """
            {"compressedSHA256":"\(copy.sha256)","compressedSize":\(copy.size),"container":"c1","device":\(info.st_dev),\
            "failures":0,"format":"zstd","generation":0,"headCRC32":\(head.crc32),"headLength":\(head.count),\
            "inode":\(info.st_ino),"length":\(text.utf8.count),"offset":0,"periodStart":1795143600,"shipped":[],"site":"shop",\
            "source":{"base":"\(box.root.replacingOccurrences(of: "/", with: "\\/"))\\/containers",\
            "components":["c1","weblogs","shop","access_log.2026112003"]},"sourceCRC32":\(made.source.crc32),\
            "step":"compressed","updatedAt":1795143700,"version":1}
            """
        try Data(record.utf8).write(to: URL(fileURLWithPath: box.root + "/state/v1/records/\(id).json"))

        #expect(try box.run() == 0)
        #expect(try DumpSandbox.decompressFile(box.keyPath("c1", "shop", "03")) == text)
        #expect(!box.exists(source))
        #expect(box.destinationFiles() == ["testhost/c1/shop/2026/11/20/access_log.2026112003.zst"])
        let report = try StatusReport.gather(configuration: box.config)
        #expect(report.rows.first?.shipped == 1)
    }
}
