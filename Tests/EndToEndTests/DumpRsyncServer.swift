import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A private sshd on a free loopback port for logdump's rsync destination, started with
/// `scripts/test-services/sshd-rsync.sh` and stopped (with every connection it serves) when released.
final class DumpRsyncServer: @unchecked Sendable {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/test-services/sshd-rsync.sh").path

    let directory: TemporaryDirectory
    let port: Int
    let user: String
    var clientKey: String { directory.join("client_key") }
    var knownHosts: String { directory.join("known_hosts") }
    var otherKnownHosts: String { directory.join("other_known_hosts") }

    init() throws {
        for (name, package) in [("sshd", "openssh-server"), ("ssh", "openssh-client"), ("ssh-keygen", "openssh-client"),
                                ("rsync", "rsync")] {
            _ = try Executables.system(name, package: package)
        }
        directory = try TemporaryDirectory("logdump-sshd")
        let (status, output) = try Self.script(["start", directory.path], log: directory.join("start.out"))
        guard status == 0, let port = Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            _ = try? Self.script(["stop", directory.path], log: directory.join("stop.out"))
            throw DumpRsyncSetupFailure("sshd-rsync.sh start failed (exit \(status)): \(output) "
                + ((try? String(contentsOfFile: directory.join("start.out.err"), encoding: .utf8)) ?? ""))
        }
        self.port = port
        user = try String(contentsOfFile: directory.join("user"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    deinit { stop() }

    func stop() {
        _ = try? Self.script(["stop", directory.path], log: directory.join("stop.out"))
    }

    /// Runs the script with a clean signal state (sshd inherits it), stdout and stderr to files; waits for it.
    static func script(_ arguments: [String], log: String) throws -> (Int32, String) {
        let pid = try spawnClean("/bin/bash", [script] + arguments) { actions in
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            posix_spawn_file_actions_addopen(&actions, 2, log + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return ((status >> 8) & 0xff, output)
    }

    /// Makes `world` ship to this server: the remote root is the world's destination directory, owned by the
    /// test account (the world's directory is opened so that the account can reach it).
    func configure(_ world: DumpWorld, knownHosts: String? = nil) throws {
        chmod(world.root, 0o711)
        let chown = try runProcess("/bin/chown", [user + ":", world.destination])
        guard chown.status == 0 else { throw DumpRsyncSetupFailure("chown: \(chown.stderrText)") }
        try world.setConfig("destination", "type", "\"rsync\"")
        // `host` is also a [general] key (setConfig would drop that one): inserted under [destination] by hand.
        let config = try String(contentsOfFile: world.configPath, encoding: .utf8)
        try config.replacingOccurrences(of: "[destination]\n", with: "[destination]\nhost = \"127.0.0.1\"\n")
            .write(toFile: world.configPath, atomically: true, encoding: .utf8)
        try world.setConfig("destination", "user", "\"\(user)\"")
        try world.setConfig("destination", "port", "\(port)")
        try world.setConfig("destination", "identity_file", "\"\(clientKey)\"")
        try world.setConfig("destination", "known_hosts", "\"\(knownHosts ?? self.knownHosts)\"")
        try world.setConfig("destination", "connect_timeout", "\"5sec\"")
    }

    /// ssh connections the server accepted (one "Accepted publickey" line each). sshd -e ends its lines with
    /// "\r\n", which Swift reads as one Character: splitting at "\n" would see a single line.
    func acceptedConnections() throws -> Int {
        try String(contentsOfFile: directory.join("sshd.log"), encoding: .utf8).components(separatedBy: "Accepted publickey").count - 1
    }
}

struct DumpRsyncSetupFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
