import LinuxSystem

#if canImport(Glibc)
import Glibc
#endif

/// What a finished command left: its exit status (or the signal that ended it), and what it wrote.
struct RsyncCommandResult: Sendable {
    /// The exit status; 128 + the signal number when a signal ended it.
    var status: Int32
    /// The command ran past its time limit and was killed (with everything in its process group).
    var timedOut: Bool
    var stdout: [UInt8]
    var stderr: [UInt8]

    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// Runs a program the plain way: `posix_spawn`, an argument array (no shell), stdin from /dev/null,
/// stdout and stderr captured, a time limit. Used for `ssh` and `rsync`.
///
/// - The child starts with an empty signal mask and default signal actions (a parent that ignores SIGPIPE
///   must not hand that to rsync), in a process group of its own, so that a time-out kills rsync together
///   with the ssh it started.
/// - None of the caller's descriptors but 0, 1, 2 reach the child: ssh's background master lives on after
///   the run and must not hold logdump's lock file or a pipe open.
/// - Reading stops when the child has exited (what is buffered is kept): a descendant that keeps the pipes
///   open (a daemonised ssh master, on an ssh that forgets to close them) cannot stall the caller. After a
///   failure it goes on for up to 0.3 s until the pipes end: the reason may still be on its way through ssh.
/// - The child dies with this process, even after `kill -9` (its own process group would keep it running): it is
///   started through util-linux's `setpriv --pdeathsig KILL` when that is there (posix_spawn cannot set
///   PR_SET_PDEATHSIG itself). The signal follows the thread that started the child, and every caller waits
///   for its child on that thread; ssh's background master is a fork, which does not inherit it.
enum RsyncRunner {
    /// At most this much of each stream is kept (the rest is read and dropped).
    static let outputLimit = 4 << 20

    /// Held from creating a runner's pipes until its child has started.
    private static let spawning = SpawnLock()

    /// `setpriv --pdeathsig KILL --`, when this system's setpriv has the option (util-linux 2.33 and later).
    static let dieWithParent: [String]? = {
        guard let setpriv = find("setpriv"),
              let help = try? run(setpriv, ["--help"], timeoutSeconds: 10, diesWithParent: false),
              help.status == 0, help.stdoutText.contains("--pdeathsig") else { return nil }
        return [setpriv, "--pdeathsig", "KILL", "--"]
    }()

    /// Runs `executable` with `arguments`; `diesWithParent`: through `dieWithParent` when there is one.
    static func run(_ executable: String, _ arguments: [String], timeoutSeconds: Int,
                    diesWithParent: Bool = true) throws(SystemError) -> RsyncCommandResult {
        if diesWithParent, let wrapper = dieWithParent {
            return try start(wrapper[0], Array(wrapper.dropFirst()) + [executable] + arguments, timeoutSeconds: timeoutSeconds)
        }
        return try start(executable, arguments, timeoutSeconds: timeoutSeconds)
    }

    private static func start(_ executable: String, _ arguments: [String], timeoutSeconds: Int) throws(SystemError) -> RsyncCommandResult {
        // pipe2(O_CLOEXEC) is not imported: pipe, then FD_CLOEXEC, with spawning held off meanwhile so that no
        // other runner's child inherits these ends.
        spawning.lock()
        var locked = true
        defer { if locked { spawning.unlock() } }
        var outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        _ = try Syscall.retrying("create a pipe for", path: executable) { pipe(&outPipe) }
        let outRead = FileDescriptor(adopting: outPipe[0])
        var writeEnds = [outPipe[1]]
        defer { writeEnds.forEach { _ = close($0) } }
        _ = try Syscall.retrying("create a pipe for", path: executable) { pipe(&errPipe) }
        let errRead = FileDescriptor(adopting: errPipe[0])
        writeEnds.append(errPipe[1])
        for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        // Descriptors opened without O_CLOEXEC (by any library in this process) are closed in the child too.
        // (posix_spawn_file_actions_addclosefrom_np is not imported by Swift's Glibc module.) glibc ignores
        // EBADF here, so a descriptor another thread closes meanwhile does no harm.
        for fd in openDescriptors() where fd > 2 && fd != outPipe[1] && fd != errPipe[1] {
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
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        spawning.unlock()
        locked = false
        // Only the child writes now: its exit (and its descendants') is the end of the streams.
        writeEnds.forEach { _ = close($0) }
        writeEnds = []
        guard spawned == 0 else { throw SystemError("start", path: executable, code: spawned) }

        let deadline = monotonicSeconds() + Double(max(1, timeoutSeconds))
        var out: [UInt8] = [], err: [UInt8] = []
        var outOpen = true, errOpen = true
        var exitStatus: Int32? = nil
        var timedOut = false
        var quietWait: Int32 = 1  // ms, doubling while the child has closed its streams but not yet exited
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 8)
        defer { buffer.deallocate() }

        func drain(_ fd: Int32, into bytes: inout [UInt8], open: inout Bool) {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n > 0 {
                if bytes.count < outputLimit { bytes.append(contentsOf: buffer[0..<min(n, outputLimit - bytes.count)]) }
            } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                open = false
            }
        }

        while exitStatus == nil {
            var fds: [pollfd] = []
            if outOpen { fds.append(pollfd(fd: outRead.rawValue, events: Int16(POLLIN), revents: 0)) }
            if errOpen { fds.append(pollfd(fd: errRead.rawValue, events: Int16(POLLIN), revents: 0)) }
            let remaining = deadline - monotonicSeconds()
            if remaining <= 0 {
                timedOut = true
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
                break
            }
            let wait = Int32(min(100, max(1, remaining * 1000)))
            // Both streams at their end: the child is exiting (it closes its descriptors a moment before it can be
            // reaped). Look again soon, not after a whole poll interval: every remote step of a batch waits on this.
            let ready = fds.isEmpty ? Int32(usleep(UInt32(min(wait, quietWait)) * 1000)) : poll(&fds, nfds_t(fds.count), wait)
            if fds.isEmpty { quietWait = min(100, quietWait * 2) }
            if ready > 0 {
                for entry in fds where entry.revents != 0 {
                    if entry.fd == outRead.rawValue { drain(entry.fd, into: &out, open: &outOpen) }
                    else { drain(entry.fd, into: &err, open: &errOpen) }
                }
            }
            var status: Int32 = 0
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { exitStatus = decode(status) }
        }
        if exitStatus == nil {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            exitStatus = decode(status)
        }
        // A failed command's reason may still be on its way from a descendant: rsync exits as soon as it knows,
        // while its ssh is still relaying the far side's message ("No space left on device") to the same stderr.
        // Read on until both streams end, for a bounded time: a background ssh master forked meanwhile holds
        // them open for its whole ControlPersist life. A success does not wait (every remote step would).
        if exitStatus != 0 && !timedOut {
            let settle = monotonicSeconds() + 0.3
            while outOpen || errOpen {
                let remaining = settle - monotonicSeconds()
                if remaining <= 0 { break }
                var fds: [pollfd] = []
                if outOpen { fds.append(pollfd(fd: outRead.rawValue, events: Int16(POLLIN), revents: 0)) }
                if errOpen { fds.append(pollfd(fd: errRead.rawValue, events: Int16(POLLIN), revents: 0)) }
                guard poll(&fds, nfds_t(fds.count), Int32(max(1, remaining * 1000))) > 0 else { continue }
                for entry in fds where entry.revents != 0 {
                    if entry.fd == outRead.rawValue { drain(entry.fd, into: &out, open: &outOpen) }
                    else { drain(entry.fd, into: &err, open: &errOpen) }
                }
            }
        }
        // What the child wrote before it exited is in the pipes: take it without waiting for descendants.
        for (fd, isOut) in [(outRead.rawValue, true), (errRead.rawValue, false)] {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            var open = isOut ? outOpen : errOpen
            while open {
                let before = isOut ? out.count : err.count
                if isOut { drain(fd, into: &out, open: &open) } else { drain(fd, into: &err, open: &open) }
                if (isOut ? out.count : err.count) == before && open { break }
            }
        }
        return RsyncCommandResult(status: exitStatus ?? -1, timedOut: timedOut, stdout: out, stderr: err)
    }

    /// The exit status, or 128 + the signal.
    static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// The descriptors open in this process now.
    static func openDescriptors() -> [Int32] {
        guard let directory = opendir("/proc/self/fd") else { return [] }
        defer { closedir(directory) }
        var result: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if let fd = Int32(name) { result.append(fd) }
        }
        return result
    }

    /// The absolute path of `name` on PATH (then the usual system directories), or nil.
    static func find(_ name: String) -> String? {
        let path = getenv("PATH").map { String(cString: $0) } ?? ""
        for directory in path.split(separator: ":").map(String.init) + ["/usr/local/bin", "/usr/bin", "/bin"]
        where directory.hasPrefix("/") {
            let candidate = directory + "/" + name
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}

/// A plain pthread mutex (held across `posix_spawn`, which `Mutex.withLock`'s closure makes awkward).
final class SpawnLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }
    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }
}
