import Foundation
import SyslogWire
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `Config/rsyslog/logsplit-receiver.conf` as shipped, run by a real rsyslogd: only its root directory, port,
/// certificate paths and permitted peer are substituted. Lines go in through the real `RELPTransport` over TLS and
/// must come out, byte for byte, in `<root>/<host>/<container>/<site>/<file>`; hostile names must land in the
/// quarantine file and nowhere else.
@Suite(.serialized) struct RsyslogReceiverSampleTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let sample = repository.appendingPathComponent("Config/rsyslog/logsplit-receiver.conf").path
    static let script = repository.appendingPathComponent("scripts/test-services/rsyslog.sh").path

    /// The lines of one file: ordinary ones and the awkward ones (non-UTF-8 bytes, control characters, leading and
    /// trailing spaces, an empty line, quotes and brackets that look like structured data).
    static func lines(_ tag: String, count: Int) -> [[UInt8]] {
        var lines = (0..<count).map { Array("\(tag) n=\($0) GET /index.html HTTP/1.1 200 \(String(repeating: "x", count: $0 % 90))".utf8) }
        lines[7] = Array("\(tag) latin1 caf".utf8) + [0xE9, 0x20, 0xFF, 0xFE, 0x80] + Array(" end".utf8)
        lines[8] = Array("   \(tag) three leading spaces, a tab\there, an ESC \u{1B}[0m, trailing spaces   ".utf8)
        lines[9] = Array("\(tag) [logsplit@32473 container=\"evil\"] \"quoted\" \\ backslash ]".utf8)
        lines[10] = []
        return lines
    }

    static func batch(_ origin: LineOrigin, _ lines: [[UInt8]], parts: Int? = nil) -> LineBatch {
        var batch = LineBatch(origin: origin, readAtMicroseconds: 1_796_047_200_000_000)
        var offset: Int64 = 0
        for line in lines {
            let start = batch.bytes.count
            batch.bytes += line
            batch.lines.append(LineBatch.Line(start: start, end: batch.bytes.count, fileOffset: offset))
            offset += Int64(line.count + 1)
        }
        if let parts {
            // One line of the batch sent as `parts` numbered pieces, the way the follower splits a long line.
            let all = batch.lines
            batch.lines = all.flatMap { line -> [LineBatch.Line] in
                let length = line.end - line.start
                guard length >= parts * 10 else { return [line] }
                let size = (length + parts - 1) / parts
                return (0..<parts).map { i in
                    LineBatch.Line(start: line.start + i * size, end: min(line.end, line.start + (i + 1) * size),
                                   fileOffset: line.fileOffset, part: LineBatch.Part(index: i + 1, count: parts))
                }
            }
        }
        return batch
    }

    @Test(.timeLimit(.minutes(10)))
    func everyLineLandsInItsHostContainerSiteFileAndHostileNamesOnlyInTheQuarantine() throws {
        let receiver = try SampleReceiver()
        defer { receiver.stop() }
        let endpoint = SyslogEndpoint(host: "127.0.0.1", port: receiver.port,
                                      tls: TLSSettings(caFile: receiver.tls + "/ca.pem", clientCertificateFile: receiver.tls + "/client.pem",
                                                       clientKeyFile: receiver.tls + "/client.key"),
                                      connectTimeoutSeconds: 2, ioTimeoutSeconds: 10)
        let transport = RELPTransport(endpoint: endpoint, format: try SyslogMessageFormat(hostname: "web-host-1"))
        defer { transport.close() }

        let www = LineOrigin(container: "c1", site: "www.example.org", file: "access_log.2026113014")
        let shop = LineOrigin(container: "c2", site: "shop", file: "access_log.2026113015")
        let wwwLines = Self.lines("www", count: 200), shopLines = Self.lines("shop", count: 150)
        // Interleaved batches, as two followers send them.
        try transport.deliver(Self.batch(www, Array(wwwLines[..<100])))
        try transport.deliver(Self.batch(shop, Array(shopLines[..<75])))
        try transport.deliver(Self.batch(www, Array(wwwLines[100...])))
        try transport.deliver(Self.batch(shop, Array(shopLines[75...])))
        // A long line in three parts: written as three consecutive lines (rsyslog cannot join them).
        let long = Array(("long " + String(repeating: "0123456789", count: 30)).utf8)
        let partsOrigin = LineOrigin(container: "c1", site: "www.example.org", file: "access_log.2026113016")
        try transport.deliver(Self.batch(partsOrigin, [long], parts: 3))

        let hostile = [LineOrigin(container: "../../etc", site: "www", file: "access_log.2026113014"),
                       LineOrigin(container: "c1", site: "..", file: "access_log.2026113014"),
                       LineOrigin(container: "c1", site: "www", file: "passwd/../../x"),
                       LineOrigin(container: "", site: "www", file: "access_log.2026113014"),
                       LineOrigin(container: ".", site: "www", file: "access_log.2026113014")]
        for origin in hostile {
            try transport.deliver(Self.batch(origin, [Array("HOSTILE \(origin.container)|\(origin.site)|\(origin.file)".utf8)]))
        }
        let hostileHost = RELPTransport(endpoint: endpoint, format: try SyslogMessageFormat(hostname: ".."))
        defer { hostileHost.close() }
        try hostileHost.deliver(Self.batch(LineOrigin(container: "etc", site: "www", file: "access_log.1"), [Array("HOSTILE host ..".utf8)]))

        // Checked before rsyslogd stops: the direct queue means every acknowledged line is already written.
        let root = receiver.root
        func contents(_ path: String) -> [[UInt8]]? {
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            var lines = [UInt8](data).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
            if lines.last == [] { lines.removeLast() } else { return [Array("<no final newline>".utf8)] }
            return lines
        }
        let wwwFile = "\(root)/web-host-1/c1/www.example.org/access_log.2026113014"
        let shopFile = "\(root)/web-host-1/c2/shop/access_log.2026113015"
        let partsFile = "\(root)/web-host-1/c1/www.example.org/access_log.2026113016"
        for (path, expected) in [(wwwFile, wwwLines), (shopFile, shopLines)] {
            let got = try #require(contents(path), "\(path) was not written")
            #expect(got.count == expected.count, "\(path): \(got.count) lines, \(expected.count) sent")
            for (index, (line, sent)) in zip(got, expected).enumerated() where line != sent {
                Issue.record("\(path) line \(index + 1): got \(line), sent \(sent)")
            }
        }
        let parts = try #require(contents(partsFile), "\(partsFile) was not written")
        #expect(parts.count == 3 && parts.flatMap { $0 } == long, "the parts of a long line: \(parts.map { String(decoding: $0, as: UTF8.self) })")

        // Nothing outside the root; under it only the three hour files and the quarantine. rsyslogd's own files
        // are allowed, including rsyslogd.pid.tmp, which it writes and renames over its pid file (seen once mid-write).
        let parent = (root as NSString).deletingLastPathComponent
        let outside = try FileManager.default.contentsOfDirectory(atPath: parent).filter { !["live", "tls", "rsyslog.conf", "rsyslogd.out", "rsyslogd.pid", "rsyslogd.pid.tmp"].contains($0) }
        #expect(outside.isEmpty, "written beside the root: \(outside)")
        var files: [String] = []
        if let walker = FileManager.default.enumerator(atPath: root) {
            for case let path as String in walker {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue { files.append(path) }
            }
        }
        #expect(files.sorted() == ["_quarantine/rejected.log", "web-host-1/c1/www.example.org/access_log.2026113014",
                                   "web-host-1/c1/www.example.org/access_log.2026113016", "web-host-1/c2/shop/access_log.2026113015"],
                "files under the root: \(files.sorted())")
        let quarantined = (contents(root + "/_quarantine/rejected.log") ?? []).map { String(decoding: $0, as: UTF8.self) }
        #expect(quarantined.count == hostile.count + 1, "quarantine: \(quarantined)")
        for origin in hostile {
            #expect(quarantined.contains { $0.hasSuffix("HOSTILE \(origin.container)|\(origin.site)|\(origin.file)") },
                    "\(origin) not quarantined: \(quarantined)")
        }
        #expect(quarantined.contains { $0.hasSuffix("HOSTILE host ..") }, "the host `..` not quarantined: \(quarantined)")
    }
}

/// A real rsyslogd running the shipped sample, with its root, port, certificates and permitted peer substituted.
/// Certificates come from scripts/test-services/rsyslog.sh's own `make_tls` (CA, server for 127.0.0.1, client
/// `ci-client`). A missing rsyslogd or module fails the test.
final class SampleReceiver {
    let directory: String
    let root: String
    let tls: String
    private(set) var port = 0
    private let process = Process()

    init() throws {
        directory = "/tmp/logsplit-rsyslog-sample-\(getpid())"
        root = directory + "/live"
        tls = directory + "/tls"
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/rsyslogd") else {
            throw TailReceiverFailure(description: "rsyslogd is not installed: apt-get install -y rsyslog rsyslog-relp rsyslog-gnutls")
        }
        let certificates = "set -e; eval \"$(sed -n '/^make_tls()/,/^}/p' '\(RsyslogReceiverSampleTests.script)')\"; make_tls '\(tls)'"
        let status = system("/bin/bash -c \(Self.quoted(certificates)) </dev/null >/dev/null 2>&1")
        guard status == 0, FileManager.default.fileExists(atPath: tls + "/client.pem") else {
            throw TailReceiverFailure(description: "make_tls from rsyslog.sh failed (status \(status))")
        }
        port = Int(try freeLoopbackPort())
        var config = try String(contentsOfFile: RsyslogReceiverSampleTests.sample, encoding: .utf8)
        for (needle, replacement) in [("/srv/weblogs-live", root), ("port=\"2514\"", "port=\"\(port)\""),
                                      ("/etc/rsyslog.d/logsplit-tls", tls),
                                      ("tls.permittedPeer=[\"web-1.example.org\", \"web-2.example.org\"]", "tls.permittedPeer=[\"ci-client\"]")] {
            guard config.contains(needle) else { throw TailReceiverFailure(description: "the sample no longer contains \(needle)") }
            config = config.replacingOccurrences(of: needle, with: replacement)
        }
        try config.write(toFile: directory + "/rsyslog.conf", atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/rsyslogd")
        process.arguments = ["-n", "-f", directory + "/rsyslog.conf", "-i", directory + "/rsyslogd.pid"]
        process.standardInput = FileHandle.nullDevice
        FileManager.default.createFile(atPath: directory + "/rsyslogd.out", contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/rsyslogd.out"))
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // Ready once the port accepts connections (or failed once rsyslogd exits).
        let deadline = Date().addingTimeInterval(10)
        while !Self.accepts(port) {
            let log = (try? String(contentsOfFile: directory + "/rsyslogd.out", encoding: .utf8)) ?? ""
            guard process.isRunning, Date() < deadline else {
                stop()
                throw TailReceiverFailure(description: "rsyslogd with the sample did not listen on \(port): \(log)")
            }
            usleep(50_000)
        }
    }

    deinit { stop() }

    /// SIGTERM, then SIGKILL after 3 s (rsyslogd started from a test thread may have SIGTERM blocked), then the
    /// directory goes.
    func stop() {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(3)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
