import LinuxSystem
import LogShipCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A central host reached with the system's rsync over ssh.
///
/// Every step goes over one ssh connection per run (the first step opens the master, `ssh -O stop` closes it
/// when the destination is released). The host key is checked against `known_hosts` (`StrictHostKeyChecking=yes`).
///
/// A put is atomic and create-only at the far end, like `DirectoryDestination`, and a batch of puts costs the
/// round trips of one (`RsyncDestination+Batch.swift`):
/// 1. one rsync sends every file of the batch to its temporary name `.NAME.logdump-tmp` beside its key; before it
///    starts, the far side makes the key's directories with `mkdir -p` below `path` (which must exist: it is never
///    created) and removes the temporaries a killed put may have left (`--inplace`, so the only partial data there
///    can ever be is under the deterministic temporary name; `--fsync` when both rsyncs have it, else `sync FILE`
///    before linking);
/// 2. one remote script moves each complete temporary into place, `ln TMP NAME` (link(2) never replaces: a key taken
///    is `.exists` for that request alone), or `mv -f` when replacing, hashes each copy it placed (read from the
///    key: the proof `putManyProving` returns), removes the temporaries with one `rm`, then syncs the directories.
/// `verify` runs `stat` and the hash on the far side, one remote script for a whole batch. The hash is
/// `openssl dgst -sha256` when the far side has openssl (several times less CPU there), else `sha256sum`.
public struct RsyncDestination: Destination {
    public let settings: RsyncSettings
    let session: RsyncSession

    public init(settings: RsyncSettings) throws(DestinationError) {
        try self.init(settings: settings, fsyncUsable: true)
    }

    /// `fsyncUsable: false` behaves as with an rsync older than 3.2.4 on either side, `opensslUsable: false` as with
    /// a far side without openssl (tests).
    init(settings: RsyncSettings, fsyncUsable: Bool, opensslUsable: Bool = true) throws(DestinationError) {
        self.settings = settings
        session = try RsyncSession(settings: settings, fsyncUsable: fsyncUsable, opensslUsable: opensslUsable)
    }

    public var description: String {
        "rsync \((settings.user.map { $0 + "@" } ?? ""))\(settings.host):\(settings.port):\(settings.path)"
    }

    /// The temporary name a put of `name` writes first (deterministic: the next put of the key removes it).
    public static func temporaryName(_ name: String) -> String { "." + name + ".logdump-tmp" }

    public func checkAvailable() throws(DestinationError) {
        _ = try session.facts(refresh: true)
    }

    /// The key below `path`, as a relative path that cannot be read as an option (`./a/b/name`).
    func relative(_ components: some Collection<String>) -> String {
        (["."] + components).joined(separator: "/")
    }

    func requireValid(_ key: [String]) throws(DestinationError) {
        guard !key.isEmpty, key.allSatisfy(SafePath.isPlainComponent) else {
            throw .failed("'\(key.joined(separator: "/"))' is not a destination key (empty, '.', '..' or '/' component)")
        }
    }

    /// A remote shell script that starts in `path` (C locale), or prints `logdump-no-root` when it is not there.
    func script(_ body: String) -> String {
        "LC_ALL=C; export LC_ALL; cd -- \(SSHCommand.quote(settings.path)) 2>/dev/null || { echo logdump-no-root; exit 0; }; " + body
    }

    var rootMissing: DestinationError { session.rootMissing }

    public func verify(key: [String], expected: LocalObject) throws(DestinationError) -> RemoteCopy {
        try verifyMany([VerifyRequest(key: key, expected: expected)])[0].get()
    }

    public func put(_ object: LocalObject, key: [String], replace: Bool) throws(DestinationError) {
        try putMany([PutRequest(object: object, key: key, replace: replace)])[0].get()
    }
}

/// What a probe of the far side found (once per destination).
struct RemoteFacts: Sendable {
    /// Both rsyncs have `--fsync` (3.2.4 and later).
    var fsync: Bool
    /// The far side has `openssl`, which hashes several times faster than coreutils' `sha256sum` (tried first,
    /// `sha256sum` when it fails).
    var openssl: Bool = false

    /// A shell function `sha` for remote scripts: the SHA-256 of its standard input, first word of its output.
    var hashFunction: String {
        openssl ? "sha() { openssl dgst -sha256 -r 2>/dev/null || sha256sum; }; " : "sha() { sha256sum; }; "
    }
}

/// The ssh side of an rsync destination: the command line, the one probe, the master's end.
final class RsyncSession: Sendable {
    let settings: RsyncSettings
    let ssh: SSHCommand
    let rsync: String
    /// The probe's findings; the lock is held while probing, so the first ssh (which becomes the master)
    /// runs alone and every later one rides on it.
    private let probed = Mutex<RemoteFacts?>(nil)
    /// Whether an ssh ran (there may be a master to stop).
    private let used = Atomic<Bool>(false)
    /// Whether a batch was put (the first one removes the staging trees of killed runs).
    private let batched = Atomic<Bool>(false)
    /// Objects `chooseMany` sent ahead, by the temporary they are in (below `path`): a put of the same object to
    /// that key only links it. Taken (and forgotten) by the first put that asks.
    private let sentAhead = Mutex<[String: LocalObject]>([:])

    func rememberSentAhead(_ objects: [(temporary: String, object: LocalObject)]) {
        sentAhead.withLock { memo in for (temporary, object) in objects { memo[temporary] = object } }
    }

    /// Whether each temporary holds exactly its object, sent ahead; every entry asked about is forgotten.
    func takeSentAhead(_ wanted: [(temporary: String, object: LocalObject)]) -> [Bool] {
        sentAhead.withLock { memo in wanted.map { memo.removeValue(forKey: $0.temporary) == $0.object } }
    }

    /// Short remote commands: the connection, plus generous time for a busy host.
    var commandTimeout: Int { settings.connectTimeoutSeconds + 120 }

    /// False: never `--fsync` (tests of the path for an rsync older than 3.2.4).
    let fsyncUsable: Bool
    /// False: hash with sha256sum even where openssl is (tests of the path for a far side without it).
    let opensslUsable: Bool

    init(settings: RsyncSettings, fsyncUsable: Bool = true, opensslUsable: Bool = true) throws(DestinationError) {
        self.settings = settings
        self.fsyncUsable = fsyncUsable
        self.opensslUsable = opensslUsable
        guard let ssh = RsyncRunner.find("ssh") else {
            throw .misconfigured("ssh is not installed here: apt-get install -y openssh-client")
        }
        guard let rsync = RsyncRunner.find("rsync") else {
            throw .misconfigured("rsync is not installed here: apt-get install -y rsync")
        }
        self.ssh = SSHCommand(settings: settings, ssh: ssh, controlPath: SSHCommand.controlPath(for: settings))
        self.rsync = rsync
    }

    /// Closes the shared connection: the master stops taking sessions and ends when the last one is done
    /// (a `validate` beside a run cannot cut the run's transfers).
    deinit {
        guard used.load(ordering: .relaxed) else { return }
        _ = try? RsyncRunner.run(ssh.ssh, ["-O", "stop"] + ssh.options + ["--", ssh.destination], timeoutSeconds: 10)
    }

    /// True for the first batch put through this session only.
    func isFirstBatch() -> Bool { !batched.exchange(true, ordering: .relaxed) }

    /// Time for moving or hashing `bytes`: the connection, two minutes, and at least 256 KiB/s.
    func transferTimeout(bytes: Int) -> Int { commandTimeout + bytes / 262_144 }

    /// The probe's findings, probing first when needed (or always, with `refresh`).
    func facts(refresh: Bool) throws(DestinationError) -> RemoteFacts {
        try probed.withLock { (facts: inout RemoteFacts?) throws(DestinationError) -> RemoteFacts in
            if let facts, !refresh { return facts }
            let found = try probe()
            facts = found
            return found
        }
    }

    /// One round trip: the directory is there and writable, sha256sum and rsync exist; which rsync it is.
    private func probe() throws(DestinationError) -> RemoteFacts {
        // ssh only warns about these and then fails with a misleading reason (a refused login, an unknown host).
        if let identity = settings.identityFile, access(identity, R_OK) != 0 {
            throw .misconfigured("identity_file \(identity) cannot be read (\(String(cString: strerror(errno))))")
        }
        if let knownHosts = settings.knownHosts, access(knownHosts, R_OK) != 0 {
            throw .misconfigured("known_hosts \(knownHosts) cannot be read (\(String(cString: strerror(errno)))): create it with the "
                + "host's key, checked: ssh-keyscan -p \(settings.port) \(settings.host) > \(knownHosts), then compare "
                + "`ssh-keygen -lf \(knownHosts)` with the fingerprint on the host")
        }
        let path = SSHCommand.quote(settings.path)
        let result = try remoteUnprobed("""
            LC_ALL=C; export LC_ALL; d=\(path); \
            if test -d "$d"; then if test -w "$d"; then echo logdump-ok; else echo logdump-not-writable; fi; \
            else echo logdump-no-directory; fi; \
            command -v sha256sum >/dev/null 2>&1 || echo logdump-no-sha256sum; \
            command -v openssl >/dev/null 2>&1 && echo logdump-openssl; \
            command -v rsync >/dev/null 2>&1 && rsync --version 2>/dev/null | head -n 1
            """, doing: "checking \(settings.path)", timeoutSeconds: commandTimeout)
        let out = result.stdoutText
        if out.contains("logdump-no-directory") {
            throw .unavailable("\(settings.path) is not there on \(ssh.target) (or not a directory): is it mounted? "
                + "(the destination directory is never created)")
        }
        if out.contains("logdump-not-writable") {
            throw .unavailable("\(settings.path) on \(ssh.target) is not writable by \(settings.user ?? "the ssh user")")
        }
        guard out.contains("logdump-ok") else {
            throw .failed("unexpected answer from \(ssh.target) (exit \(result.status)): \(SSHCommand.brief(result.stderrText + "\n" + out))")
        }
        if out.contains("logdump-no-sha256sum") {
            throw .misconfigured("sha256sum is not installed on \(ssh.target) (coreutils): copies cannot be verified")
        }
        guard let remoteVersion = Self.rsyncVersion(out) else {
            throw .misconfigured("rsync is not installed on \(ssh.target) (or not on the PATH of \(settings.user ?? "the ssh user")): "
                + "apt-get install -y rsync there")
        }
        let local = try? RsyncRunner.run(rsync, ["--version"], timeoutSeconds: 30)
        let localVersion = local.flatMap { Self.rsyncVersion($0.stdoutText) } ?? [0]
        let fsync = fsyncUsable && Self.atLeast(remoteVersion, [3, 2, 4]) && Self.atLeast(localVersion, [3, 2, 4])
        return RemoteFacts(fsync: fsync, openssl: opensslUsable && out.contains("logdump-openssl"))
    }

    /// `rsync  version 3.2.7  protocol version 31` → [3, 2, 7].
    static func rsyncVersion(_ text: String) -> [Int]? {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("rsync") && $0.contains("version") }) else { return nil }
        let words = line.split(separator: " ")
        guard let index = words.firstIndex(of: "version"), index + 1 < words.count else { return nil }
        let numbers = words[index + 1].split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        return numbers.isEmpty ? nil : numbers
    }

    static func atLeast(_ version: [Int], _ minimum: [Int]) -> Bool {
        for (a, b) in zip(version + [0, 0, 0], minimum) where a != b { return a > b }
        return true
    }

    /// Runs `command` on the host after the probe (so the master exists). ssh's own failures (exit 255) are
    /// classified; the command's status is the caller's to read.
    func remote(_ command: String, doing what: String, timeoutSeconds: Int? = nil) throws(DestinationError) -> RsyncCommandResult {
        _ = try facts(refresh: false)
        return try remoteUnprobed(command, doing: what, timeoutSeconds: timeoutSeconds ?? commandTimeout)
    }

    private func remoteUnprobed(_ command: String, doing what: String, timeoutSeconds: Int) throws(DestinationError) -> RsyncCommandResult {
        used.store(true, ordering: .relaxed)
        let result: RsyncCommandResult
        do {
            result = try RsyncRunner.run(ssh.ssh, ssh.arguments(remote: command), timeoutSeconds: timeoutSeconds)
        } catch {
            throw .failed("cannot run ssh: \(error)")
        }
        if result.status == 255 || result.timedOut { throw ssh.failure(result, doing: what) }
        return result
    }

    /// Best-effort cleanup after a failure (the next put of the key would do it anyway).
    func removeQuietly(_ command: String) {
        _ = try? RsyncRunner.run(ssh.ssh, ssh.arguments(remote: command), timeoutSeconds: settings.connectTimeoutSeconds + 10)
    }

    var rootMissing: DestinationError {
        .unavailable("\(settings.path) is not there on \(ssh.target): is it mounted? (the destination directory is never created)")
    }

    /// One rsync of the staging tree `staging` into `path` on the host, over the shared connection: each file lands
    /// under its temporary name, missing directories are made (a directory that is a symbolic link there is
    /// followed). `prepare` runs first on the far side, in `path` (`--rsync-path`); it prints
    /// `logdump-prepare-failed` on stderr when it fails.
    /// Returns what went wrong, classified, or nil, with what the far side printed on stderr (`prepare`'s answers
    /// come first); `what` names the files for messages.
    func transfer(staging: String, bytes: Int, fsync: Bool, prepare: String,
                  what: String) -> (error: DestinationError?, stderr: String) {
        used.store(true, ordering: .relaxed)
        let inRoot = "cd -- \(SSHCommand.quote(settings.path)) 2>/dev/null || { echo logdump-no-root >&2; exit 1; }; "
        var arguments = [
            "-s",  // --protect-args (--secluded-args): names go over the protocol, never through the remote shell
            "--recursive", "--copy-links", "--keep-dirlinks", "--inplace", "--whole-file",
            // No --perms: directories that exist keep their modes; new files are 0644 and new directories 0755 (less the umask).
            "--chmod=D755,F644", "--timeout=\(max(60, settings.connectTimeoutSeconds * 3))",
            "-e", ssh.rsyncShell, "--rsync-path=" + inRoot + prepare + " || exit 1; exec rsync",
        ]
        if fsync { arguments.append("--fsync") }
        arguments += ["--", staging + "/", ssh.destination + ":."]
        let result: RsyncCommandResult
        do {
            result = try RsyncRunner.run(rsync, arguments, timeoutSeconds: transferTimeout(bytes: bytes))
        } catch {
            return (.failed("cannot run rsync: \(error)"), "")
        }
        let text = result.stderrText
        guard result.status != 0 || result.timedOut else { return (nil, text) }
        return (classify(result, what: what), text)
    }

    /// What a failed rsync means, from its exit status and what it printed.
    private func classify(_ result: RsyncCommandResult, what: String) -> DestinationError {
        let text = result.stderrText
        if text.contains("logdump-no-root") { return rootMissing }
        if text.contains("logdump-prepare-failed") {
            return .failed("cannot create the directories of \(what) in \(settings.path) on \(ssh.target), or remove an old temporary "
                + "there: " + SSHCommand.brief(text))
        }
        if text.contains("No space left on device") || text.contains("Disk quota exceeded") {
            return .failed("the central host \(ssh.target) is full: rsync of \(what) failed (exit \(result.status)), original kept: "
                + SSHCommand.brief(text))
        }
        if result.status == 255 || result.timedOut {
            return ssh.failure(result, doing: "sending \(what)")
        }
        if result.status == 30 || result.status == 35 {
            return .unavailable("rsync of \(what) to \(ssh.target) timed out (no data for \(max(60, settings.connectTimeoutSeconds * 3)) s): "
                + SSHCommand.brief(text))
        }
        if result.status == 10 || result.status == 12 || result.status == 13 || result.status == 14,
           text.contains("connection unexpectedly closed") || text.contains("Broken pipe") || text.contains("Connection reset") {
            return .unavailable("the connection to \(ssh.target) broke while sending \(what) (rsync exit \(result.status)), original kept: "
                + SSHCommand.brief(text))
        }
        return .failed("rsync of \(what) to \(ssh.target) failed (exit \(result.status)), original kept: \(SSHCommand.brief(text))")
    }
}
