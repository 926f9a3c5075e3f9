import Foundation
import LogDestinations
import LogShipCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A backend as the conformance suite drives it: the destination, plus what only the backend knows how to do
/// from outside (damage a stored copy, list temporary data, leave what a killed put would leave).
protocol BackendUnderTest: Sendable {
    var destination: any Destination { get }
    /// Changes one byte of the object stored under `key`, behind the destination's back.
    func damage(key: [String]) throws
    /// Temporary data a put may leave (partial uploads, temporary names).
    func leftovers() throws -> [String]
    /// Leaves exactly what a put of `key` killed half-way leaves.
    func leaveInterruptedPut(key: [String], partialBytes: [UInt8]) throws
}

/// Every backend in the list must pass every rule of `Destination`. Directory today; S3 and rsync join here.
enum Backends {
    static let all: [String] = ["directory", "s3", "rsync"]

    static func make(_ name: String, scratch: String) throws -> any BackendUnderTest {
        switch name {
        case "directory": return try DirectoryBackend(scratch: scratch)
        case "s3": return try S3Backend(scratch: scratch)
        case "rsync": return try RsyncBackend(scratch: scratch)
        default: throw POSIXError(.EINVAL)
        }
    }
}

@Suite struct DestinationConformanceTests {
    /// A local object with `text` in a scratch file.
    static func object(_ text: String, in scratch: String, name: String) throws -> LocalObject {
        let path = scratch + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        var hasher = SHA256Hasher()
        hasher.update(Array(text.utf8))
        return LocalObject(path: path, size: text.utf8.count, sha256: hasher.hexDigest())
    }

    static let key = ["web01", "c1", "www", "2026", "11", "30", "access_log.2026113014.zst"]

    @Test(arguments: Backends.all)
    func aPutIsVerifiedAndLeavesNothingTemporary(backend name: String) throws {
        let scratch = try TemporaryDirectory()
        let backend = try Backends.make(name, scratch: scratch.path)
        let a = try Self.object(String(repeating: "line a\n", count: 5000), in: scratch.path, name: "a")
        #expect(try backend.destination.verify(key: Self.key, expected: a) == .missing)
        try backend.destination.put(a, key: Self.key, replace: false)
        #expect(try backend.destination.verify(key: Self.key, expected: a) == .matches)
        #expect(try backend.leftovers().isEmpty)
    }

    @Test(arguments: Backends.all)
    func aPutNeverOverwritesUnlessAskedTo(backend name: String) throws {
        let scratch = try TemporaryDirectory()
        let backend = try Backends.make(name, scratch: scratch.path)
        let a = try Self.object("first copy\n", in: scratch.path, name: "a")
        let b = try Self.object("other content\n", in: scratch.path, name: "b")
        try backend.destination.put(a, key: Self.key, replace: false)
        #expect(throws: DestinationError.self) { try backend.destination.put(b, key: Self.key, replace: false) }
        #expect(try backend.destination.verify(key: Self.key, expected: a) == .matches)
        if case .differs = try backend.destination.verify(key: Self.key, expected: b) {} else {
            Issue.record("other content reported as the stored copy")
        }
        try backend.destination.put(b, key: Self.key, replace: true)
        #expect(try backend.destination.verify(key: Self.key, expected: b) == .matches)
        #expect(try backend.leftovers().isEmpty)
    }

    @Test(arguments: Backends.all)
    func verifyCatchesACopyDamagedAfterWriting(backend name: String) throws {
        let scratch = try TemporaryDirectory()
        let backend = try Backends.make(name, scratch: scratch.path)
        let a = try Self.object(String(repeating: "0123456789", count: 1000), in: scratch.path, name: "a")
        try backend.destination.put(a, key: Self.key, replace: false)
        try backend.damage(key: Self.key)
        guard case let .differs(seen) = try backend.destination.verify(key: Self.key, expected: a) else {
            Issue.record("a damaged copy passed verification")
            return
        }
        #expect(seen.contains("sha256") && !seen.contains(a.sha256))
    }

    /// A put killed half-way (the crash loop in EndToEndTests lands real kills there): nothing is visible
    /// under the key, and the next put of the same key cleans up what the killed one left.
    @Test(arguments: Backends.all)
    func anInterruptedPutIsInvisibleAndCleanedUpByTheNext(backend name: String) throws {
        let scratch = try TemporaryDirectory()
        let backend = try Backends.make(name, scratch: scratch.path)
        let a = try Self.object(String(repeating: "x", count: 100_000), in: scratch.path, name: "a")
        try backend.leaveInterruptedPut(key: Self.key, partialBytes: Array(repeating: UInt8(ascii: "x"), count: 4096))
        #expect(try backend.destination.verify(key: Self.key, expected: a) == .missing)
        #expect(try !backend.leftovers().isEmpty, "the simulated interrupted put left nothing to clean")
        try backend.destination.put(a, key: Self.key, replace: false)
        #expect(try backend.destination.verify(key: Self.key, expected: a) == .matches)
        #expect(try backend.leftovers().isEmpty)
    }

    @Test(arguments: Backends.all)
    func anUnavailableDestinationSaysSoBeforeAnything(backend name: String) throws {
        let scratch = try TemporaryDirectory()
        let backend = try Backends.make(name, scratch: scratch.path)
        try backend.destination.checkAvailable()
    }
}

/// A fresh directory under /tmp, removed when the test is done with it.
final class TemporaryDirectory: Sendable {
    let path: String
    init() throws {
        var template = Array("/tmp/logdump-destination.XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { throw POSIXError(.EIO) }
        path = String(cString: made)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Changes the byte in the middle of a file the test can reach on disk (a directory copy, the rsync host's copy).
func flipMiddleByte(ofFileAt path: String) throws {
    let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
    let size = try handle.seekToEnd()
    try handle.seek(toOffset: size / 2)
    let byte = try handle.read(upToCount: 1)!
    try handle.seek(toOffset: size / 2)
    try handle.write(contentsOf: Data([byte[0] ^ 0xFF]))
    try handle.close()
}
