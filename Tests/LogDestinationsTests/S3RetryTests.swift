import Foundation
import LogShipCore
import Testing
@testable import LogDestinations

#if canImport(Glibc)
import Glibc
#endif

/// An HTTP server on loopback that answers each request with the next scripted answer (the last one repeats);
/// an empty answer means: read the request, never answer. Counts requests.
final class ScriptedHTTPServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var answers: [String]
    private var served = 0
    private var held: [Int32] = []
    private var heads: [String] = []

    var requests: Int { lock.withLock { served } }
    /// The request lines and headers received, in order.
    var requestHeads: [String] { lock.withLock { heads } }

    init(_ answers: [String]) throws {
        self.answers = answers
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    deinit {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for fd in held { close(fd) }
    }

    static func answer(_ status: Int, _ reason: String, body: String = "") -> String {
        "HTTP/1.1 \(status) \(reason)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
    }

    static func error(_ status: Int, _ reason: String, code: String) -> String {
        answer(status, reason, body: "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>\(code)</Code><Message>scripted</Message></Error>")
    }

    private func serve() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 { return }
            // Read the head, then the body its Content-Length announces.
            var request: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            var expected: Int? = nil
            while expected.map({ request.count < $0 }) ?? true {
                let n = read(connection, &buffer, buffer.count)
                if n <= 0 { break }
                request += buffer[0..<n]
                if expected == nil, let end = request.firstRange(of: Array("\r\n\r\n".utf8)) {
                    let head = String(decoding: request[..<end.lowerBound], as: UTF8.self).lowercased()
                    let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                        .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                    expected = end.upperBound + length
                }
            }
            let head = request.firstRange(of: Array("\r\n\r\n".utf8)).map { String(decoding: request[..<$0.lowerBound], as: UTF8.self) } ?? ""
            let answer: String = lock.withLock {
                served += 1
                heads.append(head)
                return answers.count > 1 ? answers.removeFirst() : answers[0]
            }
            if answer.isEmpty {
                lock.withLock { held.append(connection) }  // never answered
                continue
            }
            _ = answer.utf8CString.withUnsafeBufferPointer { write(connection, $0.baseAddress, $0.count - 1) }
            close(connection)
        }
    }
}

/// Retries with backoff for what may pass (5xx, 429, SlowDown, timeouts), at once and once only for what cannot.
@Suite(.timeLimit(.minutes(10))) struct S3RetryTests {
    static let credentials = SigV4Credentials(accessKeyId: "AKIDRETRY", secretAccessKey: "retry-secret-never-shown-000000")

    static func destination(_ server: ScriptedHTTPServer, maxAttempts: Int, requestTimeout: Int = 10, sleeps: SleepLog) throws -> S3Destination {
        try S3Destination(settings: S3Settings(endpoint: "http://127.0.0.1:\(server.port)", bucket: "scripted", partSize: 5 << 20,
                                               connectTimeoutSeconds: 2, requestTimeoutSeconds: requestTimeout, maxAttempts: maxAttempts),
                          credentials: credentials, sleep: { sleeps.add($0) })
    }

    @Test func slowDownAnd5xxAreRetriedUntilTheyPass() throws {
        let server = try ScriptedHTTPServer([
            ScriptedHTTPServer.error(503, "Slow Down", code: "SlowDown"),
            ScriptedHTTPServer.error(500, "Internal Server Error", code: "InternalError"),
            ScriptedHTTPServer.error(429, "Too Many Requests", code: "TooManyRequests"),
            ScriptedHTTPServer.error(404, "Not Found", code: "NoSuchKey"),
        ])
        let sleeps = SleepLog()
        try Self.destination(server, maxAttempts: 5, sleeps: sleeps).checkAvailable()
        #expect(server.requests == 4)
        #expect(sleeps.values.count == 3)
    }

    @Test func persistent5xxFailsAfterMaxAttemptsSoTheFileWaitsForTheNextRun() throws {
        let server = try ScriptedHTTPServer([ScriptedHTTPServer.error(503, "Service Unavailable", code: "ServiceUnavailable")])
        let sleeps = SleepLog()
        let error = S3DestinationTests.failure { try Self.destination(server, maxAttempts: 3, sleeps: sleeps).checkAvailable() }
        guard case let .failed(message)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(message.contains("3 times") && message.contains("503"), "\(message)")
        #expect(server.requests == 3)
        #expect(sleeps.values.count == 2)
    }

    @Test(arguments: ["SignatureDoesNotMatch", "InvalidAccessKeyId", "AccessDenied", "NoSuchBucket", "PermanentRedirect"])
    func credentialAndBucketErrorsAreNeverRetried(code: String) throws {
        let status = ["NoSuchBucket": 404, "PermanentRedirect": 301][code] ?? 403
        let server = try ScriptedHTTPServer([ScriptedHTTPServer.error(status, "No", code: code)])
        let sleeps = SleepLog()
        let destination = try Self.destination(server, maxAttempts: 5, sleeps: sleeps)
        let error = S3DestinationTests.failure { try destination.checkAvailable() }
        guard case let .misconfigured(message)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(message.contains("scripted") && message.contains(code), "\(message)")
        if status == 403 { #expect(message.contains("AKIDRETRY"), "\(message)") }
        #expect(!message.contains("retry-secret"))
        #expect(server.requests == 1)
        #expect(sleeps.values.isEmpty)
    }

    @Test func aServerThatNeverAnswersTimesOutAndIsRetriedABoundedNumberOfTimes() throws {
        let server = try ScriptedHTTPServer([""])
        let sleeps = SleepLog()
        let started = Date()
        let error = S3DestinationTests.failure { try Self.destination(server, maxAttempts: 2, requestTimeout: 1, sleeps: sleeps).checkAvailable() }
        guard case let .failed(message)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(message.lowercased().contains("timed out") && message.contains("2 times"), "\(message)")
        #expect(server.requests == 2)
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test func aBadDigestIsReportedAsFailedAtOnce() throws {
        let server = try ScriptedHTTPServer([
            ScriptedHTTPServer.answer(200, "OK", body: "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>"),
            ScriptedHTTPServer.error(400, "Bad Request", code: "BadDigest"),
        ])
        let scratch = try TemporaryDirectory()
        let object = try DestinationConformanceTests.object("payload\n", in: scratch.path, name: "a")
        let sleeps = SleepLog()
        let error = S3DestinationTests.failure { try Self.destination(server, maxAttempts: 5, sleeps: sleeps).put(object, key: ["k.zst"], replace: false) }
        guard case let .failed(message)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(message.contains("BadDigest") && message.contains("nothing stored"), "\(message)")
        #expect(server.requests == 2)
        #expect(sleeps.values.isEmpty)
    }

    /// `verify` trusts the server's SHA-256 from one HEAD; it downloads only when the server has no checksum.
    @Test func verifyAsksForTheChecksumAndDownloadsOnlyWithoutOne() throws {
        let scratch = try TemporaryDirectory()
        let object = try DestinationConformanceTests.object("payload\n", in: scratch.path, name: "a")
        let digest = Base64.encode(SigV4Signer.bytes(hex: object.sha256)!)
        func head(_ extra: String) -> String { "HTTP/1.1 200 OK\r\nContent-Length: \(object.size)\r\n\(extra)Connection: close\r\n\r\n" }
        let sleeps = SleepLog()

        let same = try ScriptedHTTPServer([head("x-amz-checksum-sha256: \(digest)\r\n")])
        #expect(try Self.destination(same, maxAttempts: 1, sleeps: sleeps).verify(key: ["k.zst"], expected: object) == .matches)
        #expect(same.requests == 1)

        var other = SigV4Signer.bytes(hex: object.sha256)!
        other[0] ^= 1
        let differs = try ScriptedHTTPServer([head("x-amz-checksum-sha256: \(Base64.encode(other))\r\n")])
        let seen = try Self.destination(differs, maxAttempts: 1, sleeps: sleeps).verify(key: ["k.zst"], expected: object)
        #expect(seen == .differs("size \(object.size) sha256 \(SigV4Signer.hex(other))"))
        #expect(differs.requests == 1)

        let none = try ScriptedHTTPServer([head(""), ScriptedHTTPServer.answer(200, "OK", body: "payload\n")])
        #expect(try Self.destination(none, maxAttempts: 1, sleeps: sleeps).verify(key: ["k.zst"], expected: object) == .matches)
        #expect(none.requests == 2)

        let missing = try ScriptedHTTPServer(["HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"])
        #expect(try Self.destination(missing, maxAttempts: 1, sleeps: sleeps).verify(key: ["k.zst"], expected: object) == .missing)
    }

    /// A session token goes in a signed x-amz-security-token header; the secret never goes on the wire.
    @Test func aSessionTokenIsSignedAndTheSecretNeverSent() throws {
        let server = try ScriptedHTTPServer([ScriptedHTTPServer.error(404, "Not Found", code: "NoSuchKey")])
        let destination = try S3Destination(
            settings: S3Settings(endpoint: "http://127.0.0.1:\(server.port)", bucket: "scripted", maxAttempts: 1),
            credentials: SigV4Credentials(accessKeyId: "ASIATEMP", secretAccessKey: "temporary-secret-000000000000", sessionToken: "the-token"))
        try destination.checkAvailable()
        let head = try #require(server.requestHeads.first)
        #expect(head.hasPrefix("GET /scripted/.logdump-probe/availability-check HTTP/1.1\r\n"), "\(head)")
        #expect(head.lowercased().contains("\r\nx-amz-security-token: the-token"), "\(head)")
        #expect(head.contains("Credential=ASIATEMP/") && head.contains("x-amz-security-token"), "\(head)")
        #expect(!head.contains("temporary-secret"))
    }
}
