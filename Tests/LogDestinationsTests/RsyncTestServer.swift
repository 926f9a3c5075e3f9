import Foundation
@testable import LogDestinations
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A component the rsync tests need is not installed: they fail with the line that installs it, never skip.
struct RsyncMissingComponent: Error, CustomStringConvertible {
    let name: String
    var description: String {
        "\(name) is not installed: run `apt-get install -y --no-install-recommends openssh-server openssh-client rsync` (.ci/run does this)"
    }
}

/// A private sshd on a free loopback port, started by `scripts/test-services/sshd-rsync.sh` for one test and
/// stopped (with every connection it serves) when the test lets go of it.
final class RsyncTestServer: @unchecked Sendable {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/test-services/sshd-rsync.sh").path

    /// Where the script keeps the server's keys, config, log and pid.
    let directory: String
    let port: Int
    let user: String
    var clientKey: String { directory + "/client_key" }
    var knownHosts: String { directory + "/known_hosts" }
    /// known_hosts naming another key for this host and port: what a changed host key looks like.
    var otherKnownHosts: String { directory + "/other_known_hosts" }
    /// A key that is not in authorized_keys (the other host key, a valid private key).
    var unauthorizedKey: String { directory + "/other_host_ed25519" }
    var log: String { directory + "/sshd.log" }

    /// Starts a server; `scratch` (the test's directory, where the remote roots go) is opened to the test account.
    init(scratch: String) throws {
        for (name, path) in [("sshd", "/usr/sbin/sshd"), ("rsync", "/usr/bin/rsync"), ("ssh", "/usr/bin/ssh"),
                             ("ssh-keygen", "/usr/bin/ssh-keygen")] where access(path, X_OK) != 0 {
            throw RsyncMissingComponent(name: name)
        }
        // The test account must reach the remote root below the scratch directory (mkdtemp makes it 0700).
        chmod(scratch, 0o711)
        // Its own directory, not in the scratch one: whatever order the test lets go of things, stop() finds the pid.
        var template = Array("/tmp/logdump-sshd.XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { throw RsyncTestFailure("mkdtemp") }
        directory = String(cString: made)
        let result = try RsyncRunner.run("/bin/bash", [Self.script, "start", directory], timeoutSeconds: 60)
        guard result.status == 0, let port = Int(result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            _ = try? RsyncRunner.run("/bin/bash", [Self.script, "stop", directory], timeoutSeconds: 30)
            try? FileManager.default.removeItem(atPath: directory)
            throw RsyncTestFailure("sshd-rsync.sh start failed (exit \(result.status)): \(result.stderrText)")
        }
        self.port = port
        user = try String(contentsOfFile: directory + "/user", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Stops the listener and every connection (the ssh master's too): the host goes away.
    func stop() {
        _ = try? RsyncRunner.run("/bin/bash", [Self.script, "stop", directory], timeoutSeconds: 30)
    }

    /// A directory the test account owns, for a destination root.
    func makeRemoteRoot(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try giveToUser(path)
    }

    /// A 256 KiB tmpfs at `scratch/small`, owned by the server's user: a remote disk that fills after a few
    /// files. The caller unmounts it (`unmount`); mounting needs root, as the tests run.
    func smallRemoteDisk(in scratch: String) throws -> String {
        let root = scratch + "/small"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
        let mounted = try RsyncRunner.run("/bin/mount", ["-t", "tmpfs", "-o", "size=256k,mode=0755", "tmpfs", root], timeoutSeconds: 10)
        guard mounted.status == 0 else { throw RsyncTestFailure("mount -t tmpfs failed (the tests run as root): \(mounted.stderrText)") }
        do {
            try giveToUser(root)
        } catch {
            unmount(root)
            throw error
        }
        return root
    }

    func unmount(_ path: String) {
        _ = try? RsyncRunner.run("/bin/umount", ["-l", path], timeoutSeconds: 10)
    }

    func giveToUser(_ path: String) throws {
        let result = try RsyncRunner.run("/bin/chown", [user + ":", path], timeoutSeconds: 10)
        guard result.status == 0 else { throw RsyncTestFailure("chown \(path): \(result.stderrText)") }
    }

    func settings(path: String, controlDirectory: String, knownHosts: String? = nil, identityFile: String? = nil,
                  port: Int? = nil) -> RsyncSettings {
        RsyncSettings(host: "127.0.0.1", user: user, port: port ?? self.port, path: path, identityFile: identityFile ?? clientKey,
                      knownHosts: knownHosts ?? self.knownHosts, controlDirectory: controlDirectory, connectTimeoutSeconds: 5)
    }

    /// ssh connections the server accepted (one "Accepted publickey" line each at LogLevel VERBOSE).
    func acceptedConnections() throws -> Int {
        try occurrences(of: "Accepted publickey")
    }

    /// How many log lines hold `text`. sshd -e ends its lines with "\r\n", which Swift reads as one Character:
    /// splitting at "\n" would see a single line.
    func occurrences(of text: String) throws -> Int {
        try String(contentsOfFile: log, encoding: .utf8).components(separatedBy: text).count - 1
    }
}

/// A test's own setup went wrong (a server that did not start, a chown that failed).
struct RsyncTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
