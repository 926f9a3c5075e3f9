#if canImport(Glibc)
import Glibc
#endif
import LogSplitCore

/// Where the splitter reports problems for the operator. Under Apache, stderr is httpd's error log.
public protocol Diagnostics: AnyObject {
    func report(_ message: String)
}

/// Writes each message as one line to stderr (fd 2), prefixed with the program name.
public final class StandardErrorDiagnostics: Diagnostics {
    public let prefix: String
    public init(prefix: String = "logsplit") { self.prefix = prefix }

    public func report(_ message: String) {
        // A path that is not UTF-8 is shown with its own bytes, as the operator's tools show it.
        let line = RawBytes.bytes(of: prefix + ": " + message + "\n")
        line.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 { if errno == EINTR { continue } else { return } }
                offset += n
            }
        }
    }
}

/// Keeps messages in memory: for tests and embedders.
public final class CollectingDiagnostics: Diagnostics, @unchecked Sendable {
    public private(set) var messages: [String] = []
    public init() {}
    public func report(_ message: String) { messages.append(message) }
}

/// Appends each message as a line to a file (`-x FILE`), opened like cronolog's debug file.
public final class FileDiagnostics: Diagnostics {
    let fd: Int32
    public init(path: String) {
        fd = withPath(path) { open($0, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644) }
    }
    deinit { if fd >= 0 { close(fd) } }
    public func report(_ message: String) {
        guard fd >= 0 else { return }
        let line = RawBytes.bytes(of: message + "\n")
        line.withUnsafeBytes { _ = write(fd, $0.baseAddress, $0.count) }
    }
}
