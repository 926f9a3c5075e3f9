import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts a program the way httpd starts its piped loggers and daemons start: `posix_spawn` with an
/// empty signal mask, default signal actions, and none of the test runner's descriptors but the ones
/// `redirect` sets up. Foundation's `Process` passes on the runner thread's blocked signals (which
/// would silently disable a logger's timers, or turn `apache2 -k graceful` into nothing) and keeps a
/// socket in the child that a daemon never closes.
/// `rawArguments`, when given, are passed after `arguments` byte for byte (they need not be UTF-8).
func spawnClean(
    _ path: String, _ arguments: [String], rawArguments: [[UInt8]] = [], environment: [String: String]? = nil,
    redirect: (inout posix_spawn_file_actions_t) -> Void
) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    redirect(&actions)
    // Nothing else of the runner is inherited: another test's logger pipe kept open in a child would
    // keep that logger from ever seeing EOF. (posix_spawn_file_actions_addclosefrom_np is a GNU
    // extension Swift's Glibc does not import.)
    let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    for fd in open.compactMap({ Int32($0) }) where fd > 2 {
        posix_spawn_file_actions_addclose(&actions, fd)
    }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t(), allSignals = sigset_t()
    sigemptyset(&noSignals)
    sigfillset(&allSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    posix_spawnattr_setsigdefault(&attributes, &allSignals)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    let raw: [UnsafeMutablePointer<CChar>?] = rawArguments.map { bytes in
        let copy = malloc(bytes.count + 1)!.assumingMemoryBound(to: CChar.self)  // freed with the others
        for (i, byte) in bytes.enumerated() { copy[i] = CChar(bitPattern: byte) }
        copy[bytes.count] = 0
        return copy
    }
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + raw + [nil]
    defer { argv.forEach { free($0) } }
    let env = environment ?? ProcessInfo.processInfo.environment
    let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { envp.forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
    guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
    return pid
}
