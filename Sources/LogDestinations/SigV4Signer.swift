import Crypto

#if canImport(Glibc)
import Glibc
#endif

/// An access key and its secret. The secret is never part of a description, a reflection or a message: only
/// the key id identifies the credentials to an operator.
public struct SigV4Credentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let accessKeyId: String
    let secretAccessKey: String
    public let sessionToken: String?

    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public var description: String { "key id \(accessKeyId)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["accessKeyId": accessKeyId], displayStyle: .struct) }
}

/// The instant a request is signed at, as SigV4 writes it (`20150830T123600Z`, scope date `20150830`).
public struct SigV4Time: Sendable, Equatable {
    public let amzDate: String
    public var dateStamp: String { String(amzDate.prefix(8)) }

    public init(amzDate: String) { self.amzDate = amzDate }

    /// Seconds since the epoch, in UTC.
    public init(epochSeconds: Int) {
        var t = time_t(epochSeconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        amzDate = "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))T\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))Z"
    }
}

/// What signing produced: the headers to send, and the intermediate texts (for tests and for diagnosing a
/// `SignatureDoesNotMatch`; none holds the secret).
public struct SigV4Signature: Sendable, Equatable {
    public let canonicalRequest: String
    public let stringToSign: String
    public let signature: String
    public let signedHeaders: String
    public let authorization: String
}

/// AWS Signature Version 4 (header form), pure: the time is given, nothing is read from the clock or the
/// environment. Paths are signed exactly as given (S3 does not normalise `.`, `..` or `//`, and a key is
/// URI-encoded once per segment, see `encodePath`); the query is canonicalised here (encoded, sorted).
public struct SigV4Signer: Sendable {
    public let credentials: SigV4Credentials
    public let region: String
    public let service: String

    public init(credentials: SigV4Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// Signs a request. `path` is the canonical (already encoded) path; `query` holds raw (not encoded)
    /// names and values; `headers` are every header to sign (at least `host` and `x-amz-date`), names in any
    /// case, values trimmed here; `payloadHash` is the hex SHA-256 of the body or `UNSIGNED-PAYLOAD`.
    public func sign(method: String, path: String, query: [(String, String)], headers: [(String, String)],
                     payloadHash: String, time: SigV4Time) -> SigV4Signature {
        let canonicalQuery = Self.canonicalQuery(query)
        var merged: [String: String] = [:]
        for (name, value) in headers {
            let key = name.lowercased()
            let trimmed = Self.trimAndCollapse(value)
            merged[key] = merged[key].map { $0 + "," + trimmed } ?? trimmed
        }
        let names = merged.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(merged[$0]!)\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let canonicalRequest = [method, path, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].joined(separator: "\n")
        let scope = "\(time.dateStamp)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", time.amzDate, scope, Self.hexSHA256(Array(canonicalRequest.utf8))].joined(separator: "\n")
        let key = signingKey(dateStamp: time.dateStamp)
        let signature = Self.hex(Self.hmac(key: key, Array(stringToSign.utf8)))
        let authorization = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyId)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return SigV4Signature(canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature,
                              signedHeaders: signedHeaders, authorization: authorization)
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
    func signingKey(dateStamp: String) -> [UInt8] {
        var key = Self.hmac(key: Array(("AWS4" + credentials.secretAccessKey).utf8), Array(dateStamp.utf8))
        key = Self.hmac(key: key, Array(region.utf8))
        key = Self.hmac(key: key, Array(service.utf8))
        return Self.hmac(key: key, Array("aws4_request".utf8))
    }

    /// `name=value` pairs, each URI-encoded, sorted by name then value, joined by `&`.
    public static func canonicalQuery(_ query: [(String, String)]) -> String {
        query.map { (uriEncode($0.0), uriEncode($0.1)) }
            .sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    /// An object path: each segment URI-encoded once, `/` kept (`/bucket/web01/a b.zst` → `/bucket/web01/a%20b.zst`).
    public static func encodePath(_ segments: [String]) -> String {
        "/" + segments.map { uriEncode($0) }.joined(separator: "/")
    }

    /// RFC 3986 encoding as SigV4 wants it: unreserved bytes (`A-Z a-z 0-9 - _ . ~`) kept, every other byte
    /// of the UTF-8 as `%XY` with upper-case hex.
    public static func uriEncode(_ text: String) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for b in text.utf8 {
            let unreserved = (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || (b >= 48 && b <= 57) || b == 45 || b == 95 || b == 46 || b == 126
            if unreserved {
                out.append(b)
            } else {
                out += [37, digits[Int(b >> 4)], digits[Int(b & 15)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func trimAndCollapse(_ value: String) -> String {
        var out: [UInt8] = []
        var pendingSpace = false
        for b in value.utf8 {
            if b == 32 || b == 9 {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(32) }
                pendingSpace = false
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hmac(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    public static func hexSHA256(_ bytes: [UInt8]) -> String { hex(Array(SHA256.hash(data: bytes))) }

    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out += [digits[Int(b >> 4)], digits[Int(b & 15)]] }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of a hex string (nil when it is not hex).
    public static func bytes(hex: String) -> [UInt8]? {
        let text = Array(hex.utf8)
        guard text.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 2)
        var i = 0
        while i < text.count {
            guard let hi = value(text[i]), let lo = value(text[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}

/// Base64 (RFC 4648, with padding), for S3's checksum headers.
public enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 3) << 4 | b1 >> 4)])
            out.append(i + 1 < bytes.count ? alphabet[Int((b1 & 15) << 2 | b2 >> 6)] : 61)
            out.append(i + 2 < bytes.count ? alphabet[Int(b2 & 63)] : 61)
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Nil when `text` is not padded base64.
    public static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < chars.count {
            var values: [UInt8] = []
            var padding = 0
            for c in chars[i..<i + 4] {
                if c == 61 { padding += 1; values.append(0); continue }
                guard padding == 0, let v = alphabet.firstIndex(of: c) else { return nil }
                values.append(UInt8(v))
            }
            guard padding <= 2, padding == 0 || i + 4 == chars.count else { return nil }
            out.append(values[0] << 2 | values[1] >> 4)
            if padding < 2 { out.append(values[1] << 4 | values[2] >> 2) }
            if padding < 1 { out.append(values[2] << 6 | values[3]) }
            i += 4
        }
        return out
    }
}
