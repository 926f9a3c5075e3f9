import Foundation
import LogShipCore
import Testing
@testable import LogDestinations

/// A batch of S3 puts looks for what killed runs left open once, not once per file (`S3Destination+Batch.swift`).
@Suite(.timeLimit(.minutes(10))) struct S3BatchTests {
    static func keys(_ names: [String]) -> [[String]] { names.map { ["web01", "c1", "www", "2026", "11", "30", $0] } }

    @Test func aBatchListsOpenUploadsOnceUnderItsKeysCommonBeginningAndAbortsOnlyItsOwnKeys() throws {
        let scratch = try TemporaryDirectory()
        let keys = Self.keys(["access_log.2026113013.zst", "access_log.2026113014.zst", "access_log.2026113015.zst"])
        let objects = try keys.indices.map { try S3DestinationTests.object(size: 1_000 + $0, in: scratch.path, name: "o\($0)") }
        // What killed runs left: one upload of the second key; one of a key that merely starts like it (not ours to touch).
        let listing = """
            <?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult><Bucket>scripted</Bucket>\
            <IsTruncated>false</IsTruncated>\
            <Upload><Key>\(keys[1].joined(separator: "/"))</Key><UploadId>KILLED-1</UploadId></Upload>\
            <Upload><Key>\(keys[1].joined(separator: "/")).1</Key><UploadId>NEIGHBOUR</UploadId></Upload>\
            </ListMultipartUploadsResult>
            """
        let ok = ScriptedHTTPServer.answer(200, "OK")
        // One request at a time, so the answers meet the requests in this order: the listing, put 0, abort and put 1, put 2.
        let server = try ScriptedHTTPServer([ScriptedHTTPServer.answer(200, "OK", body: listing), ok,
                                             ScriptedHTTPServer.answer(204, "No Content"), ok, ok])
        let destination = try S3Destination(
            settings: S3Settings(endpoint: "http://127.0.0.1:\(server.port)", bucket: "scripted", partSize: 5 << 20,
                                 connectTimeoutSeconds: 2, requestTimeoutSeconds: 10, maxAttempts: 1, concurrentRequests: 1),
            credentials: S3RetryTests.credentials)

        let results = destination.putMany(keys.indices.map { PutRequest(object: objects[$0], key: keys[$0], replace: false) })

        for (index, result) in results.enumerated() { #expect((try? result.get()) != nil, "put \(index): \(result)") }
        let lines = server.requestHeads.map { String($0.prefix { $0 != "\r" }) }
        let listings = lines.filter { $0.contains("uploads") }
        #expect(listings.count == 1, "\(lines)")
        #expect(listings.first?.contains("prefix=web01%2Fc1%2Fwww%2F2026%2F11%2F30%2Faccess_log.202611301") == true, "\(listings)")
        #expect(lines.filter { $0.hasPrefix("DELETE") }.count == 1, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("DELETE") && $0.contains("access_log.2026113014.zst?uploadId=KILLED-1") }, "\(lines)")
        #expect(!lines.contains { $0.contains("NEIGHBOUR") }, "\(lines)")
        #expect(lines.filter { $0.hasPrefix("PUT") }.count == 3, "\(lines)")
        #expect(lines.count == 5, "\(lines)")
    }

    @Test func killedUploadsOfABatchsKeysAreAbortedAndOthersLeftAgainstARealServer() throws {
        let scratch = try TemporaryDirectory()
        let server = try SeaweedFS.get()
        let bucket = try server.makeBucket()
        let destination = try server.destination(bucket: bucket)  // parts of 5 MiB
        let keys = Self.keys(["access_log.2026113010.zst", "access_log.2026113011.zst", "access_log.2026113012.zst"])
        let objects = [try S3DestinationTests.object(size: 11 << 20, in: scratch.path, name: "big"),
                       try S3DestinationTests.object(size: 3_000, in: scratch.path, name: "small", seed: 2),
                       try S3DestinationTests.object(size: 4_000, in: scratch.path, name: "other", seed: 3)]
        let full = keys.map { destination.client.prefixSegments + $0 }
        let killedBig = try destination.client.startUpload(full[0], firstPart: [UInt8](repeating: 7, count: 5 << 20))
        let killedSmall = try destination.client.startUpload(full[1], firstPart: [1, 2, 3])
        let neighbour = try destination.client.startUpload(full[2].dropLast() + ["access_log.2026113012.zst.1"], firstPart: [4, 5])

        let results = destination.putMany(keys.indices.map { PutRequest(object: objects[$0], key: keys[$0], replace: false) })

        for (index, result) in results.enumerated() { #expect((try? result.get()) != nil, "put \(index): \(result)") }
        let found = destination.verifyMany(keys.indices.map { VerifyRequest(key: keys[$0], expected: objects[$0]) })
        for (index, answer) in found.enumerated() { #expect((try? answer.get()) == .matches, "key \(index): \(answer)") }
        let open = try destination.client.listUploads(prefix: "") ?? []
        #expect(!open.contains { $0.uploadId == killedBig || $0.uploadId == killedSmall }, "\(open)")
        #expect(open.map(\.uploadId) == [neighbour])
    }

    @Test func theCommonBeginningEndsBetweenCharacters() {
        #expect(S3Destination.commonBeginning([]) == "")
        #expect(S3Destination.commonBeginning(["a/b/c.zst"]) == "a/b/c.zst")
        #expect(S3Destination.commonBeginning(["h/c1/www/x13", "h/c1/www/x14", "h/c1/static/x13"]) == "h/c1/")
        #expect(S3Destination.commonBeginning(["h/c1/x", "g/c1/x"]) == "")
        #expect(S3Destination.commonBeginning(["h/c1/x", "h/c1/x.1"]) == "h/c1/x")
        // é (C3 A9) and è (C3 A8) share their first byte: the beginning stops before both, never inside one.
        #expect(S3Destination.commonBeginning(["h/sité", "h/sitè"]) == "h/sit")
        #expect(Array(S3Destination.commonBeginning(["h/日本/a", "h/日本/b"]).utf8) == Array("h/日本/".utf8))
    }
}
