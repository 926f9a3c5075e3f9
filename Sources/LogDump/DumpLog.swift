import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// logdump's one message channel: a swift-log `Logger` whose handler writes `logdump: ...` lines to stderr
/// (cron mails them). Warnings read `logdump: warning: ...`; failures `logdump: ...`. A clean run logs
/// nothing at the default level (warning), so cron stays silent; `-v` lowers it to info for a summary.
public enum DumpLog {
    public static func logger(verbose: Bool = false) -> Logger {
        Logger(label: "logdump") { _ in StandardErrorLogHandler(logLevel: verbose ? .info : .warning) }
    }
}

/// Writes each message as one line on stderr, whole (one write(2) under a lock).
public struct StandardErrorLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private static let lock = Mutex<Void>(())

    public init(logLevel: Logger.Level) {
        self.logLevel = logLevel
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
                    file: String, function: String, line: UInt) {
        let text = "logdump: " + (level == .warning ? "warning: " : "") + message.description + "\n"
        Self.lock.withLock { _ in _ = text.withCString { write(2, $0, strlen($0)) } }
    }
}
