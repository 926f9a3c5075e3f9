import Foundation
import LogShipCore
import Testing
@testable import LogDestinations

#if canImport(Glibc)
import Glibc
#endif

/// A real component a test needs is not installed: the test fails loudly with the line that installs it.
struct S3MissingComponent: Error, CustomStringConvertible {
    let description: String
}

/// One SeaweedFS S3 server (http and https on loopback) for this test process, started on first use by
/// scripts/test-services/seaweedfs.sh and stopped by its watchdog when the process ends.
final class SeaweedFS: Sendable {
    let endpoint: String
    let httpsEndpoint: String
    let caFile: String
    let credentials: SigV4Credentials
    let directory: String

    private static let shared: Result<SeaweedFS, any Error> = Result { try SeaweedFS() }

    static func get() throws -> SeaweedFS { try shared.get() }

    static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    private init() throws {
        directory = "/tmp/logdump-seaweedfs-destinations-\(getpid())"
        let script = Self.repositoryRoot + "/scripts/test-services/seaweedfs.sh"
        var lastError = ""
        for _ in 0..<12 {
            let base = 20_000 + Int.random(in: 0..<900) * 10
            // system(3), not Foundation's Process: this runs inside a lazy static that parallel tests wait on.
            let outFile = "/tmp/logdump-seaweedfs-start-\(getpid()).out", errFile = "/tmp/logdump-seaweedfs-start-\(getpid()).err"
            let command = "/bin/bash '\(script)' start '\(directory)' --port-base \(base) --tls --owner-pid \(getpid()) "
                + "</dev/null >'\(outFile)' 2>'\(errFile)'"
            let raw = system(command)
            let output = (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? ""
            let errors = (try? String(contentsOfFile: errFile, encoding: .utf8)) ?? ""
            unlink(outFile)
            unlink(errFile)
            let status = raw >= 0 && raw & 0x7f == 0 ? (raw >> 8) & 0xff : -1
            switch status {
            case 0:
                var values: [String: String] = [:]
                for line in output.split(separator: "\n") {
                    if let eq = line.firstIndex(of: "=") { values[String(line[..<eq])] = String(line[line.index(after: eq)...]) }
                }
                endpoint = values["S3_ENDPOINT"] ?? ""
                httpsEndpoint = values["S3_HTTPS_ENDPOINT"] ?? ""
                caFile = values["S3_CA_FILE"] ?? ""
                credentials = SigV4Credentials(accessKeyId: values["AWS_ACCESS_KEY_ID"] ?? "", secretAccessKey: values["AWS_SECRET_ACCESS_KEY"] ?? "")
                return
            case 3:
                throw S3MissingComponent(description: errors.trimmingCharacters(in: .whitespacesAndNewlines) + " (.ci/run does this)")
            case 4:
                lastError = errors
                continue  // a port was taken: another base
            default:
                throw S3MissingComponent(description: "seaweedfs.sh start failed (\(status)): \(errors)")
            }
        }
        throw S3MissingComponent(description: "no free ports for SeaweedFS: \(lastError)")
    }

    func settings(bucket: String, https: Bool = false, caFile: String? = nil, prefix: String = "archive/",
                  verify: S3VerifyMode = .checksum, maxAttempts: Int = 3) -> S3Settings {
        S3Settings(endpoint: https ? httpsEndpoint : endpoint, bucket: bucket, prefix: prefix, caFile: caFile, partSize: 5 << 20,
                   verify: verify, connectTimeoutSeconds: 5, requestTimeoutSeconds: 60, maxAttempts: maxAttempts)
    }

    func destination(bucket: String, credentials: SigV4Credentials? = nil, https: Bool = false, caFile: String? = nil,
                     verify: S3VerifyMode = .checksum, maxAttempts: Int = 3) throws -> S3Destination {
        try S3Destination(settings: settings(bucket: bucket, https: https, caFile: caFile, verify: verify, maxAttempts: maxAttempts),
                          credentials: credentials ?? self.credentials, sleep: { _ in usleep(10_000) })
    }

    /// A new, empty bucket for one test.
    func makeBucket() throws -> String {
        let name = "t-\(UInt64.random(in: 0...UInt64.max) % 1_000_000_000_000)"
        let response = try destination(bucket: name).client.send(S3Request(method: "PUT", key: nil), doing: "create bucket")
        guard response.status == 200 else { throw S3MissingComponent(description: "cannot create bucket \(name): \(response.status) \(response.text)") }
        return name
    }
}

extension S3Client {
    /// Every object key in the bucket under `prefix`.
    func listObjects(prefix: String = "") throws -> [String] {
        var keys: [String] = []
        var token: String? = nil
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix)]
            if let token { query.append(("continuation-token", token)) }
            let response = try send(S3Request(method: "GET", key: nil, query: query), doing: "list")
            guard response.status == 200 else { throw failure(response, doing: "GET (ListObjectsV2)", key: nil) }
            keys += S3XML.elements("Contents", in: response.text).compactMap { S3XML.value("Key", in: $0) }
            token = S3XML.value("IsTruncated", in: response.text) == "true" ? S3XML.value("NextContinuationToken", in: response.text) : nil
        } while token != nil
        return keys
    }

    func getObject(_ key: [String]) throws -> [UInt8] {
        let response = try send(S3Request(method: "GET", key: key, sink: .memory(limit: 64 << 20)), doing: "get")
        guard response.status == 200 else { throw failure(response, doing: "GET", key: key) }
        return response.body
    }

    /// A plain signed PUT: no If-None-Match, no checksum header (what a careless writer or bit rot does).
    func rawPut(_ key: [String], bytes: [UInt8], headers: [(String, String)] = []) throws -> HTTPResponse {
        try send(S3Request(method: "PUT", key: key, headers: headers, body: .bytes(bytes), payloadHash: SigV4Signer.hexSHA256(bytes)),
                 doing: "raw put")
    }

    /// Starts a multipart upload and sends part 1, never completing it: what a put killed mid-upload leaves.
    func startUpload(_ key: [String], firstPart: [UInt8]) throws -> String {
        let created = try send(S3Request(method: "POST", key: key, query: [("uploads", "")],
                                         headers: [("x-amz-checksum-algorithm", "SHA256")]), doing: "create upload")
        guard created.status == 200, let id = S3XML.value("UploadId", in: created.text) else {
            throw failure(created, doing: "POST", key: key)
        }
        var hasher = SHA256Hasher()
        hasher.update(firstPart)
        let part = try send(S3Request(method: "PUT", key: key, query: [("partNumber", "1"), ("uploadId", id)],
                                      headers: [("x-amz-checksum-sha256", Base64.encode(hasher.digestBytes()))],
                                      body: .bytes(firstPart), payloadHash: hasher.hexDigest()), doing: "upload part")
        guard part.status == 200 else { throw failure(part, doing: "PUT part", key: key) }
        return id
    }
}

/// The S3 destination (on SeaweedFS) under the conformance suite.
struct S3Backend: BackendUnderTest {
    let server: SeaweedFS
    let bucket: String
    let s3: S3Destination
    var destination: any Destination { s3 }

    init(scratch: String) throws {
        server = try SeaweedFS.get()
        bucket = try server.makeBucket()
        s3 = try server.destination(bucket: bucket)
    }

    func fullKey(_ key: [String]) -> [String] { s3.client.prefixSegments + key }

    func damage(key: [String]) throws {
        var bytes = try s3.client.getObject(fullKey(key))
        bytes[bytes.count / 2] ^= 0xFF
        let response = try s3.client.rawPut(fullKey(key), bytes: bytes)
        #expect(response.status == 200)
    }

    func leftovers() throws -> [String] {
        let uploads = try s3.client.listUploads(prefix: "") ?? []
        let temporary = try s3.client.listObjects().filter { $0.contains(".logdump-tmp") || $0.contains(".logdump-probe") }
        return uploads.map { "upload \($0.key) \($0.uploadId)" } + temporary
    }

    func leaveInterruptedPut(key: [String], partialBytes: [UInt8]) throws {
        _ = try s3.client.startUpload(fullKey(key), firstPart: partialBytes)
    }
}
