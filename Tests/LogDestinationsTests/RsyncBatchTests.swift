import Foundation
@testable import LogDestinations
import LogShipCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The rsync destination's batch forms against a real sshd: many files in a few ssh sessions, every request
/// answered on its own (key taken, disk full), create-only and verified like single puts.
@Suite struct RsyncBatchTests {
    /// Objects whose bytes are numbered lines ("<name> seq=N"), so the far side's copies can be read line by line.
    static func lineObject(in scratch: String, name: String, lines: Range<Int>) throws -> (LocalObject, [String]) {
        let generated = lines.map { "\(name) seq=\($0) " + String(repeating: "y", count: 60) }
        let text = generated.map { $0 + "\n" }.joined()
        let path = scratch + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        var hasher = SHA256Hasher()
        hasher.update(Array(text.utf8))
        return (LocalObject(path: path, size: text.utf8.count, sha256: hasher.hexDigest()), generated)
    }

    static func lines(at path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// One key holds the same bytes already, one holds other content, three are new: the new ones are stored,
    /// both taken keys are answered `.exists` and left as they were, in one rsync and two remote scripts.
    @Test(.timeLimit(.minutes(10)))
    func aBatchStoresTheNewKeysAndAnswersEachTakenKeyOnItsOwn() throws {
        let scratch = try TemporaryDirectory()
        let backend = try RsyncBackend(scratch: scratch.path)
        let destination = backend.destination
        var objects: [(LocalObject, [String])] = []
        for i in 0..<5 { objects.append(try Self.lineObject(in: scratch.path, name: "f\(i)", lines: (i * 1000)..<(i * 1000 + 700))) }
        let other = try Self.lineObject(in: scratch.path, name: "other", lines: 90_000..<90_010)
        let keys = (0..<5).map { ["web01", "c\($0 % 2)", "www", "access_log.20261130\(10 + $0).zst"] }
        try destination.put(objects[0].0, key: keys[0], replace: false)   // the same bytes: a copy whose record was lost
        try destination.put(other.0, key: keys[1], replace: false)        // other content
        let before = try backend.server.sessions()

        let results = destination.putMany(keys.indices.map { PutRequest(object: objects[$0].0, key: keys[$0], replace: false) })

        let putSessions = try backend.server.sessions() - before
        #expect(putSessions == 2, "a batch put is one rsync and one remote script, not \(putSessions) sessions")
        for index in [0, 1] {
            guard case .failure(.exists(let key)) = results[index] else {
                Issue.record("request \(index): \(results[index]), expected .exists")
                continue
            }
            #expect(key == keys[index].joined(separator: "/"))
        }
        for index in 2..<5 { #expect((try? results[index].get()) != nil, "request \(index): \(results[index])") }
        #expect(try Self.lines(at: backend.path(keys[0])) == objects[0].1)
        #expect(try Self.lines(at: backend.path(keys[1])) == other.1, "a taken key was overwritten")
        for index in 2..<5 { #expect(try Self.lines(at: backend.path(keys[index])) == objects[index].1) }
        #expect(try backend.leftovers().isEmpty)

        let verifiedBefore = try backend.server.sessions()
        let found = destination.verifyMany(keys.indices.map { VerifyRequest(key: keys[$0], expected: objects[$0].0) })
        let verifySessions = try backend.server.sessions() - verifiedBefore
        #expect(verifySessions == 1, "a batch verify is one remote script, not \(verifySessions) sessions")
        #expect(try found[0].get() == .matches)
        guard case .differs(let seen) = try found[1].get() else { Issue.record("other content verified as the copy"); return }
        #expect(seen.contains("sha256 \(other.0.sha256)"), "\(seen)")
        for index in 2..<5 { #expect(try found[index].get() == .matches) }
        // The staging tree of links is gone from the control directory.
        #expect(try FileManager.default.contentsOfDirectory(atPath: backend.controlDirectory)
            .filter { $0.hasPrefix(RsyncStaging.prefix) }.isEmpty)
    }

    /// A batch put answers verify's question for every copy it linked, from the same remote script (two sessions
    /// in all, no third one to hash), and the answer is the one a separate verify gives; a taken key gets no proof.
    @Test(.timeLimit(.minutes(10)))
    func aBatchPutProvesEachCopyItLinkedInTheSameScript() throws {
        let scratch = try TemporaryDirectory()
        let backend = try RsyncBackend(scratch: scratch.path)
        let destination = backend.destination
        let objects = try (0..<4).map { try Self.lineObject(in: scratch.path, name: "p\($0)", lines: ($0 * 1000)..<($0 * 1000 + 500)) }
        let other = try Self.lineObject(in: scratch.path, name: "other", lines: 50_000..<50_010)
        let keys = (0..<4).map { ["web01", "c1", "www", "access_log.20261130\(10 + $0).zst"] }
        try destination.put(other.0, key: keys[3], replace: false)
        let before = try backend.server.sessions()

        let results = destination.putManyProving(keys.indices.map { PutRequest(object: objects[$0].0, key: keys[$0], replace: false) })

        let sessions = try backend.server.sessions() - before
        #expect(sessions == 2, "a proving batch put is one rsync and one remote script, not \(sessions) sessions")
        for index in 0..<3 { #expect(try results[index].get() == .matches, "request \(index): \(results[index])") }
        guard case .failure(.exists) = results[3] else { Issue.record("a taken key: \(results[3])"); return }
        let found = destination.verifyMany(keys.indices.map { VerifyRequest(key: keys[$0], expected: objects[$0].0) })
        for index in 0..<3 { #expect(try found[index].get() == .matches) }
        #expect(try Self.lines(at: backend.path(keys[3])) == other.1, "a taken key was overwritten")
        #expect(try backend.leftovers().isEmpty)
    }

    /// Keys a shell or the hashing tool could change (a space, a newline, a quote, a glob character, a backslash,
    /// UTF-8, a leading dash) are stored and proven like plain ones, in the same two sessions: every request gets its
    /// proof from the linking script, with openssl on the far side and with sha256sum alone.
    @Test(.timeLimit(.minutes(10)), arguments: [true, false])
    func unusualKeyNamesAreStoredAndProvenLikePlainOnes(openssl: Bool) throws {
        let scratch = try TemporaryDirectory()
        let server = try RsyncTestServer(scratch: scratch.path)
        let root = scratch.path + "/central"
        try server.makeRemoteRoot(root)
        let destination = try RsyncDestination(settings: server.settings(path: root, controlDirectory: scratch.path + "/state"),
                                               fsyncUsable: true, opensslUsable: openssl)
        #expect(try destination.session.facts(refresh: true).openssl == openssl)
        let names = ["plain.zst", "with space.zst", "new\nline.zst", "it's.zst", "star*.zst", "back\\slash.zst", "caf\u{e9}.zst",
                     "-dash.zst", "also-plain.zst"]
        let keys = names.map { ["web01", "c1", "www", $0] }
        let objects = try names.indices.map { try Self.lineObject(in: scratch.path, name: "o\($0)", lines: ($0 * 1000)..<($0 * 1000 + 300)) }
        let before = try server.sessions()

        let results = destination.putManyProving(keys.indices.map { PutRequest(object: objects[$0].0, key: keys[$0], replace: false) })

        let sessions = try server.sessions() - before
        #expect(sessions == 2, "one rsync and one remote script, not \(sessions) sessions")
        for index in keys.indices {
            #expect(try results[index].get() == .matches, "\(names[index].debugDescription): \(results[index])")
            #expect(try Self.lines(at: root + "/" + keys[index].joined(separator: "/")) == objects[index].1)
        }
        let found = destination.verifyMany(keys.indices.map { VerifyRequest(key: keys[$0], expected: objects[$0].0) })
        for index in keys.indices { #expect(try found[index].get() == .matches) }
    }

    /// In every batch form a request that cannot be sent is answered alone and the others go on: a key with a '..'
    /// component fails naming it, a second put of one key finds it `.exists` (the first one's copy takes it), and
    /// a key check that asks one key twice sends nothing ahead (a temporary holds one object).
    @Test(.timeLimit(.minutes(10)))
    func aRequestThatCannotBeSentIsAnsweredAloneInEveryBatchForm() throws {
        let scratch = try TemporaryDirectory()
        let backend = try RsyncBackend(scratch: scratch.path)
        let destination = backend.destination
        let objects = try (0..<2).map { try Self.lineObject(in: scratch.path, name: "b\($0)", lines: ($0 * 1000)..<($0 * 1000 + 100)) }
        let keys = (0..<2).map { ["web01", "c1", "www", "access_log.20261130\(10 + $0).zst"] }
        let bad = ["web01", "..", "escape.zst"]

        let checked = destination.chooseMany([VerifyRequest(key: keys[0], expected: objects[0].0),
                                              VerifyRequest(key: keys[0], expected: objects[1].0)])
        for answer in checked { #expect(try answer.get() == .missing) }
        #expect(try backend.leftovers().isEmpty, "a key asked twice had a copy sent ahead")

        let put = destination.putManyProving([
            PutRequest(object: objects[0].0, key: keys[0], replace: false),
            PutRequest(object: objects[1].0, key: bad, replace: false),
            PutRequest(object: objects[1].0, key: keys[0], replace: false),
            PutRequest(object: objects[1].0, key: keys[1], replace: false),
        ])
        #expect(try put[0].get() == .matches)
        guard case .failure(.failed(let message)) = put[1] else { Issue.record("a '..' key: \(put[1])"); return }
        #expect(message.contains("not a destination key"), "\(message)")
        guard case .failure(.exists(let taken)) = put[2] else { Issue.record("a key put twice: \(put[2])"); return }
        #expect(taken == keys[0].joined(separator: "/"))
        #expect(try put[3].get() == .matches)
        #expect(try Self.lines(at: backend.path(keys[0])) == objects[0].1)

        let found = destination.verifyMany([VerifyRequest(key: bad, expected: objects[1].0),
                                            VerifyRequest(key: keys[1], expected: objects[1].0)])
        guard case .failure = found[0] else { Issue.record("a '..' key verified: \(found[0])"); return }
        #expect(try found[1].get() == .matches)
    }

    /// Checking the candidate keys sends the copies ahead in the same rsync: the put that follows is one remote
    /// script (link and hash), two sessions for the whole batch. A key found taken keeps what it holds, and the
    /// copy sent ahead for it is not left behind; a put of other content to a key sent ahead sends it again.
    @Test(.timeLimit(.minutes(10)))
    func keysCheckedWhileSendingLeaveOnlyTheLinkingToThePut() throws {
        let scratch = try TemporaryDirectory()
        let backend = try RsyncBackend(scratch: scratch.path)
        let destination = backend.destination
        let objects = try (0..<5).map { try Self.lineObject(in: scratch.path, name: "a\($0)", lines: ($0 * 1000)..<($0 * 1000 + 400)) }
        let other = try Self.lineObject(in: scratch.path, name: "other", lines: 70_000..<70_010)
        let keys = (0..<5).map { ["web01", "c\($0 % 2)", "www", "access_log.20261130\(10 + $0).zst"] }
        try destination.put(other.0, key: keys[0], replace: false)
        let before = try backend.server.sessions()

        let found = destination.chooseMany(keys.indices.map { VerifyRequest(key: keys[$0], expected: objects[$0].0) })
        guard case .differs = try found[0].get() else { Issue.record("a taken key: \(found[0])"); return }
        for index in 1..<5 { #expect(try found[index].get() == .missing) }
        let sentAhead = try backend.leftovers()
        #expect(sentAhead.count == 4, "the copies sent ahead for the four free keys: \(sentAhead)")
        // Key 4 gets other content than what was sent ahead for it: sent again, in the usual way.
        let results = destination.putManyProving([
            PutRequest(object: objects[1].0, key: keys[1], replace: false),
            PutRequest(object: objects[2].0, key: keys[2], replace: false),
            PutRequest(object: objects[3].0, key: keys[3], replace: false),
        ])
        let sessions = try backend.server.sessions() - before
        #expect(sessions == 3, "key check with the transfer, the cleanup for the taken key, one link script: not \(sessions)")
        for index in 0..<3 { #expect(try results[index].get() == .matches, "request \(index): \(results[index])") }
        let changed = destination.putManyProving([PutRequest(object: objects[0].0, key: keys[4], replace: false)])
        #expect(try changed[0].get() == .matches)
        #expect(try Self.lines(at: backend.path(keys[4])) == objects[0].1)
        #expect(try Self.lines(at: backend.path(keys[0])) == other.1, "a taken key was overwritten")
        for index in 1..<4 { #expect(try Self.lines(at: backend.path(keys[index])) == objects[index].1) }
        let left = try backend.leftovers()
        #expect(left.isEmpty, "\(left)")
    }

    /// The central host's disk fills part-way through a batch: what fitted is in place and verified, every other
    /// request fails with the reason, no temporary stays, every local file is untouched; with room again the
    /// same batch finishes, each key holding its own lines exactly once.
    @Test(.timeLimit(.minutes(10)))
    func aBatchCutShortByAFullDiskFinishesWithTheNextBatch() throws {
        let scratch = try TemporaryDirectory()
        let server = try RsyncTestServer(scratch: scratch.path)
        let root = try server.smallRemoteDisk(in: scratch.path)
        defer { server.unmount(root) }
        let destination = try DestinationFactory.make(.rsync(server.settings(path: root, controlDirectory: scratch.path + "/state")))
        try destination.checkAvailable()

        // Six files of about 70 KB into 256 KiB: three fit at most.
        var objects: [(LocalObject, [String])] = []
        for i in 0..<6 { objects.append(try Self.lineObject(in: scratch.path, name: "f\(i)", lines: (i * 10_000)..<(i * 10_000 + 1000))) }
        let originals = try objects.map { try Data(contentsOf: URL(fileURLWithPath: $0.0.path)) }
        let keys = (0..<6).map { ["web01", "access_log.20261130\(10 + $0).zst"] }
        let requests = keys.indices.map { PutRequest(object: objects[$0].0, key: keys[$0], replace: false) }

        let first = destination.putMany(requests)
        let stored = first.indices.filter { (try? first[$0].get()) != nil }
        #expect(stored.count < 6, "six files fitted in 256 KiB")
        for index in first.indices where !stored.contains(index) {
            guard case .failure(.failed(let message)) = first[index] else { Issue.record("request \(index): \(first[index])"); continue }
            #expect(message.contains("is full") && message.contains("No space left on device") && message.contains("original kept"), "\(message)")
        }
        let found = destination.verifyMany(keys.indices.map { VerifyRequest(key: keys[$0], expected: objects[$0].0) })
        for index in keys.indices {
            #expect(try found[index].get() == (stored.contains(index) ? .matches : .missing), "key \(index)")
        }
        let temporaries = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".logdump-tmp") }
        #expect(temporaries.isEmpty, "\(temporaries)")
        for index in objects.indices { #expect(try Data(contentsOf: URL(fileURLWithPath: objects[index].0.path)) == originals[index]) }

        #expect(try RsyncRunner.run("/bin/mount", ["-o", "remount,size=8m", root], timeoutSeconds: 10).status == 0)
        let rest = keys.indices.filter { !stored.contains($0) }
        let second = destination.putMany(rest.map { requests[$0] })
        for result in second { #expect((try? result.get()) != nil, "\(result)") }
        var seen: [String: Int] = [:]
        for index in keys.indices {
            let lines = try Self.lines(at: root + "/" + keys[index].joined(separator: "/"))
            #expect(lines == objects[index].1, "key \(index) does not hold its own lines in order")
            for line in lines { seen[line, default: 0] += 1 }
        }
        #expect(seen.count == 6000 && seen.values.allSatisfy { $0 == 1 })
        #expect(destination.verifyMany(keys.indices.map { VerifyRequest(key: keys[$0], expected: objects[$0].0) })
            .allSatisfy { (try? $0.get()) == .matches })
    }

    /// A batch whose remote script would pass Linux's 128 KiB limit on one argument is cut into chunks: 300 keys
    /// with long names go up and are verified.
    @Test(.timeLimit(.minutes(10)))
    func aBatchLargerThanOneRemoteCommandIsCutIntoChunks() throws {
        let scratch = try TemporaryDirectory()
        let backend = try RsyncBackend(scratch: scratch.path)
        let long = String(repeating: "d", count: 120)
        let objects = try (0..<300).map { try Self.lineObject(in: scratch.path, name: "o\($0)", lines: ($0 * 10)..<($0 * 10 + 3)) }
        let keys = (0..<300).map { ["web01", long, "\(long)-\($0).zst"] }
        let results = backend.destination.putMany(keys.indices.map { PutRequest(object: objects[$0].0, key: keys[$0], replace: false) })
        #expect(results.allSatisfy { (try? $0.get()) != nil })
        let found = backend.destination.verifyMany(keys.indices.map { VerifyRequest(key: keys[$0], expected: objects[$0].0) })
        #expect(found.allSatisfy { (try? $0.get()) == .matches })
        for index in [0, 150, 299] { #expect(try Self.lines(at: backend.path(keys[index])) == objects[index].1) }
        #expect(try backend.leftovers().isEmpty)
    }

    @Test func chunksStayWithinTheScriptBudgetAndKeepTheOrder() {
        let budget = RsyncDestination.scriptBudget
        let chunks = RsyncDestination.chunks(Array(0..<10), cost: { $0 == 7 ? budget * 2 : budget / 3 })
        #expect(chunks == [[0, 1, 2], [3, 4, 5], [6], [7], [8, 9]])
        #expect(RsyncDestination.chunks([], cost: { _ in 1 }).isEmpty)
    }

    /// A staging tree a killed run left (its process gone) is removed by the next process's first batch.
    @Test(.timeLimit(.minutes(10)))
    func aStagingTreeOfAKilledRunIsRemoved() throws {
        let scratch = try TemporaryDirectory()
        let backend = try RsyncBackend(scratch: scratch.path)
        try FileManager.default.createDirectory(atPath: backend.controlDirectory, withIntermediateDirectories: true)
        // pid_max is at most 2^22: no process has this pid.
        let left = backend.controlDirectory + "/" + RsyncStaging.prefix + "99999999.0"
        try FileManager.default.createDirectory(atPath: left + "/web01", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: left + "/web01/.a.zst.logdump-tmp", withDestinationPath: "/etc/hostname")
        let (object, _) = try Self.lineObject(in: scratch.path, name: "a", lines: 0..<10)
        try backend.destination.put(object, key: ["web01", "a.zst"], replace: false)
        #expect(!FileManager.default.fileExists(atPath: left))
        #expect(FileManager.default.fileExists(atPath: "/etc/hostname"))
    }
}

extension RsyncTestServer {
    /// Remote commands the server started (one "Starting session" line each, over any connection).
    func sessions() throws -> Int {
        try occurrences(of: "Starting session")
    }
}
