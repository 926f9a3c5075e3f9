import LogDestinations
import Testing

/// SigV4 against published vectors, written out literally:
/// - AWS's SigV4 test suite (as shipped in awslabs/aws-c-auth tests/aws-signing-test-suite/v4/<name>/
///   header-canonical-request.txt, header-string-to-sign.txt, header-signature.txt): AKIDEXAMPLE,
///   us-east-1, service "service", 20150830T123600Z. The `-unnormalized` cases are the ones S3 follows (S3 never
///   normalises a path).
/// - S3's own examples from "Signature Calculations for the Authorization Header" (examplebucket, 20130524T000000Z).
@Suite struct SigV4SignerTests {
    static let suiteSigner = SigV4Signer(
        credentials: SigV4Credentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1", service: "service")
    static let suiteTime = SigV4Time(amzDate: "20150830T123600Z")
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    static let suiteHeaders = [("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")]

    struct Vector: Sendable, CustomTestStringConvertible {
        let name: String
        let method: String
        let path: String
        let query: [(String, String)]
        let canonicalRequest: String
        let stringToSignHash: String
        let signature: String
        var testDescription: String { name }
    }

    static func plainGet(_ name: String, path: String, canonicalPath: String, query: [(String, String)] = [], canonicalQuery: String = "",
                         stringToSignHash: String, signature: String) -> Vector {
        Vector(name: name, method: "GET", path: path, query: query, canonicalRequest: """
            GET
            \(canonicalPath)
            \(canonicalQuery)
            host:example.amazonaws.com
            x-amz-date:20150830T123600Z

            host;x-amz-date
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """, stringToSignHash: stringToSignHash, signature: signature)
    }

    static let vectors: [Vector] = [
        plainGet("get-vanilla", path: "/", canonicalPath: "/",
                 stringToSignHash: "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
                 signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        plainGet("get-vanilla-query-order-key-case", path: "/", canonicalPath: "/",
                 query: [("Param2", "value2"), ("Param1", "value1")], canonicalQuery: "Param1=value1&Param2=value2",
                 stringToSignHash: "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
                 signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        plainGet("get-unreserved", path: SigV4Signer.encodePath(["-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"]),
                 canonicalPath: "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                 stringToSignHash: "6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9",
                 signature: "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"),
        plainGet("get-utf8", path: SigV4Signer.encodePath(["\u{1234}"]), canonicalPath: "/%E1%88%B4",
                 stringToSignHash: "2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102",
                 signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
        plainGet("get-space-unnormalized", path: SigV4Signer.encodePath(["example space", ""]), canonicalPath: "/example%20space/",
                 stringToSignHash: "63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86",
                 signature: "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"),
        plainGet("get-slash-dot-slash-unnormalized", path: SigV4Signer.encodePath([".", ""]), canonicalPath: "/./",
                 stringToSignHash: "d67825e2268bd77a97c7688b8d72c31a3c1855b309808505ba0a9747d2465aa7",
                 signature: "68714168e6557f8f2de0ef956fc24dc2593a4bd2961f8df51898d8a134695145"),
        plainGet("get-relative-relative-unnormalized", path: SigV4Signer.encodePath(["example1", "example2", "..", ".."]),
                 canonicalPath: "/example1/example2/../..",
                 stringToSignHash: "76115030c0f3ff06c20fdff5ceb6d5e0b835a1743e00b94fea7c7f381269437b",
                 signature: "dc33e0856fd4baca4d7aa2146c38958283844764f38c74252a333df5e613003b"),
        plainGet("get-slashes-unnormalized", path: SigV4Signer.encodePath(["", "example", "", ""]), canonicalPath: "//example//",
                 stringToSignHash: "528ec3105ee1f34ab014bb0a1a45da0ed2742a4fea3555149e5b4d5d201eb240",
                 signature: "87cca117541a147f6df867677d98a7d80dff226d2bfca9e4ffa899665623c7e5"),
    ]

    @Test(arguments: vectors)
    func awsTestSuite(_ vector: Vector) {
        #expect(vector.path == vector.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)[1])
        let signed = Self.suiteSigner.sign(method: vector.method, path: vector.path, query: vector.query, headers: Self.suiteHeaders,
                                           payloadHash: Self.emptyHash, time: Self.suiteTime)
        #expect(signed.canonicalRequest == vector.canonicalRequest)
        #expect(signed.stringToSign == """
            AWS4-HMAC-SHA256
            20150830T123600Z
            20150830/us-east-1/service/aws4_request
            \(vector.stringToSignHash)
            """)
        #expect(signed.signature == vector.signature)
        #expect(signed.authorization == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            + "SignedHeaders=host;x-amz-date, Signature=\(vector.signature)")
    }

    /// post-x-www-form-urlencoded (aws-c-auth's version signs the body hash and the content headers).
    @Test func awsTestSuitePostFormURLEncoded() {
        let bodyHash = SigV4Signer.hexSHA256(Array("Param1=value1".utf8))
        #expect(bodyHash == "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e")
        let signed = Self.suiteSigner.sign(
            method: "POST", path: "/", query: [],
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Host", "example.amazonaws.com"), ("Content-Length", "13"),
                      ("x-amz-content-sha256", bodyHash), ("X-Amz-Date", "20150830T123600Z")],
            payloadHash: bodyHash, time: Self.suiteTime)
        #expect(signed.canonicalRequest == """
            POST
            /

            content-length:13
            content-type:application/x-www-form-urlencoded
            host:example.amazonaws.com
            x-amz-content-sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e
            x-amz-date:20150830T123600Z

            content-length;content-type;host;x-amz-content-sha256;x-amz-date
            9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e
            """)
        #expect(signed.stringToSign.hasSuffix("\nb1edd1d03544c25390e32085d55b57acc9a3961bb59415ff86c45c3d89d16cfb"))
        #expect(signed.signature == "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b")
    }

    static let s3Signer = SigV4Signer(
        credentials: SigV4Credentials(accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1", service: "s3")
    static let s3Time = SigV4Time(amzDate: "20130524T000000Z")

    /// S3 docs, "Example: GET Object": the first ten bytes of test.txt from examplebucket.
    @Test func s3GetObjectExample() {
        let signed = Self.s3Signer.sign(
            method: "GET", path: SigV4Signer.encodePath(["test.txt"]), query: [],
            headers: [("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9"),
                      ("x-amz-content-sha256", Self.emptyHash), ("x-amz-date", "20130524T000000Z")],
            payloadHash: Self.emptyHash, time: Self.s3Time)
        #expect(signed.canonicalRequest == """
            GET
            /test.txt

            host:examplebucket.s3.amazonaws.com
            range:bytes=0-9
            x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            x-amz-date:20130524T000000Z

            host;range;x-amz-content-sha256;x-amz-date
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        #expect(signed.stringToSign == """
            AWS4-HMAC-SHA256
            20130524T000000Z
            20130524/us-east-1/s3/aws4_request
            7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
            """)
        #expect(signed.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(signed.authorization == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    /// S3 docs, "Example: PUT Object": a key with '$' is encoded once (`test%24file.text`).
    @Test func s3PutObjectExample() {
        let bodyHash = SigV4Signer.hexSHA256(Array("Welcome to Amazon S3.".utf8))
        #expect(bodyHash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let signed = Self.s3Signer.sign(
            method: "PUT", path: SigV4Signer.encodePath(["test$file.text"]), query: [],
            headers: [("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("Host", "examplebucket.s3.amazonaws.com"),
                      ("x-amz-content-sha256", bodyHash), ("x-amz-date", "20130524T000000Z"), ("x-amz-storage-class", "REDUCED_REDUNDANCY")],
            payloadHash: bodyHash, time: Self.s3Time)
        #expect(signed.canonicalRequest.hasPrefix("PUT\n/test%24file.text\n\n"))
        #expect(signed.stringToSign.hasSuffix("\n9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d"))
        #expect(signed.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    /// S3 docs, "Example: GET Bucket Lifecycle" (a subresource without a value signs as `lifecycle=`) and
    /// "Example: Get Bucket (List Objects)" (`max-keys=2&prefix=J`).
    @Test func s3QueryExamples() {
        let headers = [("Host", "examplebucket.s3.amazonaws.com"), ("x-amz-content-sha256", Self.emptyHash), ("x-amz-date", "20130524T000000Z")]
        let lifecycle = Self.s3Signer.sign(method: "GET", path: "/", query: [("lifecycle", "")], headers: headers,
                                           payloadHash: Self.emptyHash, time: Self.s3Time)
        #expect(lifecycle.canonicalRequest.hasPrefix("GET\n/\nlifecycle=\nhost:examplebucket.s3.amazonaws.com\n"))
        #expect(lifecycle.signature == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
        let list = Self.s3Signer.sign(method: "GET", path: "/", query: [("prefix", "J"), ("max-keys", "2")], headers: headers,
                                      payloadHash: Self.emptyHash, time: Self.s3Time)
        #expect(list.canonicalRequest.hasPrefix("GET\n/\nmax-keys=2&prefix=J\n"))
        #expect(list.signature == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    /// A key is encoded once per segment: '/' separates, nothing is double-encoded, '%' itself is encoded.
    @Test func keysAreEncodedOncePerSegment() {
        #expect(SigV4Signer.encodePath(["bucket", "web01", "a b+c%2F.zst"]) == "/bucket/web01/a%20b%2Bc%252F.zst")
        #expect(SigV4Signer.encodePath(["www.example.com", "access_log.2026113014.zst"]) == "/www.example.com/access_log.2026113014.zst")
        #expect(SigV4Signer.canonicalQuery([("uploads", "")]) == "uploads=")
        #expect(SigV4Signer.canonicalQuery([("prefix", "a/b c"), ("b", "2"), ("B", "1")]) == "B=1&b=2&prefix=a%2Fb%20c")
    }

    @Test func theClockIsFormattedInUTC() {
        #expect(SigV4Time(epochSeconds: 1_440_938_160).amzDate == "20150830T123600Z")
        #expect(SigV4Time(epochSeconds: 1_369_353_600).amzDate == "20130524T000000Z")
        #expect(SigV4Time(epochSeconds: 1_369_353_600).dateStamp == "20130524")
    }

    @Test func base64RoundTrips() {
        for n in 0..<40 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
        #expect(Base64.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(Base64.encode(Array("fo".utf8)) == "Zm8=")
        #expect(Base64.decode("Zm9vYg==") == Array("foob".utf8))
        #expect(Base64.decode("Zm9v!mFy") == nil)
    }

    /// The secret appears in no description, debug description or reflection of the credentials or signature.
    @Test func theSecretIsNeverPrinted() {
        let credentials = SigV4Credentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                           sessionToken: "token")
        var dumped = ""
        dump(credentials, to: &dumped)
        for text in ["\(credentials)", String(reflecting: credentials), dumped, "\(Self.suiteSigner)"] {
            #expect(!text.contains("wJalrXUtnFEMI"), "\(text)")
        }
        let signed = Self.suiteSigner.sign(method: "GET", path: "/", query: [], headers: Self.suiteHeaders, payloadHash: Self.emptyHash,
                                           time: Self.suiteTime)
        #expect(![signed.canonicalRequest, signed.stringToSign, signed.authorization].contains { $0.contains("wJalrXUtnFEMI") })
    }
}
