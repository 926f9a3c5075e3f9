import Foundation
@testable import LogDestinations
import LogShipCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The rsync destination under the conformance suite: a private sshd on loopback, the remote root a local
/// directory the test account owns (so the test can damage and inspect it behind the destination's back).
struct RsyncBackend: BackendUnderTest {
    let server: RsyncTestServer
    let root: String
    let controlDirectory: String
    let destination: any Destination

    init(scratch: String, rootName: String = "central") throws {
        server = try RsyncTestServer(scratch: scratch)
        root = scratch + "/" + rootName
        controlDirectory = scratch + "/state"
        try server.makeRemoteRoot(root)
        destination = try DestinationFactory.make(.rsync(server.settings(path: root, controlDirectory: controlDirectory)))
    }

    func path(_ key: [String]) -> String { root + "/" + key.joined(separator: "/") }

    func damage(key: [String]) throws {
        try flipMiddleByte(ofFileAt: path(key))
    }

    func leftovers() throws -> [String] {
        (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".logdump-tmp") }
    }

    /// What rsync --inplace killed half-way leaves: the first bytes under the temporary name, owned by the account.
    func leaveInterruptedPut(key: [String], partialBytes: [UInt8]) throws {
        var directory = root
        for component in key.dropLast() {
            directory += "/" + component
            if !FileManager.default.fileExists(atPath: directory) {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
                try server.giveToUser(directory)
            }
        }
        let temporary = directory + "/" + RsyncDestination.temporaryName(key.last!)
        try Data(partialBytes).write(to: URL(fileURLWithPath: temporary))
        try server.giveToUser(temporary)
    }
}

/// A scratch object of `size` bytes: random (incompressible, as compressed logs are), or sparse zeros when
/// only its size matters (the hash is then not computed).
func rsyncTestObject(in scratch: String, name: String, size: Int, sparse: Bool = false) throws -> LocalObject {
    let path = scratch + "/" + name
    if sparse {
        guard FileManager.default.createFile(atPath: path, contents: nil) else { throw RsyncTestFailure("create \(path)") }
        guard truncate(path, off_t(size)) == 0 else { throw RsyncTestFailure("truncate \(path)") }
        return LocalObject(path: path, size: size, sha256: String(repeating: "0", count: 64))
    }
    var generator = SystemRandomNumberGenerator()
    let bytes = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    var hasher = SHA256Hasher()
    hasher.update(bytes)
    return LocalObject(path: path, size: size, sha256: hasher.hexDigest())
}

/// What is true of the rsync destination alone: its host key and login are checked, its failures are named,
/// and a run uses one ssh connection.
@Suite struct RsyncDestinationTests {
    static let key = ["web01", "c1", "www", "2026", "11", "30", "access_log.2026113014.zst"]

    func everythingUnder(_ root: String) -> [String] {
        FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []
    }

    @Test(.timeLimit(.minutes(10)))
    func aChangedHostKeyIsMisconfiguredAndNothingIsWritten() throws {
        let scratch = try TemporaryDirectory()
        let server = try RsyncTestServer(scratch: scratch.path)
        let root = scratch.path + "/central"
        try server.makeRemoteRoot(root)
        let destination = try DestinationFactory.make(.rsync(server.settings(
            path: root, controlDirectory: scratch.path + "/state", knownHosts: server.otherKnownHosts)))
        do {
            try destination.checkAvailable()
            Issue.record("a host with another key than known_hosts' was accepted")
        } catch {
            guard case let .misconfigured(message) = error else { Issue.record("not .misconfigured: \(error)"); return }
            #expect(message.contains("host key") && message.contains("CHANGED"), "\(message)")
            #expect(message.contains("\(server.user)@127.0.0.1:\(server.port)"), "\(message)")
            #expect(message.contains("ssh-keyscan -p \(server.port) 127.0.0.1"), "\(message)")
        }
        let object = try rsyncTestObject(in: scratch.path, name: "a", size: 1000)
        #expect(throws: DestinationError.self) { try destination.put(object, key: Self.key, replace: false) }
        #expect(everythingUnder(root).isEmpty)
        #expect(try server.acceptedConnections() == 0)
    }

    @Test(.timeLimit(.minutes(10)))
    func anUnknownHostKeyIsMisconfiguredWithWhatToDo() throws {
        let scratch = try TemporaryDirectory()
        let server = try RsyncTestServer(scratch: scratch.path)
        let empty = scratch.path + "/empty_known_hosts"
        FileManager.default.createFile(atPath: empty, contents: Data())
        let destination = try DestinationFactory.make(.rsync(server.settings(
            path: scratch.path, controlDirectory: scratch.path + "/state", knownHosts: empty)))
        #expect {
            try destination.checkAvailable()
        } throws: { error in
            guard case let .misconfigured(message) = error as? DestinationError else { return false }
            return message.contains("is not in \(empty)") && message.contains("ssh-keyscan") && message.contains("fingerprint")
        }
    }

    @Test(.timeLimit(.minutes(10)))
    func aKeyTheHostRefusesIsMisconfigured() throws {
        let scratch = try TemporaryDirectory()
        let server = try RsyncTestServer(scratch: scratch.path)
        let destination = try DestinationFactory.make(.rsync(server.settings(
            path: scratch.path, controlDirectory: scratch.path + "/state", identityFile: server.unauthorizedKey)))
        #expect {
            try destination.checkAvailable()
        } throws: { error in
            guard case let .misconfigured(message) = error as? DestinationError else { return false }
            return message.contains("Permission denied") && message.contains("authorized_keys") && message.contains("127.0.0.1:\(server.port)")
        }
    }

    @Test(.timeLimit(.minutes(10)))
    func aMissingKeyOrKnownHostsFileIsMisconfigured() throws {
        let scratch = try TemporaryDirectory()
        let server = try RsyncTestServer(scratch: scratch.path)
        let noKey = try DestinationFactory.make(.rsync(server.settings(
            path: scratch.path, controlDirectory: scratch.path + "/state", identityFile: scratch.path + "/no-such-key")))
        #expect {
            try noKey.checkAvailable()
        } throws: { error in
            guard case let .misconfigured(message) = error as? DestinationError else { return false }
            return message.contains("identity_file \(scratch.path)/no-such-key cannot be read")
        }
        let noKnownHosts = try DestinationFactory.make(.rsync(server.settings(
            path: scratch.path, controlDirectory: scratch.path + "/state", knownHosts: scratch.path + "/no-such-file")))
        #expect {
            try noKnownHosts.checkAvailable()
        } throws: { error in
            guard case let .misconfigured(message) = error as? DestinationError else { return false }
            return message.contains("known_hosts \(scratch.path)/no-such-file cannot be read") && message.contains("ssh-keyscan")
        }
        #expect(try server.acceptedConnections() == 0)
    }

    @Test(.timeLimit(.minutes(10)))
    func aHostNotListeningIsUnavailable() throws {
        let scratch = try TemporaryDirectory()
        let server = try RsyncTestServer(scratch: scratch.path)
        server.stop()
        let destination = try DestinationFactory.make(.rsync(server.settings(path: scratch.path, controlDirectory: scratch.path + "/state")))
        #expect {
            try destination.checkAvailable()
        } throws: { error in
            guard case let .unavailable(message) = error as? DestinationError else { return false }
            return message.contains("cannot reach") && message.contains("Connection refused")
        }
    }

    /// A host that takes the connection and never speaks (a hung sshd, a firewall's tarpit): unavailable after
    /// connect_timeout, not a hang.
    @Test(.timeLimit(.minutes(10)))
    func aHostThatNeverAnswersIsUnavailableAfterTheConnectTimeout() throws {
        let scratch = try TemporaryDirectory()
        let server = try RsyncTestServer(scratch: scratch.path)
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(listener >= 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(bound == 0 && listen(listener, 8) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        let silentPort = Int(UInt16(bigEndian: address.sin_port))
        var settings = server.settings(path: scratch.path, controlDirectory: scratch.path + "/state", port: silentPort)
        settings.connectTimeoutSeconds = 2
        let destination = try DestinationFactory.make(.rsync(settings))
        let started = RsyncRunner.monotonicSeconds()
        #expect {
            try destination.checkAvailable()
        } throws: { error in
            guard case let .unavailable(message) = error as? DestinationError else { return false }
            return message.contains("cannot reach") && message.contains("timed out") && message.contains(":\(silentPort)")
        }
        #expect(RsyncRunner.monotonicSeconds() - started < 15)
    }

    @Test(.timeLimit(.minutes(10)))
    func aMissingOrReadOnlyRemotePathIsUnavailableAndNeverCreated() throws {
        let scratch = try TemporaryDirectory()
        let server = try RsyncTestServer(scratch: scratch.path)
        let missing = scratch.path + "/not-mounted"
        let destination = try DestinationFactory.make(.rsync(server.settings(path: missing, controlDirectory: scratch.path + "/state")))
        #expect {
            try destination.checkAvailable()
        } throws: { error in
            guard case let .unavailable(message) = error as? DestinationError else { return false }
            return message.contains(missing) && message.contains("is not there")
        }
        let object = try rsyncTestObject(in: scratch.path, name: "a", size: 100)
        #expect(throws: DestinationError.self) { try destination.put(object, key: Self.key, replace: false) }
        #expect(access(missing, F_OK) != 0, "the destination directory was created")

        let readOnly = scratch.path + "/root-owned"
        try FileManager.default.createDirectory(atPath: readOnly, withIntermediateDirectories: false)
        let other = try DestinationFactory.make(.rsync(server.settings(path: readOnly, controlDirectory: scratch.path + "/state2")))
        #expect {
            try other.checkAvailable()
        } throws: { error in
            guard case let .unavailable(message) = error as? DestinationError else { return false }
            return message.contains(readOnly) && message.contains("not writable")
        }
    }

    /// The central host's disk fills during a put: a clear message, no partial object under the key, the
    /// temporary removed, earlier copies untouched.
    @Test(.timeLimit(.minutes(10)))
    func aFullRemoteDiskFailsThePutCleanly() throws {
        let scratch = try TemporaryDirectory()
        let server = try RsyncTestServer(scratch: scratch.path)
        let root = try server.smallRemoteDisk(in: scratch.path)
        defer { server.unmount(root) }
        let destination = try DestinationFactory.make(.rsync(server.settings(path: root, controlDirectory: scratch.path + "/state")))
        try destination.checkAvailable()

        let fits = try rsyncTestObject(in: scratch.path, name: "fits", size: 100_000)
        let first = ["web01", "fits.zst"]
        try destination.put(fits, key: first, replace: false)
        #expect(try destination.verify(key: first, expected: fits) == .matches)

        let tooBig = try rsyncTestObject(in: scratch.path, name: "big", size: 200_000)
        do {
            try destination.put(tooBig, key: Self.key, replace: false)
            Issue.record("a put larger than the free space succeeded")
        } catch {
            guard case let .failed(message) = error else { Issue.record("not .failed: \(error)"); return }
            #expect(message.contains("is full") && message.contains("No space left on device"), "\(message)")
            #expect(message.contains("original kept"), "\(message)")
            #expect(message.split(separator: "\n").count == 1 && message.count < 900, "\(message)")
        }
        #expect(try destination.verify(key: Self.key, expected: tooBig) == .missing)
        #expect(everythingUnder(root).filter { $0.hasSuffix(".logdump-tmp") }.isEmpty, "\(everythingUnder(root))")
        #expect(try destination.verify(key: first, expected: fits) == .matches)
        #expect(access(tooBig.path, F_OK) == 0)
    }

    /// Several puts and verifies, from two threads at once, over one ssh connection; the master ends when
    /// the destination is released.
    @Test(.timeLimit(.minutes(10)))
    func oneSSHConnectionCarriesEveryFileOfARun() throws {
        let scratch = try TemporaryDirectory()
        let server = try RsyncTestServer(scratch: scratch.path)
        let root = scratch.path + "/central"
        try server.makeRemoteRoot(root)
        let controlDirectory = scratch.path + "/state"
        let files = 8
        let objects = try (0..<files).map { try rsyncTestObject(in: scratch.path, name: "o\($0)", size: 20_000 + $0) }
        do {
            let destination = try DestinationFactory.make(.rsync(server.settings(path: root, controlDirectory: controlDirectory)))
            try destination.checkAvailable()
            let failures = LockedList()
            DispatchQueue.concurrentPerform(iterations: files) { i in
                let key = ["web01", "c\(i % 3)", "access_log.20261130\(String(format: "%02d", i)).zst"]
                do {
                    #expect(try destination.verify(key: key, expected: objects[i]) == .missing)
                    try destination.put(objects[i], key: key, replace: false)
                    #expect(try destination.verify(key: key, expected: objects[i]) == .matches)
                } catch {
                    failures.append("\(error)")
                }
            }
            #expect(failures.items.isEmpty, "\(failures.items)")
            let handshakes = try server.acceptedConnections()
            #expect(handshakes == 1, "ssh handshakes for \(files) files: \(handshakes)")
            let sockets = everythingUnder(controlDirectory).filter { $0.hasPrefix("ssh-") }
            #expect(sockets.count == 1, "control sockets: \(sockets)")
            #expect(access(controlDirectory, F_OK) == 0)
            var info = stat()
            #expect(stat(controlDirectory, &info) == 0 && info.st_mode & 0o077 == 0, "the control directory is not private")
        }
        // Released: the master was asked to stop, and goes.
        var waited = 0
        while !everythingUnder(controlDirectory).filter({ $0.hasPrefix("ssh-") }).isEmpty && waited < 100 {
            usleep(50_000)
            waited += 1
        }
        #expect(everythingUnder(controlDirectory).filter { $0.hasPrefix("ssh-") }.isEmpty, "the ssh master outlived the destination")
        #expect(try server.acceptedConnections() == 1)
    }

    /// The host goes away while a file is on its way: the put fails with a message, nothing is under the key,
    /// the local file is untouched.
    @Test(.timeLimit(.minutes(10)))
    func aHostGoingAwayMidTransferFailsThePut() throws {
        let scratch = try TemporaryDirectory()
        let server = try RsyncTestServer(scratch: scratch.path)
        let root = scratch.path + "/central"
        try server.makeRemoteRoot(root)
        let destination = try DestinationFactory.make(.rsync(server.settings(path: root, controlDirectory: scratch.path + "/state")))
        try destination.checkAvailable()
        let big = try rsyncTestObject(in: scratch.path, name: "big", size: 1 << 30, sparse: true)
        let key = ["web01", "big.zst"]
        let temporary = root + "/web01/" + RsyncDestination.temporaryName("big.zst")
        let outcome = LockedList()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            do {
                try destination.put(big, key: key, replace: false)
                outcome.append("succeeded")
            } catch {
                outcome.append("\(error)")
            }
            done.signal()
        }
        // Wait until bytes arrive, then take the host away.
        var info = stat()
        var waited = 0
        while !(stat(temporary, &info) == 0 && info.st_size > 0) && waited < 20_000 {
            usleep(1_000)
            waited += 1
        }
        #expect(stat(temporary, &info) == 0 && info.st_size < big.size, "the transfer was not caught in flight")
        server.stop()
        done.wait()
        let message = outcome.items.first ?? ""
        #expect(message != "succeeded")
        #expect(message.contains("127.0.0.1:\(server.port)") && message.split(separator: "\n").count == 1, "\(message)")
        #expect(access(root + "/web01/big.zst", F_OK) != 0, "something is under the key")
        #expect(access(big.path, F_OK) == 0)
        #expect(throws: DestinationError.self) { _ = try destination.verify(key: key, expected: big) }
    }

    /// Remote paths are quoted for the remote shell: a root with a space and a quote, key components that
    /// look like options.
    @Test(.timeLimit(.minutes(10)))
    func awkwardRootsAndKeysAreQuoted() throws {
        let scratch = try TemporaryDirectory()
        let backend = try RsyncBackend(scratch: scratch.path, rootName: "central it's $(touch pwned)")
        let object = try rsyncTestObject(in: scratch.path, name: "a", size: 5000)
        let key = ["-rf", "--help", "-n.zst"]
        #expect(try backend.destination.verify(key: key, expected: object) == .missing)
        try backend.destination.put(object, key: key, replace: false)
        #expect(try backend.destination.verify(key: key, expected: object) == .matches)
        #expect(FileManager.default.fileExists(atPath: backend.root + "/-rf/--help/-n.zst"))
        #expect(try backend.leftovers().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/pwned"))
        #expect(backend.destination.description == "rsync \(backend.server.user)@127.0.0.1:\(backend.server.port):\(backend.root)")
    }

    /// Spaces and quotes in the local paths ssh is given (state directory, known_hosts, key) reach ssh intact,
    /// directly and through rsync's `-e`.
    @Test(.timeLimit(.minutes(10)))
    func awkwardLocalPathsReachSSHIntact() throws {
        let scratch = try TemporaryDirectory()
        let server = try RsyncTestServer(scratch: scratch.path)
        let root = scratch.path + "/central"
        try server.makeRemoteRoot(root)
        let knownHosts = scratch.path + "/known hosts"
        let key = scratch.path + "/client key's"
        try FileManager.default.copyItem(atPath: server.knownHosts, toPath: knownHosts)
        try FileManager.default.copyItem(atPath: server.clientKey, toPath: key)
        chmod(key, 0o600)
        let controlDirectory = scratch.path + "/state dir's"
        let destination = try DestinationFactory.make(.rsync(server.settings(
            path: root, controlDirectory: controlDirectory, knownHosts: knownHosts, identityFile: key)))
        try destination.checkAvailable()
        let object = try rsyncTestObject(in: scratch.path, name: "a b", size: 3000)
        try destination.put(object, key: Self.key, replace: false)
        #expect(try destination.verify(key: Self.key, expected: object) == .matches)
        #expect(everythingUnder(controlDirectory).contains { $0.hasPrefix("ssh-") })
        #expect(try server.acceptedConnections() == 1)
    }

    /// With an rsync older than 3.2.4 on either side there is no --fsync: the temporary is synced on the far
    /// side before it is linked, and puts, replaces and verifies work the same.
    @Test(.timeLimit(.minutes(10)))
    func withoutRsyncFsyncTheTemporaryIsSyncedBeforeLinking() throws {
        let scratch = try TemporaryDirectory()
        let server = try RsyncTestServer(scratch: scratch.path)
        let root = scratch.path + "/central"
        try server.makeRemoteRoot(root)
        let destination = try RsyncDestination(settings: server.settings(path: root, controlDirectory: scratch.path + "/state"),
                                               fsyncUsable: false)
        #expect(try destination.session.facts(refresh: true).fsync == false)
        let a = try rsyncTestObject(in: scratch.path, name: "a", size: 10_000)
        let b = try rsyncTestObject(in: scratch.path, name: "b", size: 12_000)
        try destination.put(a, key: Self.key, replace: false)
        #expect(try destination.verify(key: Self.key, expected: a) == .matches)
        #expect(throws: DestinationError.self) { try destination.put(b, key: Self.key, replace: false) }
        try destination.put(b, key: Self.key, replace: true)
        #expect(try destination.verify(key: Self.key, expected: b) == .matches)
        #expect(everythingUnder(root).filter { $0.hasSuffix(".logdump-tmp") }.isEmpty)
        let normal = try RsyncDestination(settings: server.settings(path: root, controlDirectory: scratch.path + "/state2"))
        #expect(try normal.session.facts(refresh: true).fsync == true, "rsync 3.2.4 or later on both sides has --fsync")
    }

    @Test func rsyncVersionsAreRead() {
        #expect(RsyncSession.rsyncVersion("rsync  version 3.2.7  protocol version 31\nCopyright") == [3, 2, 7])
        #expect(RsyncSession.rsyncVersion("rsync  version v3.2.3  protocol version 31") == [3, 2, 3])
        #expect(RsyncSession.rsyncVersion("rsync  version 3.5.0  protocol version 32") == [3, 5, 0])
        #expect(RsyncSession.rsyncVersion("sh: rsync: not found") == nil)
        #expect(RsyncSession.atLeast([3, 2, 4], [3, 2, 4]) && RsyncSession.atLeast([3, 5], [3, 2, 4]))
        #expect(!RsyncSession.atLeast([3, 2, 3], [3, 2, 4]) && !RsyncSession.atLeast([2, 6, 9], [3, 2, 4]))
    }

    /// A put cut off between linking the name and removing the temporary leaves the temporary as a second
    /// name of the copy: the verify that finds the copy complete removes it.
    @Test(.timeLimit(.minutes(10)))
    func aTemporaryLeftBesideACompleteCopyIsRemovedByVerify() throws {
        let scratch = try TemporaryDirectory()
        let backend = try RsyncBackend(scratch: scratch.path)
        let object = try rsyncTestObject(in: scratch.path, name: "a", size: 5000)
        try backend.destination.put(object, key: Self.key, replace: false)
        #expect(link(backend.path(Self.key), backend.root + "/" + Self.key.dropLast().joined(separator: "/") + "/"
            + RsyncDestination.temporaryName(Self.key.last!)) == 0)
        #expect(try !backend.leftovers().isEmpty)
        #expect(try backend.destination.verify(key: Self.key, expected: object) == .matches)
        #expect(try backend.leftovers().isEmpty)
        #expect(try backend.destination.verify(key: Self.key, expected: object) == .matches)
    }
}

/// Strings collected from several threads.
final class LockedList: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func append(_ item: String) { lock.withLock { list.append(item) } }
    var items: [String] { lock.withLock { list } }
}
