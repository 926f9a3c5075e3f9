import Foundation
import LogCompression
import LogDump
import LogShipCore
import LogDumpFaults
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A scratch tree: containers with weblogs, a destination and a state directory.
final class DumpSandbox: @unchecked Sendable {
    let root: String
    var config = DumpConfiguration()

    init() throws {
        var template = Array("/tmp/logdump-test.XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { throw POSIXError(.EIO) }
        root = String(cString: made)
        try FileManager.default.createDirectory(atPath: root + "/dest", withIntermediateDirectories: true)
        config.roots = [root + "/containers/{container}/weblogs/{site}"]
        config.template = "access_log.%Y%m%d%H"
        config.timeZone = "UTC"
        config.stateDirectory = root + "/state"
        config.destinationPath = root + "/dest"
        config.host = "testhost"
        config.graceSeconds = 0
        config.quietSeconds = 0
        config.workers = 2
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func logPath(_ container: String, _ site: String, _ hour: String) -> String {
        "\(root)/containers/\(container)/weblogs/\(site)/access_log.20261120\(hour)"
    }

    func keyPath(_ container: String, _ site: String, _ hour: String, suffix: String = "", ext: String = "zst") -> String {
        "\(root)/dest/testhost/\(container)/\(site)/2026/11/20/access_log.20261120\(hour)\(suffix).\(ext)"
    }

    @discardableResult
    func writeLog(_ container: String, _ site: String, _ hour: String, lines: Range<Int>) throws -> String {
        let path = logPath(container, site, hour)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let text = lines.map { "\(container) \(site) \(hour) seq=\($0)\n" }.joined()
        if let handle = FileHandle(forWritingAtPath: path) {
            handle.seekToEndOfFile()
            handle.write(Data(text.utf8))
            handle.closeFile()
        } else {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        }
        return text
    }

    func run(hooks: RunHooks = .none) throws -> Int32 {
        try DumpRunner(configuration: config, options: RunOptions(), hooks: hooks).run()
    }

    static func decompressFile(_ path: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let format: CompressionFormat = path.hasSuffix(".gz") ? .gzip : .zstd
        let decompressor = try Codec.decompressor(format)
        var out: [UInt8] = []
        try data.withUnsafeBytes { try decompressor.decompress($0) { out.append(contentsOf: $0) } }
        try decompressor.finish()
        return String(decoding: out, as: UTF8.self)
    }

    func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Every file below the destination (relative paths).
    func destinationFiles() -> [String] {
        (FileManager.default.enumerator(atPath: root + "/dest")?.allObjects as? [String] ?? [])
            .filter { !((try? FileManager.default.attributesOfItem(atPath: root + "/dest/" + $0)[.type] as? FileAttributeType) == .typeDirectory) }
            .sorted()
    }
}

@Suite struct DumpRunnerTests {
    @Test func shipsClosedFilesAndRemovesOriginalsAfterVerifying() throws {
        let box = try DumpSandbox()
        var expected: [String: String] = [:]
        for c in ["c1", "c2"] {
            for s in ["www.example.com", "shop"] {
                for h in ["00", "01", "02"] {
                    expected[box.keyPath(c, s, h)] = try box.writeLog(c, s, h, lines: 0..<500)
                }
            }
        }
        #expect(try box.run() == 0)
        for (key, text) in expected {
            #expect(try DumpSandbox.decompressFile(key) == text)
        }
        #expect(box.destinationFiles().count == 12)
        for c in ["c1", "c2"] { for s in ["www.example.com", "shop"] { #expect(!box.exists(box.logPath(c, s, "00"))) } }
        // Idempotent: a second run has nothing to do and changes nothing.
        #expect(try box.run() == 0)
        #expect(box.destinationFiles().count == 12)
        let report = try StatusReport.gather(configuration: box.config)
        #expect(report.rows.map(\.shipped).reduce(0, +) == 12)
        #expect(report.lastRun?.exitCode == 0)
    }

    @Test func leavesOpenAndRecentFilesAlone() throws {
        let box = try DumpSandbox()
        try box.writeLog("c1", "shop", "05", lines: 0..<10)
        let locked = try box.writeLog("c1", "shop", "06", lines: 0..<10)
        _ = locked
        // logsplit's mark: a shared lock held while the file is open.
        let fd = open(box.logPath("c1", "shop", "06"), O_RDONLY)
        #expect(flock(fd, LOCK_SH) == 0)
        // A file of the current hour is not closed.
        let now = time(nil)
        var fields = tm()
        var t = now
        gmtime_r(&t, &fields)
        let currentHour = String(format: "%04d%02d%02d%02d", fields.tm_year + 1900, fields.tm_mon + 1, fields.tm_mday, fields.tm_hour)
        let currentPath = box.root + "/containers/c1/weblogs/shop/access_log." + currentHour
        try Data("now\n".utf8).write(to: URL(fileURLWithPath: currentPath))
        #expect(try box.run() == 0)
        #expect(!box.exists(box.logPath("c1", "shop", "05")))
        #expect(box.exists(box.logPath("c1", "shop", "06")))
        #expect(box.exists(currentPath))
        #expect(!box.exists(box.keyPath("c1", "shop", "06")))
        // Released: shipped by the next run.
        close(fd)
        #expect(try box.run() == 0)
        #expect(!box.exists(box.logPath("c1", "shop", "06")))
        #expect(box.exists(box.keyPath("c1", "shop", "06")))
        // A file still changing (quiet time not over) waits.
        box.config.quietSeconds = 3600
        try box.writeLog("c1", "shop", "07", lines: 0..<10)
        #expect(try box.run() == 0)
        #expect(box.exists(box.logPath("c1", "shop", "07")))
    }

    @Test func aReappearingFileGoesUnderANewKeyAndNothingIsOverwritten() throws {
        let box = try DumpSandbox()
        let first = try box.writeLog("c1", "shop", "03", lines: 0..<100)
        #expect(try box.run() == 0)
        let firstCopy = try Data(contentsOf: URL(fileURLWithPath: box.keyPath("c1", "shop", "03")))
        // A late line re-creates the file of an hour already shipped.
        let late = try box.writeLog("c1", "shop", "03", lines: 100..<103)
        #expect(try box.run() == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: box.keyPath("c1", "shop", "03"))) == firstCopy)
        #expect(try DumpSandbox.decompressFile(box.keyPath("c1", "shop", "03")) == first)
        #expect(try DumpSandbox.decompressFile(box.keyPath("c1", "shop", "03", suffix: ".1")) == late)
        // A key taken at the destination by something else is never overwritten either.
        let foreign = box.keyPath("c1", "shop", "04")
        try FileManager.default.createDirectory(atPath: (foreign as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data("not ours".utf8).write(to: URL(fileURLWithPath: foreign))
        let text = try box.writeLog("c1", "shop", "04", lines: 0..<50)
        #expect(try box.run() == 0)
        #expect(try String(contentsOfFile: foreign, encoding: .utf8) == "not ours")
        #expect(try DumpSandbox.decompressFile(box.keyPath("c1", "shop", "04", suffix: ".1")) == text)
    }

    @Test func hostileEntriesAreSkippedAndNothingOutsideTheRootsIsTouched() throws {
        let box = try DumpSandbox()
        let outside = box.root + "/outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try Data("secret\n".utf8).write(to: URL(fileURLWithPath: outside + "/access_log.2026112001"))
        try Data("secret\n".utf8).write(to: URL(fileURLWithPath: outside + "/passwd"))
        let good = try box.writeLog("c1", "shop", "00", lines: 0..<20)
        let site = box.root + "/containers/c1/weblogs/shop/"
        // A symlink named like a log file, to a file outside.
        #expect(symlink(outside + "/passwd", site + "access_log.2026112001") == 0)
        // A symlinked site directory, and a symlinked weblogs directory.
        #expect(symlink(outside, box.root + "/containers/c1/weblogs/evil") == 0)
        try FileManager.default.createDirectory(atPath: box.root + "/containers/c2", withIntermediateDirectories: true)
        #expect(symlink(outside, box.root + "/containers/c2/weblogs") == 0)
        // A fifo and a device named like log files (a blocking open of the fifo would hang the run).
        #expect(mkfifo(site + "access_log.2026112002", 0o600) == 0)
        #expect(mknod(site + "access_log.2026112003", S_IFCHR | 0o600, dev_t((1 << 8) | 3)) == 0)
        // A socket.
        let sock = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let socketPath = site + "access_log.2026112004"
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            socketPath.utf8CString.withUnsafeBytes { raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0.prefix(raw.count))) }
        }
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sock, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        // A non-UTF-8 name, a very long name, a non-UTF-8 site directory.
        let odd: [UInt8] = Array("access_log.2026112005".utf8) + [0xff, 0xfe]
        let oddPath = Array(site.utf8) + odd + [0]
        let oddFD = oddPath.withUnsafeBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_CREAT | O_WRONLY, 0o644) }
        #expect(oddFD >= 0)
        close(oddFD)
        let long = site + String(repeating: "x", count: 250)
        try Data("long\n".utf8).write(to: URL(fileURLWithPath: long))
        let badSite = Array((box.root + "/containers/c1/weblogs/").utf8) + [0xc3, 0x28, 0]
        _ = badSite.withUnsafeBufferPointer { mkdir(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), 0o755) }

        #expect(try box.run() == 0)
        #expect(try DumpSandbox.decompressFile(box.keyPath("c1", "shop", "00")) == good)
        #expect(box.destinationFiles() == ["testhost/c1/shop/2026/11/20/access_log.2026112000.zst"])
        #expect(try String(contentsOfFile: outside + "/access_log.2026112001", encoding: .utf8) == "secret\n")
        #expect(try String(contentsOfFile: outside + "/passwd", encoding: .utf8) == "secret\n")
        for hour in ["01", "02", "03", "04"] { #expect(box.exists(box.logPath("c1", "shop", hour))) }
        #expect(box.exists(long))
        close(sock)
    }

    @Test func gzipWithKeptCopiesAndMetrics() throws {
        let box = try DumpSandbox()
        box.config.format = .gzip
        box.config.keepCompressedHours = 2
        box.config.metricsTextfile = box.root + "/logdump.prom"
        let text = try box.writeLog("c1", "shop", "10", lines: 0..<300)
        #expect(try box.run() == 0)
        #expect(try DumpSandbox.decompressFile(box.keyPath("c1", "shop", "10", ext: "gz")) == text)
        let spool = try FileManager.default.contentsOfDirectory(atPath: box.config.stateDirectory + "/v1/spool")
        #expect(spool.count == 1 && spool[0].hasSuffix(".gz"))
        let metrics = try String(contentsOfFile: box.config.metricsTextfile, encoding: .utf8)
        #expect(metrics.contains("logdump_files_shipped{container=\"c1\",site=\"shop\"} 1"))
        #expect(metrics.contains("logdump_bytes_in{container=\"c1\",site=\"shop\"} \(text.utf8.count)"))
        #expect(metrics.contains("logdump_last_run_exit_code 0"))
        // node_exporter runs as its own user: the textfile is world-readable (0644 under the usual umask 022).
        let mode = try FileManager.default.attributesOfItem(atPath: box.config.metricsTextfile)[.posixPermissions] as? Int
        #expect(mode.map { $0 & 0o004 != 0 } == true, "the metrics textfile is not readable by node_exporter: mode \(String(mode ?? 0, radix: 8))")
    }

    @Test func aMissingDestinationShipsAndRemovesNothing() throws {
        let box = try DumpSandbox()
        box.config.destinationPath = box.root + "/not-mounted"
        try box.writeLog("c1", "shop", "00", lines: 0..<10)
        #expect(try box.run() == 4)
        #expect(box.exists(box.logPath("c1", "shop", "00")))
        #expect(!box.exists(box.root + "/not-mounted"))
    }

    @Test func aCopyCorruptedAtTheDestinationIsReportedAndTheOriginalKept() throws {
        let box = try DumpSandbox()
        let text = try box.writeLog("c1", "shop", "00", lines: 0..<1000)
        #expect(try box.run(hooks: FaultHooks.make(damageCopies: true)) == 2)
        #expect(box.exists(box.logPath("c1", "shop", "00")))
        let report = try StatusReport.gather(configuration: box.config)
        #expect(report.rows.first?.failed == 1)
        #expect(report.lastRun?.messages.first?.contains("verification failed") == true)
        // The next clean run rewrites its own damaged copy, verifies it, and only then removes the original.
        #expect(try box.run() == 0)
        #expect(try DumpSandbox.decompressFile(box.keyPath("c1", "shop", "00")) == text)
        #expect(!box.exists(box.logPath("c1", "shop", "00")))
        #expect(box.destinationFiles().count == 1)
    }

    @Test func overlappingRunsAreKeptOffByTheLock() throws {
        let box = try DumpSandbox()
        try box.writeLog("c1", "shop", "00", lines: 0..<10)
        try FileManager.default.createDirectory(atPath: box.config.stateDirectory, withIntermediateDirectories: true)
        let fd = open(box.config.stateDirectory + "/lock", O_RDWR | O_CREAT, 0o600)
        #expect(flock(fd, LOCK_EX) == 0)
        #expect(try box.run() == 3)
        #expect(box.exists(box.logPath("c1", "shop", "00")))
        close(fd)
        #expect(try box.run() == 0)
        #expect(!box.exists(box.logPath("c1", "shop", "00")))
    }
}

@Suite struct DumpRunnerOverlapTests {
    @Test func overlappingRootsShipEachFileOnce() throws {
        let box = try DumpSandbox()
        box.config.roots = [box.root + "/containers/{container}/weblogs/{site}", box.root + "/containers/*/weblogs/*/"]
        let text = try box.writeLog("c1", "shop", "00", lines: 0..<100)
        #expect(try box.run() == 0)
        #expect(box.destinationFiles() == ["testhost/c1/shop/2026/11/20/access_log.2026112000.zst"])
        #expect(try DumpSandbox.decompressFile(box.keyPath("c1", "shop", "00")) == text)
    }

    @Test func aRecreatedFileShipsOnlyItsNewLinesUnderTheNextKey() throws {
        let box = try DumpSandbox()
        let first = try box.writeLog("c1", "shop", "00", lines: 0..<100)
        #expect(try box.run() == 0)
        let again = try box.writeLog("c1", "shop", "00", lines: 100..<150)
        let more = try box.writeLog("c1", "shop", "00", lines: 150..<160)
        #expect(try box.run() == 0)
        #expect(try DumpSandbox.decompressFile(box.keyPath("c1", "shop", "00")) == first)
        #expect(try DumpSandbox.decompressFile(box.keyPath("c1", "shop", "00", suffix: ".1")) == again + more)
        #expect(box.destinationFiles().count == 2)
    }
}

@Suite struct DumpRunnerIdentityTests {
    @Test func aNewFileWithTheSameSizeIsNotMistakenForTheShippedOne() throws {
        // A record stuck between "shipped" and "removed" (a crash after the unlink) meets a new file at the
        // same path: whatever its inode number, its first bytes differ, so it is shipped, not deleted.
        let box = try DumpSandbox()
        let first = try box.writeLog("c1", "shop", "00", lines: 0..<100)
        #expect(try box.run() == 0)
        // Rewind the record to "shipped", as a kill right after the unlink would leave it.
        let records = box.config.stateDirectory + "/v1/records"
        let name = try #require(FileManager.default.contentsOfDirectory(atPath: records).first { $0.hasSuffix(".json") })
        var json = try String(contentsOfFile: records + "/" + name, encoding: .utf8)
        json = json.replacingOccurrences(of: "\"step\":\"removed\"", with: "\"step\":\"shipped\"")
        // Pretend the new file got the old inode number.
        let newText = first.replacingOccurrences(of: "seq=", with: "SEQ=")
        try Data(newText.utf8).write(to: URL(fileURLWithPath: box.logPath("c1", "shop", "00")))
        var info = stat()
        #expect(stat(box.logPath("c1", "shop", "00"), &info) == 0)
        let inode = try #require(json.range(of: #""inode":[0-9]+"#, options: .regularExpression))
        json.replaceSubrange(inode, with: "\"inode\":\(info.st_ino)")
        try json.write(toFile: records + "/" + name, atomically: true, encoding: .utf8)
        #expect(newText.utf8.count == first.utf8.count)

        #expect(try box.run() == 0)  // marks the old file removed, leaves the new one
        #expect(box.exists(box.logPath("c1", "shop", "00")))
        #expect(try box.run() == 0)  // ships the new one as the next part
        #expect(try DumpSandbox.decompressFile(box.keyPath("c1", "shop", "00")) == first)
        #expect(try DumpSandbox.decompressFile(box.keyPath("c1", "shop", "00", suffix: ".1")) == newText)
        #expect(!box.exists(box.logPath("c1", "shop", "00")))
    }
}
