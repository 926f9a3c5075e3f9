import Foundation
import LogShipCore
import Testing
@testable import LogDestinations

#if canImport(Glibc)
import Glibc
#endif

/// What is true of the S3 destination alone, against a real SeaweedFS on loopback.
@Suite(.timeLimit(.minutes(10))) struct S3DestinationTests {
    static let key = ["web01", "c1", "www", "2026", "11", "30", "access_log.2026113014.zst"]

    /// A local object of `size` bytes that compress badly (the part boundaries fall mid-line).
    static func object(size: Int, in scratch: String, name: String, seed: UInt64 = 1) throws -> LocalObject {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var bytes = [UInt8](repeating: 0, count: size)
        for i in 0..<size {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            bytes[i] = UInt8(truncatingIfNeeded: state)
        }
        let path = scratch + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        var hasher = SHA256Hasher()
        hasher.update(bytes)
        return LocalObject(path: path, size: size, sha256: hasher.hexDigest())
    }

    /// The destination error `body` throws, nil when it throws none.
    static func failure(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> DestinationError? {
        do {
            try body()
            return nil
        } catch let error as DestinationError {
            return error
        } catch {
            Issue.record("not a DestinationError: \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// Every text a failure can reach an operator through must be free of the secret.
    static func expectNoSecret(_ texts: [String], _ secret: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for text in texts {
            #expect(!text.contains(secret), "the secret leaked: \(text)", sourceLocation: sourceLocation)
            #expect(!text.contains(String(secret.prefix(12))), "part of the secret leaked: \(text)", sourceLocation: sourceLocation)
        }
    }

    @Test func describesItselfByBucketAndEndpointOnly() throws {
        let server = try SeaweedFS.get()
        let destination = try server.destination(bucket: "some-bucket")
        #expect(destination.description == "s3 some-bucket at \(server.endpoint)")
        var dumped = ""
        dump(destination, to: &dumped)
        Self.expectNoSecret([destination.description, String(reflecting: destination), dumped], server.credentials.secretAccessKey)
    }

    @Test func createOnlyPutGets412AndLeavesTheObjectAlone() throws {
        let scratch = try TemporaryDirectory()
        let server = try SeaweedFS.get()
        let bucket = try server.makeBucket()
        let destination = try server.destination(bucket: bucket)
        let a = try DestinationConformanceTests.object("first\n", in: scratch.path, name: "a")
        let b = try DestinationConformanceTests.object("second\n", in: scratch.path, name: "b")
        try destination.put(a, key: Self.key, replace: false)
        switch Self.failure({ try destination.put(b, key: Self.key, replace: false) }) {
        case let .exists(key)?: #expect(key == "archive/" + Self.key.joined(separator: "/"))
        case let other: Issue.record("a create-only put over a taken key gave \(String(describing: other)), not .exists")
        }
        #expect(try destination.verify(key: Self.key, expected: a) == .matches)
        // The raw answer is 412 Precondition Failed.
        let raw = try destination.client.rawPut(destination.client.prefixSegments + Self.key, bytes: Array("third\n".utf8),
                                                headers: [("If-None-Match", "*")])
        #expect(raw.status == 412)
        #expect(try destination.verify(key: Self.key, expected: a) == .matches)
    }

    @Test func aWrongChecksumIsBadDigestAndStoresNothing() throws {
        let scratch = try TemporaryDirectory()
        let server = try SeaweedFS.get()
        let bucket = try server.makeBucket()
        let destination = try server.destination(bucket: bucket)
        let real = try DestinationConformanceTests.object("the bytes on disk\n", in: scratch.path, name: "a")
        // The record's hash is of other bytes of the same size: the server must refuse what it receives.
        let lying = LocalObject(path: real.path, size: real.size, sha256: SHA256Hasher.hex("other bytes on disk\n"))
        switch Self.failure({ try destination.put(lying, key: Self.key, replace: false) }) {
        case let .failed(message)?: #expect(message.contains("BadDigest"), "\(message)")
        case let other: Issue.record("a put with a wrong x-amz-checksum-sha256 gave \(String(describing: other)), not .failed")
        }
        #expect(try destination.verify(key: Self.key, expected: real) == .missing)
        #expect(try destination.client.listObjects().isEmpty)
    }

    /// A batch goes out several requests at once (`S3Destination+Batch`), and each request is still answered on
    /// its own, in order: new keys stored, a key holding other content `.exists` and left as it was, a body whose
    /// checksum is wrong refused; a multipart object among them is whole; verify answers each key alike.
    @Test func aBatchSentSeveralAtOnceAnswersEachRequestOnItsOwn() throws {
        let scratch = try TemporaryDirectory()
        let server = try SeaweedFS.get()
        let bucket = try server.makeBucket()
        let destination = try server.destination(bucket: bucket)  // parts of 5 MiB
        var objects = try (0..<9).map { try Self.object(size: 200_000 + $0 * 1_000, in: scratch.path, name: "o\($0)", seed: UInt64($0 + 10)) }
        objects[4] = try Self.object(size: 11 << 20, in: scratch.path, name: "big", seed: 99)  // three parts
        let keys = objects.indices.map { ["web01", "c\($0 % 3)", "www", "access_log.20261130\(10 + $0).zst"] }
        let other = try Self.object(size: 1_000, in: scratch.path, name: "other", seed: 7)
        try destination.put(other, key: keys[2], replace: false)
        let real = objects[6]
        objects[6] = LocalObject(path: real.path, size: real.size, sha256: String(repeating: "0", count: 64))  // lies

        let results = destination.putMany(keys.indices.map { PutRequest(object: objects[$0], key: keys[$0], replace: false) })

        for index in keys.indices {
            switch (index, results[index]) {
            case (2, .failure(.exists(let key))): #expect(key.hasSuffix(keys[2].joined(separator: "/")), "\(key)")
            case (6, .failure(.failed(let message))): #expect(message.contains("BadDigest"), "\(message)")
            case (2, _), (6, _): Issue.record("request \(index): \(results[index])")
            default: #expect((try? results[index].get()) != nil, "request \(index): \(results[index])")
            }
        }
        let found = destination.verifyMany(keys.indices.map { VerifyRequest(key: keys[$0], expected: $0 == 6 ? real : objects[$0]) })
        for index in keys.indices {
            let expected: RemoteCopy? = index == 6 ? .missing : index == 2 ? nil : .matches
            if let expected { #expect(try found[index].get() == expected, "key \(index)") }
        }
        guard case .differs = try found[2].get() else { Issue.record("a taken key: \(found[2])"); return }
        #expect(try destination.client.listUploads(prefix: "")?.isEmpty == true, "an open multipart upload is left")
    }

    @Test func aMultipartObjectCarriesTheCompositeChecksumAndVerifies() throws {
        let scratch = try TemporaryDirectory()
        let server = try SeaweedFS.get()
        let bucket = try server.makeBucket()
        let destination = try server.destination(bucket: bucket)
        let big = try Self.object(size: 12 << 20 | 12_345, in: scratch.path, name: "big")
        try destination.put(big, key: Self.key, replace: false)
        let head = try destination.client.send(S3Request(method: "HEAD", key: destination.client.prefixSegments + Self.key,
                                                         headers: [("x-amz-checksum-mode", "ENABLED")], sink: .memory(limit: 0)), doing: "test")
        let expected = try destination.client.compositeChecksum(path: big.path, size: big.size)
        #expect(expected.hasSuffix("-3"))
        #expect(head.headers["x-amz-checksum-sha256"] == expected)
        #expect(head.headers["content-length"] == String(big.size))
        #expect(try destination.verify(key: Self.key, expected: big) == .matches)
        #expect(try server.destination(bucket: bucket, verify: .download).verify(key: Self.key, expected: big) == .matches)
        #expect(try destination.client.listUploads(prefix: "")?.isEmpty == true)
        // Another object of the same size is seen as different (by its checksum, without a download).
        let other = try Self.object(size: big.size, in: scratch.path, name: "other", seed: 2)
        guard case let .differs(seen) = try destination.verify(key: Self.key, expected: other) else {
            Issue.record("other bytes verified")
            return
        }
        #expect(seen.contains("sha256"))
        // And create-only holds for multipart too.
        #expect(throws: DestinationError.self) { try destination.put(other, key: Self.key, replace: false) }
        try destination.put(other, key: Self.key, replace: true)
        #expect(try destination.verify(key: Self.key, expected: other) == .matches)
        #expect(try destination.client.listUploads(prefix: "")?.isEmpty == true)
    }

    @Test func anInterruptedMultipartUploadIsAbortedByTheNextPut() throws {
        let scratch = try TemporaryDirectory()
        let server = try SeaweedFS.get()
        let bucket = try server.makeBucket()
        let destination = try server.destination(bucket: bucket)
        let full = destination.client.prefixSegments + Self.key
        let big = try Self.object(size: 11 << 20, in: scratch.path, name: "big")
        let first = Array(try Data(contentsOf: URL(fileURLWithPath: big.path)).prefix(5 << 20))
        let killed = try destination.client.startUpload(full, firstPart: first)
        // Another key's open upload is none of this put's business.
        let neighbour = try destination.client.startUpload(full.dropLast() + ["access_log.2026113015.zst"], firstPart: [1, 2, 3])
        #expect(try destination.verify(key: Self.key, expected: big) == .missing)
        try destination.put(big, key: Self.key, replace: false)
        #expect(try destination.verify(key: Self.key, expected: big) == .matches)
        let open = try destination.client.listUploads(prefix: "") ?? []
        #expect(!open.contains { $0.uploadId == killed })
        #expect(open.map(\.uploadId) == [neighbour])
    }

    @Test func wrongCredentialsOrBucketAreMisconfiguredWithoutTheSecret() throws {
        let scratch = try TemporaryDirectory()
        let server = try SeaweedFS.get()
        let bucket = try server.makeBucket()
        let object = try DestinationConformanceTests.object("data\n", in: scratch.path, name: "a")
        let wrongSecret = SigV4Credentials(accessKeyId: server.credentials.accessKeyId, secretAccessKey: "WRONGSECRETwrongsecret0123456789abcdefgh")
        let unknownKey = SigV4Credentials(accessKeyId: "AKIDUNKNOWN0000000", secretAccessKey: "UNKNOWNKEYSECRETunknown0123456789abcdefg")
        let cases: [(String, SigV4Credentials, String, String)] = [
            ("wrong secret", wrongSecret, bucket, "SignatureDoesNotMatch"),
            ("unknown key", unknownKey, bucket, "InvalidAccessKeyId"),
            ("missing bucket", server.credentials, "no-such-bucket-here", "NoSuchBucket"),
        ]
        for (label, credentials, bucketName, code) in cases {
            let destination = try server.destination(bucket: bucketName, credentials: credentials)
            var texts: [String] = [destination.description]
            let operations: [(String, () throws -> Void)] = [
                ("checkAvailable", { try destination.checkAvailable() }),
                ("put", { try destination.put(object, key: Self.key, replace: false) }),
                ("verify", { _ = try destination.verify(key: Self.key, expected: object) }),
                ("probe", { _ = try destination.probeChecksumSupport() }),
            ]
            for (name, operation) in operations {
                guard let error = Self.failure(operation) else {
                    if name != "verify" { Issue.record("\(label): \(name) succeeded") }
                    continue
                }
                texts += [error.description, String(reflecting: error), "\(error)"]
                guard case let .misconfigured(message) = error else {
                    Issue.record("\(label): \(name) gave \(error), not .misconfigured")
                    continue
                }
                do {
                    #expect(message.contains(credentials.accessKeyId) || code == "NoSuchBucket", "\(label) \(name): \(message)")
                    #expect(message.contains(bucketName), "\(label) \(name): \(message)")
                    if name != "verify" { #expect(message.contains(code), "\(label) \(name): \(message)") }
                }
            }
            Self.expectNoSecret(texts, credentials.secretAccessKey)
            Self.expectNoSecret(texts, server.credentials.secretAccessKey)
        }
    }

    @Test func credentialsComeFromTheEnvironmentThenTheFileThenTheHomeProfile() throws {
        let scratch = try TemporaryDirectory()
        let server = try SeaweedFS.get()
        let bucket = try server.makeBucket()
        let file = scratch.path + "/credentials"
        let secret = server.credentials.secretAccessKey
        try """
            # logdump
            [default]
            aws_access_key_id = AKIDNOTTHISONE
            aws_secret_access_key = not-this-secret-either-0000000000
            [shipper]
            aws_access_key_id = \(server.credentials.accessKeyId)
            aws_secret_access_key = \(secret)
            """.write(toFile: file, atomically: false, encoding: .utf8)
        chmod(file, 0o600)
        var settings = server.settings(bucket: bucket)
        settings.credentialsFile = file
        settings.profile = "shipper"
        let fromFile = try S3Destination.make(settings, resolver: S3CredentialResolver(environment: [:], home: nil))
        try fromFile.checkAvailable()
        #expect(fromFile.client.signer.credentials.accessKeyId == server.credentials.accessKeyId)

        // The environment comes first.
        let fromEnvironment = try S3CredentialResolver(environment: ["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "envsecret",
                                                                     "AWS_SESSION_TOKEN": "tok"], home: nil)
            .resolve(credentialsFile: file, profile: "shipper")
        #expect(fromEnvironment == SigV4Credentials(accessKeyId: "AKIDENV", secretAccessKey: "envsecret", sessionToken: "tok"))

        // ~/.aws/credentials when there is no credentials_file.
        try FileManager.default.createDirectory(atPath: scratch.path + "/home/.aws", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: file, toPath: scratch.path + "/home/.aws/credentials")
        chmod(scratch.path + "/home/.aws/credentials", 0o600)
        let fromHome = try S3CredentialResolver(environment: [:], home: scratch.path + "/home").resolve(credentialsFile: nil, profile: "default")
        #expect(fromHome.accessKeyId == "AKIDNOTTHISONE")

        // Group- or world-readable: refused, like ssh refuses such a key, and the secret is not in the message.
        for mode: mode_t in [0o644, 0o640, 0o604] {
            chmod(file, mode)
            let error = Self.failure { _ = try S3Destination.make(settings, resolver: S3CredentialResolver(environment: [:], home: nil)) }
            guard case let .misconfigured(message)? = error else {
                Issue.record("a credentials file with mode \(String(mode, radix: 8)) gave \(String(describing: error))")
                continue
            }
            #expect(message.contains("chmod 600") && message.contains(file), "\(message)")
            Self.expectNoSecret([message, String(describing: error)], secret)
        }
        // Nothing anywhere: one message saying where credentials are looked for.
        #expect(throws: DestinationError.self) {
            _ = try S3CredentialResolver(environment: [:], home: scratch.path + "/nowhere").resolve(credentialsFile: nil, profile: "default")
        }
    }

    @Test func tlsIsVerifiedAgainstCaFileAndRefusedWithoutIt() throws {
        let scratch = try TemporaryDirectory()
        let server = try SeaweedFS.get()
        let bucket = try server.makeBucket()
        let object = try DestinationConformanceTests.object("over tls\n", in: scratch.path, name: "a")
        let trusted = try server.destination(bucket: bucket, https: true, caFile: server.caFile)
        try trusted.checkAvailable()
        try trusted.put(object, key: Self.key, replace: false)
        #expect(try trusted.verify(key: Self.key, expected: object) == .matches)

        // The system store does not know the test's CA; neither does a CA of another test.
        let otherCA = scratch.path + "/other-ca.pem"
        let made = system("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj '/CN=other CA' -keyout '\(scratch.path)/other-ca.key' "
            + "-out '\(otherCA)' </dev/null >/dev/null 2>&1")
        #expect(made == 0, "openssl is needed: apt-get install -y openssl")
        for caFile in [nil, otherCA] {
            let untrusted = try server.destination(bucket: bucket, https: true, caFile: caFile, maxAttempts: 5)
            let error = Self.failure { try untrusted.checkAvailable() }
            guard case let .misconfigured(message)? = error else {
                Issue.record("an untrusted certificate (ca_file \(caFile ?? "none")) gave \(String(describing: error))")
                continue
            }
            #expect(message.contains("TLS"), "\(message)")
            #expect(throws: DestinationError.self) { try untrusted.put(object, key: ["other.zst"], replace: false) }
        }
        #expect(try trusted.client.listObjects() == ["archive/" + Self.key.joined(separator: "/")])
    }

    @Test func theProbeTellsWhatTheServerSupportsAndLeavesNothing() throws {
        let server = try SeaweedFS.get()
        let bucket = try server.makeBucket()
        let destination = try server.destination(bucket: bucket)
        let report = try destination.probeChecksumSupport()
        #expect(report.conditionalWrites)
        #expect(report.uploadChecksumEnforced)
        #expect(report.checksumOnHead)
        #expect(report.downloadMatches)
        #expect(report.recommendedVerify == .checksum)
        #expect(try destination.client.listObjects().isEmpty)
    }

    @Test func anUnreachableEndpointIsRetriedABoundedNumberOfTimesThenUnavailable() throws {
        // A loopback port nobody listens on (bound, never listening).
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let sleeps = SleepLog()
        let destination = try S3Destination(
            settings: S3Settings(endpoint: "http://127.0.0.1:\(port)", bucket: "nowhere", maxAttempts: 4),
            credentials: SigV4Credentials(accessKeyId: "AKIDX", secretAccessKey: "secret-never-shown-0000"),
            sleep: { sleeps.add($0) })
        let error = Self.failure { try destination.checkAvailable() }
        if case let .unavailable(message)? = error {
            #expect(message.contains("4 attempts") && message.contains("127.0.0.1:\(port)"), "\(message)")
        } else {
            Issue.record("an unreachable endpoint gave \(String(describing: error))")
        }
        // Three waits between four attempts, growing (full jitter on 200, 400, 800 ms ceilings).
        let waits = sleeps.values
        #expect(waits.count == 3)
        #expect(zip([200, 400, 800], waits).allSatisfy { ceiling, wait in wait >= ceiling / 2 && wait <= ceiling })
    }

    @Test func keysArePrefixedAndAddressedPathStyleOrVirtualHosted() throws {
        let credentials = SigV4Credentials(accessKeyId: "AKIDX", secretAccessKey: "x")
        let custom = try S3Destination(settings: S3Settings(endpoint: "https://objects.example.org:8443", bucket: "logs", prefix: "archive"),
                                       credentials: credentials)
        #expect(!custom.client.virtualHosted)
        #expect(custom.objectKey(["web01", "a b.zst"]) == "archive/web01/a b.zst")
        let aws = try S3Destination(settings: S3Settings(endpoint: "https://s3.eu-west-1.amazonaws.com", region: "eu-west-1", bucket: "logs"),
                                    credentials: credentials)
        #expect(aws.client.virtualHosted)
        #expect(aws.objectKey(["web01", "x.zst"]) == "web01/x.zst")
        let forced = try S3Destination(settings: S3Settings(endpoint: "https://s3.eu-west-1.amazonaws.com", bucket: "logs", pathStyle: true),
                                       credentials: credentials)
        #expect(!forced.client.virtualHosted)
    }
}

final class SleepLog: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [Int] = []
    func add(_ ms: Int) { lock.withLock { recorded.append(ms) } }
    var values: [Int] { lock.withLock { recorded } }
}
