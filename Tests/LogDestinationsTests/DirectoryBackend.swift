import Foundation
import LogDestinations
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The directory destination under the conformance suite, and what is true of it alone.
struct DirectoryBackend: BackendUnderTest {
    let root: String
    let destination: any Destination

    init(scratch: String) throws {
        root = scratch + "/archive"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
        destination = try DestinationFactory.make(.directory(path: root))
    }

    func path(_ key: [String]) -> String { root + "/" + key.joined(separator: "/") }

    func damage(key: [String]) throws {
        try flipMiddleByte(ofFileAt: path(key))
    }

    func leftovers() throws -> [String] {
        (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".logdump-tmp") }
    }

    func leaveInterruptedPut(key: [String], partialBytes: [UInt8]) throws {
        let directory = root + "/" + key.dropLast().joined(separator: "/")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(partialBytes).write(to: URL(fileURLWithPath: directory + "/" + DirectoryDestination.temporaryName(key.last!)))
    }
}

@Suite struct DirectoryDestinationTests {
    @Test func aMissingDirectoryIsUnavailableAndNeverCreated() throws {
        let scratch = try TemporaryDirectory()
        let destination = DirectoryDestination(root: scratch.path + "/not-mounted")
        #expect(throws: DestinationError.self) { try destination.checkAvailable() }
        do {
            try destination.checkAvailable()
        } catch {
            #expect(error.description.contains("is the share mounted?"))
        }
        #expect(access(scratch.path + "/not-mounted", F_OK) != 0)
    }

    @Test func aSymlinkPlantedInTheKeyPathIsNeverFollowed() throws {
        let scratch = try TemporaryDirectory()
        let backend = try DirectoryBackend(scratch: scratch.path)
        let elsewhere = scratch.path + "/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: backend.root + "/web01", withDestinationPath: elsewhere)
        let object = try DestinationConformanceTests.object("data\n", in: scratch.path, name: "a")
        #expect(throws: DestinationError.self) {
            try backend.destination.put(object, key: ["web01", "x.zst"], replace: false)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere).isEmpty)
    }
}
