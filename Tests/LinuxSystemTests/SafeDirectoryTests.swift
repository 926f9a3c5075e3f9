import Foundation
import LinuxSystem
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct SafeDirectoryTests {
    func scratch() throws -> String {
        var template = Array("/tmp/linux-system.XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { throw POSIXError(.EIO) }
        return String(cString: made)
    }

    @Test func createsMissingDirectoriesBelowTheBase() throws {
        let base = try scratch()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let opened = try SafeDirectory.open(base: base, components: ["a", "b"], missing: .create(0o755)) != nil
        #expect(opened)
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: base + "/a/b", isDirectory: &isDirectory) && isDirectory.boolValue)
        let missing = try SafeDirectory.open(base: base, components: ["missing"], missing: .giveNil) == nil
        #expect(missing)
        #expect(throws: SystemError.self) { try SafeDirectory.open(base: base, components: ["missing"], missing: .fail) }
    }

    @Test func neverFollowsALinkBelowTheBaseUnlessTheOwnerMovesItAside() throws {
        let base = try scratch()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: base + "/secret", withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: base + "/planted", withDestinationPath: base + "/secret")
        do {
            _ = try SafeDirectory.open(base: base, components: ["planted", "x"], missing: .create(0o755))
            Issue.record("followed a planted symlink")
        } catch {
            #expect(error.code == ELOOP)
            #expect(error.description.contains("\(base)/planted"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: base + "/secret").isEmpty)
        // An owner that moves the obstacle aside gets a real directory in its place.
        let replaced = try SafeDirectory.open(base: base, components: ["planted"], missing: .create(0o755)) { parent, name, _ in
            renameat(parent, name, parent, name + ".refused") == 0
        } != nil
        #expect(replaced)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: base + "/planted.refused") == base + "/secret")
    }

    @Test func saysWhyAPathCanNeverBeADirectory() {
        #expect(SafeDirectory.notADirectoryProblem("/etc/passwd")?.contains("is a regular file") == true)
        #expect(SafeDirectory.notADirectoryProblem("/etc/passwd/x")?.contains("/etc/passwd is a regular file") == true)
        #expect(SafeDirectory.notADirectoryProblem("/tmp/nope/never") == nil)
        #expect(SafeDirectory.notADirectoryProblem("/tmp") == nil)
    }
}

@Suite struct AtomicFileTests {
    @Test func replacesTheWholeFileAndLeavesNoTemporary() throws {
        var template = Array("/tmp/linux-system.XXXXXX".utf8CString)
        let base = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
        defer { try? FileManager.default.removeItem(atPath: base) }
        let directory = try FileDescriptor.open(base, O_RDONLY | O_DIRECTORY)
        try AtomicFile.write(Array("old".utf8), to: "state.json", in: directory, directoryPath: base)
        try AtomicFile.write(Array("new content".utf8), to: "state.json", in: directory, directoryPath: base)
        #expect(try String(contentsOfFile: base + "/state.json", encoding: .utf8) == "new content")
        #expect(try FileManager.default.contentsOfDirectory(atPath: base) == ["state.json"])
    }
}

@Suite struct SyscallTests {
    @Test func aFailureNamesTheOperationThePathAndTheErrnoOfTheCall() {
        do {
            _ = try FileDescriptor.open("/nonexistent/file", O_RDONLY)
            Issue.record("opened a missing file")
        } catch {
            #expect(error.code == ENOENT)
            #expect(error.description == "cannot open /nonexistent/file: No such file or directory (errno 2)")
        }
    }

    @Test func theFlockHandoffSeesAWriterAndItsRelease() throws {
        let writer = try FileDescriptor.open("/tmp/linux-system-lock-test", O_RDWR | O_CREAT, mode: 0o600)
        defer { unlink("/tmp/linux-system-lock-test") }
        let shipper = try FileDescriptor.open("/tmp/linux-system-lock-test", O_RDONLY)
        #expect(FileLock.holdShared(writer.rawValue))
        #expect(!FileLock.isUnheld(shipper.rawValue))
        flock(writer.rawValue, LOCK_UN)
        #expect(FileLock.isUnheld(shipper.rawValue))
    }

    @Test func theWorkerPoolRunsEveryItemOnce() {
        let seen = Mutex<[Int]>([])
        WorkerPool.run(count: 1000, workers: 4, makeState: { 0 }) { count, index in
            count += 1
            seen.withLock { $0.append(index) }
        }
        #expect(seen.withLock { $0.sorted() } == Array(0..<1000))
    }
}
