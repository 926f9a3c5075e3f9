import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real Debian apache2 (prefork MPM) started by a test, as root, from its own config in a fresh
/// directory: loopback port, its own error log, a DocumentRoot with a file and a slow CGI script.
/// The test chooses the `CustomLog` piped program; `stop()` must run in a `defer`.
final class ApacheServer: @unchecked Sendable {
    let root: TemporaryDirectory
    let port: UInt16
    let apache2: String
    private var running = false
    private var readyLogger: String?

    var configPath: String { root.join("httpd.conf") }
    var errorLogPath: String { root.join("error.log") }
    var pidFilePath: String { root.join("run/httpd.pid") }
    /// Where the piped logger should write (created empty, owned by root).
    var logsDirectory: String { root.join("logs") }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    init(label: String) throws {
        apache2 = try Executables.system("apache2", package: "apache2")
        root = try TemporaryDirectory("apache-\(label)")
        port = try freeLoopbackPort()
        let fm = FileManager.default
        for dir in ["run", "logs", "htdocs", "htdocs/cgi"] {
            try fm.createDirectory(atPath: root.join(dir), withIntermediateDirectories: true)
        }
        // The children run as www-data: they must reach the DocumentRoot through the 0700 temp dir.
        for dir in [root.path, root.join("htdocs"), root.join("htdocs/cgi")] { chmod(dir, 0o755) }
        try "hello\n".write(toFile: root.join("htdocs/index.html"), atomically: false, encoding: .utf8)
        // GET /cgi/slow.cgi/seq/<n>?<seconds>: sleeps, then answers; its log line is written at the end.
        let slow = "#!/bin/sh\nsleep \"${QUERY_STRING:-3}\"\nprintf 'Content-Type: text/plain\\r\\n\\r\\nslept\\n'\n"
        try slow.write(toFile: root.join("htdocs/cgi/slow.cgi"), atomically: false, encoding: .utf8)
        chmod(root.join("htdocs/cgi/slow.cgi"), 0o755)
    }

    deinit { stopQuietly() }

    /// Writes httpd.conf with `CustomLog "|<pipedLogger>" <format>` and starts httpd; returns once it serves.
    /// `pipedLogger` is split into argv by Apache (no shell); nil leaves the CustomLog to `extraConfig`,
    /// which is appended verbatim.
    ///
    /// `readyLogger` names a logger program that handles SIGTERM (logsplit): start and `graceful()`
    /// then also wait until the new generation's logger catches SIGTERM, so a restart or stop that
    /// follows at once cannot kill it while it is still starting (that would lose the lines waiting in
    /// its pipe; see .fragments/apache-bugs.md #3).
    func start(pipedLogger: String?, format: String = "combined", extraConfig: String = "", readyLogger: String? = nil) throws {
        self.readyLogger = readyLogger
        let dir = root.path
        let modules = "/usr/lib/apache2/modules"
        let config = """
            ServerRoot "\(dir)"
            ServerName 127.0.0.1
            Listen 127.0.0.1:\(port)
            PidFile \(pidFilePath)
            DefaultRuntimeDir \(dir)/run
            Mutex file:\(dir)/run default
            LoadModule mpm_prefork_module \(modules)/mod_mpm_prefork.so
            LoadModule authz_core_module \(modules)/mod_authz_core.so
            LoadModule mime_module \(modules)/mod_mime.so
            LoadModule dir_module \(modules)/mod_dir.so
            LoadModule cgi_module \(modules)/mod_cgi.so
            User www-data
            Group www-data
            StartServers 4
            MinSpareServers 2
            MaxSpareServers 8
            MaxRequestWorkers 32
            ErrorLog \(errorLogPath)
            LogLevel notice
            TypesConfig /etc/mime.types
            DocumentRoot \(dir)/htdocs
            <Directory />
              Require all granted
            </Directory>
            <Directory \(dir)/htdocs/cgi>
              Options +ExecCGI
              SetHandler cgi-script
            </Directory>
            LogFormat "%h %l %u %t \\"%r\\" %>s %O \\"%{Referer}i\\" \\"%{User-Agent}i\\"" combined
            LogFormat "%v %h %l %u %t \\"%r\\" %>s %O \\"%{Referer}i\\" \\"%{User-Agent}i\\"" vhost_combined
            \(pipedLogger.map { "CustomLog \"|\($0)\" \(format)" } ?? "")
            \(extraConfig)

            """
        try config.write(toFile: configPath, atomically: false, encoding: .utf8)
        try control(["-t"])
        running = true
        try control(["-k", "start"])
        try pollUntil("apache2 to serve on port \(port)", timeout: 30) {
            generations >= 1 && canConnect(port: port)
        }
        try waitForNewLogger(besides: [])
    }

    /// With `readyLogger` set: waits until a logger not in `old` runs and every logger catches SIGTERM.
    private func waitForNewLogger(besides old: Set<pid_t>) throws {
        guard let program = readyLogger else { return }
        try pollUntil("a new \(program) to handle SIGTERM", timeout: 30) {
            let pids = loggerPIDs(program: program)
            return pids.contains { !old.contains($0) } && pids.allSatisfy { catchesSIGTERM($0) }
        }
    }

    /// Runs `apache2 -f <config> <arguments>` and waits (bounded) for it; throws with its output if it fails.
    private func control(_ arguments: [String]) throws {
        let outputPath = root.join("apache2-control.out")
        let status = try runDetachingCommand(apache2, ["-f", configPath] + arguments, outputPath: outputPath)
        guard status == 0 else {
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            throw ApacheFailure("apache2 \(arguments.joined(separator: " ")) exited \(status): \(text)")
        }
    }

    /// How many times httpd has (re)started serving: one "resuming normal operations" per generation.
    var generations: Int { errorLog.components(separatedBy: "resuming normal operations").count - 1 }

    var errorLog: String { (try? String(contentsOfFile: errorLogPath, encoding: .utf8)) ?? "" }

    /// The httpd parent's pid, from its PidFile.
    var parentPID: pid_t? {
        guard let text = try? String(contentsOfFile: pidFilePath, encoding: .utf8) else { return nil }
        return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// `apache2 -k graceful`: SIGTERM to the piped loggers, new loggers for the new generation, while
    /// old children finish their requests into the old pipes. Returns once the new generation serves.
    func graceful() throws {
        let before = generations
        let oldLoggers = Set(readyLogger.map { loggerPIDs(program: $0) } ?? [])
        try control(["-k", "graceful"])
        try pollUntil("apache2 graceful restart \(before + 1)", timeout: 30) { generations > before }
        try waitForNewLogger(besides: oldLoggers)
    }

    /// `apache2 -k stop`, then waits (bounded) for the parent to go.
    func stop() throws {
        guard running else { return }
        let pid = parentPID
        running = false
        try control(["-k", "stop"])
        if let pid { try pollUntil("apache2 parent \(pid) to exit", timeout: 30) { !processAlive(pid) } }
    }

    /// For `defer`: stop without throwing; if httpd does not stop, kills every process of this server
    /// (parent, children, loggers: their command lines name this server's directory).
    func stopQuietly() {
        guard running else { return }
        let pid = parentPID
        do { try stop() } catch {
            if let pid { kill(pid, SIGKILL) }
            for other in runningProcesses(argv0: nil, mentioning: root.path) { kill(other, SIGKILL) }
        }
    }

    /// The pids of running processes whose argv[0] is `program` and whose command line mentions this
    /// server's directory (the piped loggers of every generation).
    func loggerPIDs(program: String) -> [pid_t] {
        runningProcesses(argv0: program, mentioning: root.path)
    }

    /// Waits (bounded) until every piped logger of this server has exited.
    func waitForLoggersToExit(program: String, timeout: Double = 90) throws {
        try pollUntil("piped loggers \(program) of \(root.path) to exit", timeout: timeout) {
            loggerPIDs(program: program).isEmpty
        }
    }
}

struct ApacheFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// True when `pid` has a handler for SIGTERM (the SigCgt mask in /proc/PID/status), or is gone.
func catchesSIGTERM(_ pid: pid_t) -> Bool {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return true }
    guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
          let mask = UInt64(line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16) else { return false }
    return mask & (1 << UInt64(SIGTERM - 1)) != 0
}

/// True while `pid` exists and is not a zombie.
func processAlive(_ pid: pid_t) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    // "pid (comm) S ...": the state follows the last ')'.
    guard let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
    return state != "Z" && state != "X"
}

/// Live processes whose argv[0] is `argv0` (any when nil) and whose command line contains `text`.
func runningProcesses(argv0: String?, mentioning text: String) -> [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { name -> pid_t? in
        guard let pid = pid_t(name),
              let raw = FileManager.default.contents(atPath: "/proc/\(name)/cmdline"), !raw.isEmpty else { return nil }
        let args = raw.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        guard argv0 == nil || args.first == argv0, args.joined(separator: " ").contains(text), processAlive(pid) else { return nil }
        return pid
    }
}

/// A loopback TCP port that was free a moment ago (bind to port 0, read it back, close).
func freeLoopbackPort() throws -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    guard bound else { throw POSIXError(.EADDRINUSE) }
    return UInt16(bigEndian: address.sin_port)
}

/// True when something accepts a TCP connection on 127.0.0.1:`port`.
func canConnect(port: UInt16) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = port.bigEndian
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
}
