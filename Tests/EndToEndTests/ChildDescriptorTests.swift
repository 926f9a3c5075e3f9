import Foundation
import RsyslogTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A pipe the runner holds open must never end up in a daemon another test starts: the reader at the other end
/// would wait for EOF forever (two CI runs hung that way). Pins both halves of the fix: the tests' pipes are
/// close-on-exec, and the service scripts close whatever the runner hands them through system(3).
@Suite struct ChildDescriptorTests {
    @Test func bothEndsOfATestPipeAreCloseOnExec() {
        let pipe = closeOnExecPipe()
        for end in [pipe.fileHandleForReading, pipe.fileHandleForWriting] {
            #expect(fcntl(end.fileDescriptor, F_GETFD) & FD_CLOEXEC != 0)
        }
    }

    @Test func aReceiverStartedWhileAnInheritablePipeIsOpenHoldsNoEndOfIt() throws {
        let pipe = Pipe()  // inheritable on purpose: what every test pipe was before closeOnExecPipe()
        let pipeName = try Self.link("/proc/self/fd/\(pipe.fileHandleForWriting.fileDescriptor)")
        let server = try RsyslogTestServer(name: "descriptors")
        defer { server.stop() }
        let daemon = try #require(server.pid)
        // rsyslogd, and the watchdog shell that outlives the script (its arguments name the server's directory).
        let started = [daemon] + Self.processes(whoseArgumentsContain: server.directory)
        #expect(started.count >= 2, "the watchdog was not found")
        for pid in started {
            let held = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            let names = held.compactMap { try? Self.link("/proc/\(pid)/fd/\($0)") }
            #expect(!names.contains(pipeName), "process \(pid) holds the runner's \(pipeName)")
        }
    }

    static func link(_ path: String) throws -> String { try FileManager.default.destinationOfSymbolicLink(atPath: path) }

    static func processes(whoseArgumentsContain text: String) -> [Int32] {
        let all = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return all.compactMap(Int32.init).filter { pid in
            guard pid != getpid(), let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: raw.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self).contains(text)
        }
    }
}
