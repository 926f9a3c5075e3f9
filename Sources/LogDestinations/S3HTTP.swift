import CCurl
import LogShipCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What a request sends: nothing, a few bytes (XML, probes), or a range of an open file, streamed (an object or
/// a part is never held in memory).
enum HTTPBody {
    case none
    case bytes([UInt8])
    case file(descriptor: Int32, offset: Int, length: Int)

    var length: Int {
        switch self {
        case .none: 0
        case let .bytes(b): b.count
        case let .file(_, _, length): length
        }
    }
}

/// Where the response body goes: memory (bounded: S3's XML answers), or a SHA-256 (a download being verified).
enum HTTPSink {
    case memory(limit: Int)
    case hash
}

struct HTTPResponse {
    var status: Int
    /// Lower-case names; the last value of a repeated header.
    var headers: [String: String]
    var body: [UInt8]
    /// With `HTTPSink.hash`: the hex SHA-256 and the byte count of the body.
    var hashed: (sha256: String, size: Int)?

    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A request that got no HTTP answer.
struct HTTPTransportError: Error {
    enum Kind {
        /// Timeouts, resets, refused or dropped connections: worth another attempt.
        case transient
        /// The server's certificate was not trusted, or TLS could not be set up: no retry helps.
        case tls
        case other
    }

    var kind: Kind
    var message: String
    /// Nothing reached the server (refused, unresolvable): the destination is unavailable.
    var neverConnected: Bool
}

/// libcurl's easy API, one transfer per call, synchronous (logdump's workers call it from their own threads).
/// Handles are pooled so connections (and TLS sessions) are reused between requests.
final class CurlClient: Sendable {
    private struct Handle: @unchecked Sendable { let pointer: UnsafeMutableRawPointer }
    private let pool = Mutex<[Handle]>([])
    let caFile: String?
    let connectTimeoutSeconds: Int
    let requestTimeoutSeconds: Int

    private static let globalInit: Bool = {
        // With CURLOPT_NOSIGNAL (required with threads) libcurl leaves SIGPIPE to the program: a peer closing
        // mid-upload must come back as an error, not kill the process. logdump ignores it too.
        signal(SIGPIPE, SIG_IGN)
        return curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
    }()

    init(caFile: String?, connectTimeoutSeconds: Int, requestTimeoutSeconds: Int) {
        _ = Self.globalInit
        self.caFile = caFile
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.requestTimeoutSeconds = requestTimeoutSeconds
    }

    deinit {
        for handle in pool.withLock({ $0 }) { curl_easy_cleanup(handle.pointer) }
    }

    private func takeHandle() -> UnsafeMutableRawPointer? {
        if let handle = pool.withLock({ $0.popLast() }) {
            curl_easy_reset(handle.pointer)
            return handle.pointer
        }
        return curl_easy_init()
    }

    private func giveBack(_ handle: UnsafeMutableRawPointer) {
        pool.withLock { $0.append(Handle(pointer: handle)) }
    }

    func perform(method: String, url: String, headers: [(String, String)], body: HTTPBody,
                 sink: HTTPSink) -> Result<HTTPResponse, HTTPTransportError> {
        guard let handle = takeHandle() else {
            return .failure(HTTPTransportError(kind: .other, message: "libcurl could not make a handle", neverConnected: true))
        }
        let transfer = CurlTransfer(body: body, sink: sink)
        let context = Unmanaged.passRetained(transfer)
        defer { context.release() }
        var list: UnsafeMutablePointer<curl_slist>? = nil
        // curl adds "Expect: 100-continue" to large uploads and "Content-Type" to POSTs unless told not to.
        var lines = headers.map { "\($0.0): \($0.1)" } + ["Expect:"]
        if !headers.contains(where: { $0.0.lowercased() == "content-type" }) { lines.append("Content-Type:") }
        for line in lines { list = curl_slist_append(list, line) }
        defer { curl_slist_free_all(list) }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }

        var ok = true
        func set(_ code: CURLcode) { if code != CURLE_OK { ok = false } }
        set(ccurl_set_string(handle, CURLOPT_URL, url))
        set(ccurl_set_long(handle, CURLOPT_NOSIGNAL, 1))
        set(ccurl_set_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
        set(ccurl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0))
        set(ccurl_set_long(handle, CURLOPT_CONNECTTIMEOUT, connectTimeoutSeconds))
        set(ccurl_set_long(handle, CURLOPT_TIMEOUT, requestTimeoutSeconds))
        set(ccurl_set_long(handle, CURLOPT_SSL_VERIFYPEER, 1))
        set(ccurl_set_long(handle, CURLOPT_SSL_VERIFYHOST, 2))
        if let caFile { set(ccurl_set_string(handle, CURLOPT_CAINFO, caFile)) }
        set(ccurl_set_pointer(handle, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer)))
        set(ccurl_set_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(list)))
        set(ccurl_set_callback(handle, CURLOPT_WRITEFUNCTION, curlWrite))
        set(ccurl_set_pointer(handle, CURLOPT_WRITEDATA, context.toOpaque()))
        set(ccurl_set_callback(handle, CURLOPT_HEADERFUNCTION, curlHeader))
        set(ccurl_set_pointer(handle, CURLOPT_HEADERDATA, context.toOpaque()))
        switch method {
        case "HEAD":
            set(ccurl_set_long(handle, CURLOPT_NOBODY, 1))
        case "GET":
            set(ccurl_set_long(handle, CURLOPT_HTTPGET, 1))
        case "DELETE":
            set(ccurl_set_string(handle, CURLOPT_CUSTOMREQUEST, "DELETE"))
        default:
            set(ccurl_set_long(handle, CURLOPT_UPLOAD, 1))
            set(ccurl_set_callback(handle, CURLOPT_READFUNCTION, curlRead))
            set(ccurl_set_pointer(handle, CURLOPT_READDATA, context.toOpaque()))
            set(ccurl_set_offset(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(body.length)))
            if method != "PUT" { set(ccurl_set_string(handle, CURLOPT_CUSTOMREQUEST, method)) }
        }
        guard ok else {
            curl_easy_cleanup(handle)
            return .failure(HTTPTransportError(kind: .other, message: "libcurl refused an option (libcurl too old?)", neverConnected: true))
        }
        let code = curl_easy_perform(handle)
        var status = 0
        var connectCode = 0
        _ = ccurl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
        _ = ccurl_get_long(handle, CURLINFO_HTTP_CONNECTCODE, &connectCode)
        // Unset pointers into this frame before the handle goes back to the pool.
        set(ccurl_set_pointer(handle, CURLOPT_ERRORBUFFER, nil))
        set(ccurl_set_pointer(handle, CURLOPT_HTTPHEADER, nil))
        giveBack(handle)
        if code != CURLE_OK {
            let detail = errorBuffer.pointee != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
            if let readError = transfer.readError { return .failure(HTTPTransportError(kind: .other, message: readError, neverConnected: false)) }
            return .failure(Self.classify(code, detail: detail))
        }
        var response = HTTPResponse(status: status, headers: transfer.headers, body: transfer.received, hashed: nil)
        if case .hash = sink { response.hashed = (transfer.hasher.hexDigest(), transfer.receivedCount) }
        return .success(response)
    }

    static func classify(_ code: CURLcode, detail: String) -> HTTPTransportError {
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return HTTPTransportError(kind: .transient, message: detail, neverConnected: true)
        case CURLE_OPERATION_TIMEDOUT, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE,
             CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_SEND_FAIL_REWIND:
            return HTTPTransportError(kind: .transient, message: detail, neverConnected: false)
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
             CURLE_SSL_CONNECT_ERROR:
            return HTTPTransportError(kind: .tls, message: detail, neverConnected: true)
        default:
            return HTTPTransportError(kind: .other, message: detail, neverConnected: false)
        }
    }
}

/// The state of one transfer, reached from libcurl's C callbacks through their context pointer.
final class CurlTransfer {
    let body: HTTPBody
    var sent = 0
    let sink: HTTPSink
    var received: [UInt8] = []
    var receivedCount = 0
    var hasher = SHA256Hasher()
    var headers: [String: String] = [:]
    var readError: String?

    init(body: HTTPBody, sink: HTTPSink) {
        self.body = body
        self.sink = sink
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        switch body {
        case .none:
            return 0
        case let .bytes(bytes):
            let n = min(buffer.count, bytes.count - sent)
            bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + sent, byteCount: n) }
            sent += n
            return n
        case let .file(fd, offset, length):
            let want = min(buffer.count, length - sent)
            if want == 0 { return 0 }
            var n: Int
            repeat { n = pread(fd, buffer.baseAddress, want, off_t(offset + sent)) } while n < 0 && errno == EINTR
            if n <= 0 {
                // The file shrank or cannot be read: abort rather than send a short body.
                readError = n == 0 ? "the local file ended early (changed while being sent?)"
                    : "cannot read the local file: \(String(cString: strerror(errno)))"
                return Int(CURL_READFUNC_ABORT)
            }
            sent += n
            return n
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) -> Int {
        receivedCount += bytes.count
        switch sink {
        case let .memory(limit):
            if received.count + bytes.count > limit { return 0 }  // aborts the transfer
            received += bytes
        case .hash:
            hasher.update(bytes)
            // The start is kept too: when the answer is an error, its XML says which.
            if received.count < 65_536 { received += bytes.prefix(65_536 - received.count) }
        }
        return bytes.count
    }

    func header(_ line: UnsafeRawBufferPointer) {
        var end = line.count
        while end > 0 && (line[end - 1] == 10 || line[end - 1] == 13) { end -= 1 }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: line[0..<end]), as: UTF8.self)
        if text.hasPrefix("HTTP/") {
            headers = [:]  // a new response (after "100 Continue")
            return
        }
        guard let colon = text.firstIndex(of: ":") else { return }
        headers[text[..<colon].lowercased()] = String(text[text.index(after: colon)...]).trimmingSpaces()
    }
}

private let curlWrite: ccurl_data_callback = { buffer, size, count, context in
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
    return transfer.write(UnsafeRawBufferPointer(start: UnsafeRawPointer(buffer), count: size * count))
}

private let curlHeader: ccurl_data_callback = { buffer, size, count, context in
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
    transfer.header(UnsafeRawBufferPointer(start: UnsafeRawPointer(buffer), count: size * count))
    return size * count
}

private let curlRead: ccurl_data_callback = { buffer, size, count, context in
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
    return transfer.read(into: UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(buffer), count: size * count))
}
