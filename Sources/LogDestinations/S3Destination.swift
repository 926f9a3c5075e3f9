import LinuxSystem
import LogShipCore
import LogSplitCore

#if canImport(Glibc)
import Glibc
#endif

/// An S3-compatible object store (AWS S3, SeaweedFS, MinIO, Ceph RGW), over libcurl with SigV4 signatures.
///
/// - `put` is create-only unless replacing: `PUT` with `If-None-Match: *`, and a 412 is `.exists`. Every `PUT` and
///   every part carries `x-amz-checksum-sha256`, so the server refuses bytes that are not the ones hashed here.
///   Objects over `partSize` go up as a multipart upload; a killed run's open upload of the same key is found
///   by the next put (`ListMultipartUploads`, one listing for a whole batch) and aborted, and a failed put aborts
///   its own.
/// - `verify` asks the server for the object's SHA-256 (`HEAD`, `x-amz-checksum-mode: ENABLED`; the composite
///   checksum of the parts for a multipart object) and compares it and the size; when the server has no checksum
///   for the object, or with `verify = "download"`, it downloads the object and hashes it.
/// - 5xx, 429/SlowDown, timeouts and resets are retried `maxAttempts` times with exponential backoff and jitter;
///   credentials or bucket problems are `.misconfigured` at once, with the key id and the bucket, never the secret.
public struct S3Destination: Destination {
    public let settings: S3Settings
    let client: S3Client

    /// Builds the destination with credentials found by `resolver` (the process's environment and home by default).
    public static func make(_ settings: S3Settings, resolver: S3CredentialResolver = .process()) throws(DestinationError) -> S3Destination {
        let credentials = try resolver.resolve(credentialsFile: settings.credentialsFile, profile: settings.profile)
        return try S3Destination(settings: settings, credentials: credentials)
    }

    /// `clock` gives the signing time (seconds since the epoch); `sleep` waits between attempts (milliseconds).
    public init(settings: S3Settings, credentials: SigV4Credentials, clock: @escaping @Sendable () -> Int = { WallClock.seconds() },
                sleep: @escaping @Sendable (Int) -> Void = { usleep(UInt32(min($0, 60_000)) * 1000) }) throws(DestinationError) {
        self.settings = settings
        client = try S3Client(settings: settings, credentials: credentials, clock: clock, sleep: sleep)
    }

    public var description: String { "s3 \(settings.bucket) at \(client.endpointText)" }

    /// The object key of a destination key: the prefix, then the components joined by '/'.
    public func objectKey(_ key: [String]) -> String { client.objectKey(key) }

    public func checkAvailable() throws(DestinationError) {
        // A GET of a key that never exists needs only the read permission a shipper has anyway, and its error
        // body says exactly what is wrong (InvalidAccessKeyId, SignatureDoesNotMatch, NoSuchBucket, AccessDenied).
        let key = client.prefixSegments + [".logdump-probe", "availability-check"]
        let response = try client.send(S3Request(method: "GET", key: key, sink: .memory(limit: 1 << 16)), doing: "check")
        switch response.status {
        case 200: return
        case 404 where S3Client.errorCode(response) != "NoSuchBucket": return
        default: throw client.failure(response, doing: "GET", key: key)
        }
    }

    public func put(_ object: LocalObject, key: [String], replace: Bool) throws(DestinationError) {
        try putMany([PutRequest(object: object, key: key, replace: replace)])[0].get()
    }

    /// One put of a batch: `leftovers` are the open multipart uploads of exactly this key (a killed run's), aborted
    /// first; the batch found them with one listing (`putMany`).
    func put(_ request: PutRequest, abortingFirst leftovers: [String]) throws(DestinationError) {
        let segments = client.prefixSegments + request.key
        let object = request.object
        let file: FileDescriptor
        do { file = try FileDescriptor.open(object.path, O_RDONLY) } catch { throw .failed(error.description) }
        let size: Int
        do { size = Int(try file.status(path: object.path).st_size) } catch { throw .failed(error.description) }
        guard size == object.size else {
            throw .failed("\(object.path) is \(size) bytes, expected \(object.size): changed since it was hashed")
        }
        for uploadId in leftovers { try client.abort(segments, uploadId: uploadId) }
        if object.size > settings.partSize {
            try client.putMultipart(object, descriptor: file.rawValue, key: segments, replace: request.replace)
        } else {
            try client.putSingle(object, descriptor: file.rawValue, key: segments, replace: request.replace)
        }
    }

    public func verify(key: [String], expected: LocalObject) throws(DestinationError) -> RemoteCopy {
        let segments = client.prefixSegments + key
        if settings.verify == .download { return try client.verifyByDownload(segments, expected: expected) }
        let response = try client.send(S3Request(method: "HEAD", key: segments, headers: [("x-amz-checksum-mode", "ENABLED")],
                                                 sink: .memory(limit: 0)), doing: "verify")
        switch response.status {
        case 200: break
        case 404: return .missing
        default: throw client.failure(response, doing: "HEAD", key: segments)
        }
        guard let length = response.headers["content-length"].flatMap({ Int($0) }) else {
            return try client.verifyByDownload(segments, expected: expected)
        }
        guard let checksum = response.headers["x-amz-checksum-sha256"], !checksum.isEmpty else {
            // Uploaded without a checksum (or a server that keeps none): only the bytes can tell.
            return try client.verifyByDownload(segments, expected: expected)
        }
        if length != expected.size {
            return .differs("size \(length) sha256 \(S3Client.describe(checksum: checksum))")
        }
        if checksum.contains("-") {
            // Composite: the checksum of the part checksums. Equal to ours when cut the same way; otherwise (the part
            // size changed since the upload) only the bytes can tell.
            if let mine = try? client.compositeChecksum(path: expected.path, size: expected.size), mine == checksum { return .matches }
            return try client.verifyByDownload(segments, expected: expected)
        }
        guard let digest = Base64.decode(checksum), digest.count == 32 else {
            return try client.verifyByDownload(segments, expected: expected)
        }
        let hex = SigV4Signer.hex(digest)
        return hex == expected.sha256 ? .matches : .differs("size \(length) sha256 \(hex)")
    }

    /// What `logdump validate` reports about the server: whether it keeps create-only writes, checks the SHA-256
    /// sent with an upload, and gives it back on `HEAD` (else `verify = "download"` is the mode that works).
    public struct ProbeReport: Sendable, Equatable, CustomStringConvertible {
        /// A second `PUT` with `If-None-Match: *` was refused with 412.
        public var conditionalWrites: Bool
        /// A `PUT` with a wrong `x-amz-checksum-sha256` was refused (400 BadDigest), and nothing was stored.
        public var uploadChecksumEnforced: Bool
        /// `HEAD` with `x-amz-checksum-mode: ENABLED` returned the SHA-256 the object was stored with.
        public var checksumOnHead: Bool
        /// A download of the probe object hashed to what was sent.
        public var downloadMatches: Bool
        /// The `verify` mode that works on this server.
        public var recommendedVerify: S3VerifyMode

        public var description: String {
            func yes(_ b: Bool) -> String { b ? "yes" : "NO" }
            return "create-only writes (If-None-Match): \(yes(conditionalWrites)); upload checksum enforced: \(yes(uploadChecksumEnforced)); "
                + "checksum on HEAD: \(yes(checksumOnHead)); download matches: \(yes(downloadMatches)); verify = \"\(recommendedVerify.rawValue)\" works"
        }
    }

    /// Writes, reads back and deletes small objects under `<prefix>.logdump-probe/` to learn what the server
    /// supports. Throws what `checkAvailable` would (credentials, bucket, network).
    public func probeChecksumSupport() throws(DestinationError) -> ProbeReport {
        // First what checkAvailable says: some servers (SeaweedFS) create a missing bucket on the first PUT.
        try checkAvailable()
        return try client.probe()
    }
}

/// One request, before signing.
struct S3Request {
    var method: String
    /// The object key's segments (prefix included); nil for the bucket itself.
    var key: [String]?
    var query: [(String, String)] = []
    var headers: [(String, String)] = []
    var body: HTTPBody = .none
    /// Hex SHA-256 of the body; nil = of the empty body.
    var payloadHash: String? = nil
    var sink: HTTPSink = .memory(limit: 1 << 20)
}

/// The signing, addressing, retrying HTTP side of the destination.
final class S3Client: Sendable {
    let settings: S3Settings
    let signer: SigV4Signer
    let curl: CurlClient
    let scheme: String
    let authority: String
    let virtualHosted: Bool
    let prefixSegments: [String]
    let clock: @Sendable () -> Int
    let sleep: @Sendable (Int) -> Void
    var endpointText: String { scheme + "://" + authority }

    static let emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    init(settings: S3Settings, credentials: SigV4Credentials, clock: @escaping @Sendable () -> Int,
         sleep: @escaping @Sendable (Int) -> Void) throws(DestinationError) {
        self.settings = settings
        self.clock = clock
        self.sleep = sleep
        var rest = Substring(settings.endpoint)
        if rest.hasPrefix("https://") { scheme = "https" } else if rest.hasPrefix("http://") { scheme = "http" } else {
            throw .misconfigured("s3 endpoint '\(settings.endpoint)' is not an http(s) URL")
        }
        rest = rest.dropFirst(scheme.count + 3)
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains("/") else { throw .misconfigured("s3 endpoint '\(settings.endpoint)' has a path or no host") }
        authority = String(rest)
        let host = authority.hasPrefix("[") ? authority : String(authority.prefix { $0 != ":" })
        virtualHosted = settings.pathStyle.map { !$0 } ?? (host.hasSuffix(".amazonaws.com") && !settings.bucket.contains("."))
        prefixSegments = settings.prefix.split(separator: "/").map(String.init)
        signer = SigV4Signer(credentials: credentials, region: settings.region, service: "s3")
        curl = CurlClient(caFile: settings.caFile, connectTimeoutSeconds: settings.connectTimeoutSeconds,
                          requestTimeoutSeconds: settings.requestTimeoutSeconds)
    }

    func objectKey(_ key: [String]) -> String { (prefixSegments + key).joined(separator: "/") }

    var where_: String { "s3 bucket \(settings.bucket) at \(endpointText)" }

    // MARK: requests

    /// Sends `request`, retrying transient failures (5xx, 429, SlowDown, timeouts, resets) with backoff; returns any
    /// other answer for the caller to read. Throws when no attempt got an answer worth reading.
    func send(_ request: S3Request, doing: String) throws(DestinationError) -> HTTPResponse {
        let host = virtualHosted ? settings.bucket + "." + authority : authority
        let segments = (virtualHosted ? [] : [settings.bucket]) + (request.key ?? [])
        let path = request.key == nil && virtualHosted ? "/" : SigV4Signer.encodePath(segments)
        let query = SigV4Signer.canonicalQuery(request.query)
        let url = scheme + "://" + host + path + (query.isEmpty ? "" : "?" + query)
        let payloadHash = request.payloadHash ?? Self.emptySHA256
        let attempts = max(1, settings.maxAttempts)
        var lastProblem = ""
        for attempt in 1...attempts {
            let time = SigV4Time(epochSeconds: clock())
            var headers = request.headers
            headers.append(("host", host))
            headers.append(("x-amz-date", time.amzDate))
            headers.append(("x-amz-content-sha256", payloadHash))
            if let token = signer.credentials.sessionToken { headers.append(("x-amz-security-token", token)) }
            let signature = signer.sign(method: request.method, path: path, query: request.query, headers: headers,
                                        payloadHash: payloadHash, time: time)
            headers.append(("Authorization", signature.authorization))
            switch curl.perform(method: request.method, url: url, headers: headers, body: request.body, sink: request.sink) {
            case let .success(response):
                let code = Self.errorCode(response)
                let transient = response.status >= 500 || response.status == 429 || code == "SlowDown"
                    || code == "RequestTimeout" || code == "InternalError"
                if !transient { return response }
                lastProblem = "HTTP \(response.status)" + (code.map { " \($0)" } ?? "")
            case let .failure(error):
                switch error.kind {
                case .tls:
                    throw .misconfigured("\(where_): TLS failed (\(error.message))"
                        + (settings.caFile == nil ? "; is the server's CA in the system store, or should ca_file name it?" : " with ca_file \(settings.caFile!)"))
                case .other:
                    throw .failed("\(where_): \(request.method) \(describe(request.key)) failed: \(error.message)")
                case .transient:
                    lastProblem = error.message
                    if attempt == attempts && error.neverConnected {
                        throw .unavailable("\(where_) is not reachable after \(attempts) attempts: \(error.message)")
                    }
                }
            }
            if attempt < attempts { sleep(backoffMilliseconds(attempt)) }
        }
        throw .failed("\(where_): \(request.method) \(describe(request.key)) (\(doing)) failed \(attempts) times, last: \(lastProblem); "
            + "the file stays for the next run")
    }

    /// Full jitter on an exponential ceiling: 200 ms, 400 ms, 800 ms ... capped at 20 s.
    func backoffMilliseconds(_ attempt: Int) -> Int {
        let ceiling = min(20_000, 200 << min(attempt - 1, 10))
        return Int.random(in: ceiling / 2...ceiling)
    }

    func describe(_ key: [String]?) -> String { key.map { $0.joined(separator: "/") } ?? "/" }

    static func errorCode(_ response: HTTPResponse) -> String? {
        guard !response.body.isEmpty else { return nil }
        return S3XML.value("Code", in: response.text)
    }

    /// The error for an answer the caller cannot use: credentials and bucket problems are `.misconfigured`
    /// (no retry helps), the rest `.failed`. Names the key id and the bucket, never the secret.
    func failure(_ response: HTTPResponse, doing method: String, key: [String]?) -> DestinationError {
        let code = Self.errorCode(response)
        let message = response.body.isEmpty ? nil : S3XML.value("Message", in: response.text)
        let detail = "HTTP \(response.status)" + (code.map { " \($0)" } ?? "") + (message.map { ": \($0)" } ?? "")
        let id = signer.credentials.accessKeyId
        switch (response.status, code) {
        case (_, "InvalidAccessKeyId"):
            return .misconfigured("\(where_): the server does not know the access key id \(id) (\(detail))")
        case (_, "SignatureDoesNotMatch"):
            return .misconfigured("\(where_): the signature for access key id \(id) does not match: wrong secret for this key id? (\(detail))")
        case (_, "NoSuchBucket"):
            return .misconfigured("\(where_): the bucket \(settings.bucket) does not exist (\(detail))")
        case (_, "ExpiredToken"), (_, "InvalidToken"), (_, "TokenRefreshRequired"):
            return .misconfigured("\(where_): the session token for access key id \(id) is not valid (\(detail))")
        case (_, "PermanentRedirect"), (_, "AuthorizationHeaderMalformed"), (301, _), (307, _):
            return .misconfigured("\(where_): the bucket \(settings.bucket) is not served at this endpoint or region \(settings.region) (\(detail))")
        case (_, "RequestTimeTooSkewed"):
            return .misconfigured("\(where_): this machine's clock is too far from the server's (\(detail))")
        case (401, _), (403, _):
            return .misconfigured("\(where_): access key id \(id) may not \(method) \(describe(key)) (\(detail))")
        case (_, "BadDigest"), (_, "InvalidDigest"), (_, "XAmzContentSHA256Mismatch"):
            return .failed("\(where_): the server received other bytes than were hashed for \(describe(key)) (\(detail)); nothing stored")
        default:
            return .failed("\(where_): \(method) \(describe(key)) failed (\(detail))")
        }
    }

    // MARK: put

    func putSingle(_ object: LocalObject, descriptor: Int32, key: [String], replace: Bool) throws(DestinationError) {
        guard let digest = SigV4Signer.bytes(hex: object.sha256), digest.count == 32 else {
            throw .failed("\(object.path): '\(object.sha256)' is not a SHA-256")
        }
        var headers = [("x-amz-checksum-sha256", Base64.encode(digest))]
        if !replace { headers.append(("If-None-Match", "*")) }
        if let storageClass = settings.storageClass { headers.append(("x-amz-storage-class", storageClass)) }
        let response = try send(S3Request(method: "PUT", key: key, headers: headers,
                                          body: .file(descriptor: descriptor, offset: 0, length: object.size),
                                          payloadHash: object.sha256), doing: "put")
        switch response.status {
        case 200: return
        case 412: throw .exists(key: key.joined(separator: "/"))
        default: throw failure(response, doing: "PUT", key: key)
        }
    }

    /// The SHA-256 of each part of the file, cut every `partSize` bytes.
    func partDigests(descriptor: Int32, size: Int, path: String) throws(DestinationError) -> [[UInt8]] {
        let partSize = settings.partSize
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var digests: [[UInt8]] = []
        var offset = 0
        while offset < size {
            let end = min(size, offset + partSize)
            var hasher = SHA256Hasher()
            while offset < end {
                let want = min(buffer.count, end - offset)
                var n: Int
                repeat { n = pread(descriptor, buffer.baseAddress, want, off_t(offset)) } while n < 0 && errno == EINTR
                guard n > 0 else { throw .failed("cannot read \(path): " + (n == 0 ? "shorter than expected" : String(cString: strerror(errno)))) }
                hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                offset += n
            }
            digests.append(hasher.digestBytes())
        }
        return digests
    }

    /// The composite checksum S3 keeps for a multipart object: base64(sha256(part digests))-N.
    static func composite(_ digests: [[UInt8]]) -> String {
        var hasher = SHA256Hasher()
        for d in digests { hasher.update(d) }
        return Base64.encode(hasher.digestBytes()) + "-\(digests.count)"
    }

    func compositeChecksum(path: String, size: Int) throws(DestinationError) -> String {
        guard size > settings.partSize else { throw .failed("not a multipart size") }
        let file: FileDescriptor
        do { file = try FileDescriptor.open(path, O_RDONLY) } catch { throw .failed(error.description) }
        return Self.composite(try partDigests(descriptor: file.rawValue, size: size, path: path))
    }

    func putMultipart(_ object: LocalObject, descriptor: Int32, key: [String], replace: Bool) throws(DestinationError) {
        let digests = try partDigests(descriptor: descriptor, size: object.size, path: object.path)
        if !replace {
            // Fail early rather than upload gigabytes for a taken key (Complete also carries If-None-Match).
            let head = try send(S3Request(method: "HEAD", key: key, sink: .memory(limit: 0)), doing: "put")
            if head.status == 200 { throw .exists(key: key.joined(separator: "/")) }
            if head.status != 404 { throw failure(head, doing: "HEAD", key: key) }
        }
        var createHeaders = [("x-amz-checksum-algorithm", "SHA256")]
        if let storageClass = settings.storageClass { createHeaders.append(("x-amz-storage-class", storageClass)) }
        let created = try send(S3Request(method: "POST", key: key, query: [("uploads", "")], headers: createHeaders), doing: "put")
        guard created.status == 200, let uploadId = S3XML.value("UploadId", in: created.text), !uploadId.isEmpty else {
            throw failure(created, doing: "POST (CreateMultipartUpload)", key: key)
        }
        do throws(DestinationError) {
            var etags: [String] = []
            for (index, digest) in digests.enumerated() {
                let offset = index * settings.partSize
                let length = min(settings.partSize, object.size - offset)
                let response = try send(S3Request(
                    method: "PUT", key: key, query: [("partNumber", String(index + 1)), ("uploadId", uploadId)],
                    headers: [("x-amz-checksum-sha256", Base64.encode(digest))],
                    body: .file(descriptor: descriptor, offset: offset, length: length),
                    payloadHash: SigV4Signer.hex(digest)), doing: "put part \(index + 1) of \(digests.count)")
                guard response.status == 200 else { throw failure(response, doing: "PUT (UploadPart \(index + 1))", key: key) }
                etags.append(response.headers["etag"] ?? "")
            }
            var xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            for (index, digest) in digests.enumerated() {
                xml += "<Part><PartNumber>\(index + 1)</PartNumber><ETag>\(S3XML.escape(etags[index]))</ETag>"
                    + "<ChecksumSHA256>\(Base64.encode(digest))</ChecksumSHA256></Part>"
            }
            xml += "</CompleteMultipartUpload>"
            let body = Array(xml.utf8)
            var headers = [("Content-Type", "application/xml")]
            if !replace { headers.append(("If-None-Match", "*")) }
            let response = try send(S3Request(method: "POST", key: key, query: [("uploadId", uploadId)], headers: headers,
                                              body: .bytes(body), payloadHash: SigV4Signer.hexSHA256(body)), doing: "complete")
            // CompleteMultipartUpload may answer 200 with an <Error> body.
            if response.status == 200 && !response.text.contains("<Error>") { return }
            if response.status == 412 { throw .exists(key: key.joined(separator: "/")) }
            if Self.errorCode(response) == "NoSuchUpload" {
                // An earlier attempt completed it and only the answer was lost: the object decides.
                let head = try send(S3Request(method: "HEAD", key: key, headers: [("x-amz-checksum-mode", "ENABLED")],
                                              sink: .memory(limit: 0)), doing: "complete")
                if head.headers["x-amz-checksum-sha256"] == Self.composite(digests) { return }
            }
            throw failure(response, doing: "POST (CompleteMultipartUpload)", key: key)
        } catch {
            _ = try? abort(key, uploadId: uploadId)
            throw error
        }
    }

    func abort(_ key: [String], uploadId: String) throws(DestinationError) {
        let response = try send(S3Request(method: "DELETE", key: key, query: [("uploadId", uploadId)]), doing: "abort")
        guard response.status == 204 || response.status == 200 || response.status == 404 else {
            throw failure(response, doing: "DELETE (AbortMultipartUpload)", key: key)
        }
    }

    /// Open multipart uploads whose key starts with `prefix`: (key, upload id).
    func listUploads(prefix: String) throws(DestinationError) -> [(key: String, uploadId: String)]? {
        var found: [(key: String, uploadId: String)] = []
        var keyMarker = "", idMarker = ""
        for _ in 0..<1000 {
            var query = [("uploads", ""), ("prefix", prefix)]
            if !keyMarker.isEmpty { query += [("key-marker", keyMarker), ("upload-id-marker", idMarker)] }
            let response = try send(S3Request(method: "GET", key: nil, query: query), doing: "list uploads")
            // Without the permission (or on a server without the call) the cleanup is skipped, never the put.
            if response.status == 403 || response.status == 501 { return nil }
            guard response.status == 200 else { throw failure(response, doing: "GET (ListMultipartUploads)", key: nil) }
            for upload in S3XML.elements("Upload", in: response.text) {
                if let key = S3XML.value("Key", in: upload), let id = S3XML.value("UploadId", in: upload) { found.append((key, id)) }
            }
            guard S3XML.value("IsTruncated", in: response.text) == "true",
                  let nextKey = S3XML.value("NextKeyMarker", in: response.text),
                  let nextId = S3XML.value("NextUploadIdMarker", in: response.text), !nextKey.isEmpty else { break }
            keyMarker = nextKey
            idMarker = nextId
        }
        return found
    }

    // MARK: verify

    func verifyByDownload(_ key: [String], expected: LocalObject) throws(DestinationError) -> RemoteCopy {
        let response = try send(S3Request(method: "GET", key: key, sink: .hash), doing: "verify by download")
        switch response.status {
        case 200:
            guard let (sha, size) = response.hashed else { throw .failed("\(where_): no body hashed for \(describe(key))") }
            return sha == expected.sha256 && size == expected.size ? .matches : .differs("size \(size) sha256 \(sha)")
        case 404 where Self.errorCode(response) != "NoSuchBucket":
            return .missing
        default:
            throw failure(response, doing: "GET", key: key)
        }
    }

    /// A checksum as an operator reads it: hex for a whole-object SHA-256, as given for a composite one.
    static func describe(checksum: String) -> String {
        if !checksum.contains("-"), let digest = Base64.decode(checksum), digest.count == 32 { return SigV4Signer.hex(digest) }
        return "composite " + checksum
    }

    // MARK: probe

    func probe() throws(DestinationError) -> S3Destination.ProbeReport {
        let name = "probe-\(getpid())-\(clock())-\(UInt32.random(in: 0...UInt32.max))"
        let key = prefixSegments + [".logdump-probe", name]
        let wrongKey = prefixSegments + [".logdump-probe", name + "-wrong-checksum"]
        let bytes = Array("logdump probe \(name)\n".utf8)
        var hasher = SHA256Hasher()
        hasher.update(bytes)
        let digest = hasher.digestBytes()
        let hex = SigV4Signer.hex(digest)
        func put(_ key: [String], checksum: [UInt8]) throws(DestinationError) -> HTTPResponse {
            try send(S3Request(method: "PUT", key: key, headers: [("x-amz-checksum-sha256", Base64.encode(checksum)), ("If-None-Match", "*")],
                               body: .bytes(bytes), payloadHash: hex), doing: "probe")
        }
        func delete(_ key: [String]) { _ = try? send(S3Request(method: "DELETE", key: key), doing: "probe cleanup") }
        defer {
            delete(key)
            delete(wrongKey)
        }
        let first = try put(key, checksum: digest)
        guard first.status == 200 else { throw failure(first, doing: "PUT", key: key) }
        let second = try put(key, checksum: digest)
        let conditional = second.status == 412
        var wrong = digest
        wrong[0] ^= 0xFF
        let refused = try put(wrongKey, checksum: wrong)
        var enforced = refused.status == 400
        if enforced {
            let after = try send(S3Request(method: "HEAD", key: wrongKey, sink: .memory(limit: 0)), doing: "probe")
            enforced = after.status == 404
        }
        let head = try send(S3Request(method: "HEAD", key: key, headers: [("x-amz-checksum-mode", "ENABLED")], sink: .memory(limit: 0)),
                            doing: "probe")
        guard head.status == 200 else { throw failure(head, doing: "HEAD", key: key) }
        let onHead = head.headers["x-amz-checksum-sha256"] == Base64.encode(digest)
        let object = LocalObject(path: "", size: bytes.count, sha256: hex)
        let downloaded = try verifyByDownload(key, expected: object) == .matches
        return S3Destination.ProbeReport(conditionalWrites: conditional, uploadChecksumEnforced: enforced, checksumOnHead: onHead,
                                         downloadMatches: downloaded, recommendedVerify: onHead ? .checksum : .download)
    }
}
