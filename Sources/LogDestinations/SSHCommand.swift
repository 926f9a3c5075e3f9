import LinuxSystem
import LogShipCore
import LogSplitCore

#if canImport(Glibc)
import Glibc
#endif

/// The ssh command line every remote step uses (ssh itself, and rsync's `-e`), so that all of them share one
/// connection: the first one made becomes the master (`ControlMaster=auto`), the others ride on it through
/// the control socket, and the master stays `ControlPersist` seconds after the last one.
struct SSHCommand: Sendable {
    let settings: RsyncSettings
    /// The absolute path of ssh.
    let ssh: String
    /// The control socket.
    let controlPath: String

    /// How long the master stays after its last session (the run closes it earlier with `-O stop`).
    static let controlPersistSeconds = 60

    /// `user@host` (or `host`), as ssh takes it.
    var destination: String { (settings.user.map { $0 + "@" } ?? "") + settings.host }
    /// `user@host:port`, for messages.
    var target: String { destination + ":\(settings.port)" }
    /// How the host is written in known_hosts.
    var knownHostsName: String { settings.port == 22 ? settings.host : "[\(settings.host)]:\(settings.port)" }
    var knownHostsFile: String { settings.knownHosts ?? "~/.ssh/known_hosts" }

    /// The options, without the destination.
    var options: [String] {
        var result = ["-p", String(settings.port)]
        if let identity = settings.identityFile { result += ["-i", identity, "-o", "IdentitiesOnly=yes"] }
        if let knownHosts = settings.knownHosts { result += ["-o", "UserKnownHostsFile=" + Self.optionPath(knownHosts)] }
        result += [
            "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "ConnectTimeout=\(settings.connectTimeoutSeconds)",
            // A central host that vanishes mid-transfer is noticed within a minute, not at the TCP timeout.
            "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4",
            "-o", "ControlMaster=auto", "-o", "ControlPath=" + Self.optionPath(controlPath.replacingAll("%", with: "%%")),
            "-o", "ControlPersist=\(Self.controlPersistSeconds)",
            "-o", "ForwardAgent=no", "-o", "ForwardX11=no", "-o", "ClearAllForwardings=yes",
        ]
        return result
    }

    /// A path as the value of `-o`: ssh splits those values at spaces (UserKnownHostsFile takes several files)
    /// unless double-quoted.
    static func optionPath(_ path: String) -> String {
        path.contains(where: { $0 == " " || $0 == "\t" }) ? "\"" + path + "\"" : path
    }

    /// ssh's arguments to run `command` on the host (a string its login shell runs).
    func arguments(remote command: String) -> [String] { options + ["--", destination, command] }

    /// rsync's `-e`: rsync splits it at spaces and honours single and double quotes (not backslashes).
    var rsyncShell: String {
        ([ssh] + options).map { word in
            guard word.contains(where: { $0 == " " || $0 == "'" || $0 == "\"" || $0 == "\t" }) else { return word }
            return word.split(separator: "'", omittingEmptySubsequences: false).map { "'\($0)'" }.joined(separator: "\"'\"")
        }.joined(separator: " ")
    }

    /// `text` as one word for a POSIX shell: single quotes, an embedded quote written as '\''.
    static func quote(_ text: String) -> String { "'" + text.replacingAll("'", with: "'\\''") + "'" }

    /// Where the control socket goes: `DIR/ssh-HASH` in the control directory (the state directory, 0700),
    /// the hash naming the target and the key settings (a master made with other settings is never reused).
    /// A socket path must fit in 108 bytes and ssh binds a name 17 bytes longer first: with a control
    /// directory too long for that, a private directory under /tmp is used instead.
    static func controlPath(for settings: RsyncSettings) -> String {
        var hasher = SHA256Hasher()
        hasher.update(Array("\(settings.user ?? "")@\(settings.host):\(settings.port)\n\(settings.identityFile ?? "")\n\(settings.knownHosts ?? "")\n\(settings.controlDirectory)".utf8))
        let name = "ssh-" + hasher.hexDigest().prefix(16)
        let limit = 107 - 17
        let preferred = settings.controlDirectory + "/" + name
        if preferred.utf8.count <= limit, (try? SafeDirectory.makeTrusted(settings.controlDirectory, mode: 0o700)) != nil {
            return preferred
        }
        let fallback = "/tmp/logdump-ssh-\(getuid())"
        _ = mkdir(fallback, 0o700)
        var info = stat()
        if lstat(fallback, &info) == 0, FileKind(info) == .directory, info.st_uid == getuid(), info.st_mode & 0o077 == 0 {
            return fallback + "/" + name
        }
        return preferred  // ssh says what is wrong with it
    }

    /// The error for an ssh that could not run the command (exit 255), by what it printed: a host key or
    /// authentication problem no retry fixes, or a host that cannot be reached now.
    func failure(_ result: RsyncCommandResult, doing what: String) -> DestinationError {
        let text = result.stderrText
        if result.timedOut {
            return .unavailable("\(target) did not answer in time while \(what) (ssh timed out)")
        }
        if text.contains("REMOTE HOST IDENTIFICATION HAS CHANGED") {
            return .misconfigured("the host key of \(target) has CHANGED: it is not the one in \(knownHostsFile) "
                + "(host key verification failed). If the host was reinstalled, compare the new key's fingerprint on the host "
                + "(ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) with `ssh-keyscan -p \(settings.port) \(settings.host) | ssh-keygen -lf -`, "
                + "then replace the old line: ssh-keygen -R '\(knownHostsName)' -f \(knownHostsFile); "
                + "ssh-keyscan -p \(settings.port) \(settings.host) >> \(knownHostsFile). Otherwise someone may be impersonating it")
        }
        if text.contains("Host key verification failed") || text.contains("host key is known") {
            return .misconfigured("the host key of \(target) is not in \(knownHostsFile) (host key verification failed): "
                + "check its fingerprint on the host (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) against "
                + "`ssh-keyscan -p \(settings.port) \(settings.host) | ssh-keygen -lf -`, then add it: "
                + "ssh-keyscan -p \(settings.port) \(settings.host) >> \(knownHostsFile)")
        }
        if text.contains("Permission denied") || text.contains("Too many authentication failures") {
            let key = settings.identityFile ?? "ssh's default keys"
            return .misconfigured("\(target) refused the login (Permission denied): put the public key of \(key) in "
                + "~\(settings.user ?? "USER")/.ssh/authorized_keys on the host, and check user and identity_file")
        }
        if text.contains("Load key") || text.contains("no such identity") || text.contains("bad permissions")
            || text.contains("UNPROTECTED PRIVATE KEY FILE") {
            return .misconfigured("ssh cannot use identity_file \(settings.identityFile ?? ""): \(Self.brief(text))")
        }
        if text.contains("Could not resolve hostname") {
            return .unavailable("cannot resolve the host name of \(target): \(Self.brief(text))")
        }
        for reachability in ["Connection refused", "timed out", "No route to host", "Network is unreachable",
                             "Connection closed", "Connection reset", "closed by remote host", "Broken pipe",
                             "kex_exchange_identification", "Timeout, server"] where text.contains(reachability) {
            return .unavailable("cannot reach \(target) while \(what): \(Self.brief(text))")
        }
        return .failed("ssh to \(target) failed while \(what) (exit \(result.status)): \(Self.brief(text))")
    }

    /// The first two meaningful lines of a tool's error output, each cut to 300 characters.
    static func brief(_ text: String) -> String {
        let noise = ["Warning: Permanently added", "Stop listening request", "** ", "Exit request sent", "Shared connection to"]
        let lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            .map { $0.trimmingSpaces() }
            .filter { line in !line.isEmpty && !noise.contains(where: { line.hasPrefix($0) }) && !line.allSatisfy { $0 == "@" } }
        guard !lines.isEmpty else { return "no error text" }
        return lines.prefix(2).map { $0.count > 300 ? String($0.prefix(300)) + "..." : $0 }.joined(separator: "; ")
    }
}

fileprivate extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for c in self { if c == target { result += replacement } else { result.append(c) } }
        return result
    }
}

fileprivate extension Substring {
    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
