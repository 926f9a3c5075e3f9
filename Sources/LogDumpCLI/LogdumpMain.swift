import ArgumentParser
import LogDump
import LogSplitCore

#if canImport(Glibc)
import Glibc
#endif

/// Runs the `logdump` command line: the shipped binary with no hooks, the tests' fault-injecting binary
/// with theirs.
public enum LogdumpMain {
    /// Set once, before the command runs.
    nonisolated(unsafe) static var hooks: RunHooks = .none

    public static func main(hooks: RunHooks = .none) -> Never {
        self.hooks = hooks
        // A full destination must give EFBIG/EPIPE errors, not kill the process.
        signal(SIGPIPE, SIG_IGN)
        signal(SIGXFSZ, SIG_IGN)
        // Arguments keep their raw bytes (a config path need not be UTF-8), as RawBytes escapes them.
        let arguments = (1..<Int(CommandLine.argc)).compactMap { CommandLine.unsafeArgv[$0].map { RawBytes.string(cString: $0) } }
        do {
            var command = try Logdump.parseAsRoot(arguments)
            try command.run()
            exit(0)
        } catch let code as ExitCode {
            exit(code.rawValue)
        } catch {
            let code = Logdump.exitCode(for: error)
            if code == .success {
                printOut(Logdump.fullMessage(for: error) + "\n")
                exit(0)
            }
            // argument-parser says 64 for a usage error; logdump's table says 1.
            let text = Logdump.fullMessage(for: error)
            _ = (text.hasSuffix("\n") ? text : text + "\n").withCString { write(2, $0, strlen($0)) }
            exit(DumpStatus.usage)
        }
    }
}
