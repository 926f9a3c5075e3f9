import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Real write faults for a running logsplit, made with the kernel rather than mocks: a file size limit
/// (EFBIG), a small full tmpfs (ENOSPC), the immutable attribute (EPERM even for root).
enum FaultInjection {
    /// Sets the soft RLIMIT_FSIZE of a running process (`prlimit --pid`); nil lifts it again.
    /// Only the soft limit moves, so it can be raised again without CAP_SYS_RESOURCE.
    static func limitFileSize(of pid: pid_t, to bytes: Int?) throws {
        let prlimit = try Executables.system("prlimit", package: "util-linux")
        let soft = bytes.map(String.init) ?? "unlimited"
        let result = try runProcess(prlimit, ["--pid", String(pid), "--fsize=\(soft):unlimited"])
        guard result.status == 0 else { throw FaultSetupFailure("prlimit: \(result.stderrText)") }
    }

    /// `chattr +i` / `chattr -i`: an immutable directory refuses new entries and an immutable file
    /// refuses writes, even through a descriptor opened before and even for root.
    static func setImmutable(_ path: String, _ immutable: Bool) throws {
        let chattr = try Executables.system("chattr", package: "e2fsprogs")
        let result = try runProcess(chattr, [immutable ? "+i" : "-i", path])
        guard result.status == 0 else { throw FaultSetupFailure("chattr on \(path): \(result.stderrText)") }
    }
}

/// A tmpfs of a few KiB mounted by the test, to fill it for real (ENOSPC) and then enlarge it.
final class FaultTmpfs: @unchecked Sendable {
    let path: String
    private let mount: String
    private var mounted = false

    init(at path: String, bytes: Int) throws {
        mount = try Executables.system("mount", package: "mount")
        self.path = path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let result = try runProcess(mount, ["-t", "tmpfs", "-o", "size=\(bytes),mode=0755", "tmpfs", path])
        guard result.status == 0 else {
            throw FaultSetupFailure("mount -t tmpfs (the tests need root and mount permission): \(result.stderrText)")
        }
        mounted = true
    }

    func resize(to bytes: Int) throws {
        let result = try runProcess(mount, ["-o", "remount,size=\(bytes)", path])
        guard result.status == 0 else { throw FaultSetupFailure("mount -o remount: \(result.stderrText)") }
    }

    func unmount() {
        guard mounted else { return }
        let umount = (try? Executables.system("umount", package: "mount")) ?? "/usr/bin/umount"
        // A lazy unmount, so a logger that still has a file open cannot leave the mount behind.
        _ = try? runProcess(umount, ["-l", path])
        mounted = false
    }

    deinit { unmount() }
}

struct FaultSetupFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Sequence-numbered lines for tests that feed logsplit directly: `seq=000017 xxx…x\n`, `width` bytes
/// with the newline. A line that is not exactly that (torn, joined, truncated) does not parse.
enum FaultLines {
    static func line(_ n: Int, width: Int = 100) -> String {
        let head = "seq=" + String(repeating: "0", count: max(0, 6 - String(n).count)) + String(n) + " "
        return head + String(repeating: "x", count: max(1, width - head.count - 1)) + "\n"
    }

    static func text(_ numbers: ClosedRange<Int>, width: Int = 100) -> String {
        numbers.map { line($0, width: width) }.joined()
    }

    /// The n of a whole line made by `line(_:width:)`, else nil.
    static func number(_ text: Substring, width: Int = 100) -> Int? {
        guard text.hasPrefix("seq="), text.utf8.count == width - 1 else { return nil }
        let digits = text.dropFirst(4).prefix(6)
        guard let n = Int(digits), text.dropFirst(10).first == " ",
              text.dropFirst(11).allSatisfy({ $0 == "x" }) else { return nil }
        return n
    }
}

/// A counter from logsplit's last `logsplit: stats key=value ...` line on stderr.
func logsplitStat(_ key: String, in stderr: String) -> Int? {
    guard let line = stderr.split(separator: "\n").last(where: { $0.hasPrefix("logsplit: stats ") }) else { return nil }
    for field in line.split(separator: " ") where field.hasPrefix(key + "=") {
        return Int(field.dropFirst(key.count + 1))
    }
    return nil
}
