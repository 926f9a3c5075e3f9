#if canImport(Glibc)
import Glibc
#endif

/// A failed system call, phrased for an operator: what was attempted, on which path, and why.
///
/// `code` is the errno of the call itself, captured before anything else could overwrite it: build these
/// with `Syscall` (which reads errno right after the call) or pass a code saved at once.
public struct SystemError: Error, Sendable, CustomStringConvertible, Equatable {
    public let operation: String
    public let path: String
    public let code: Int32

    public init(_ operation: String, path: String, code: Int32) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    /// The C library's text for `code`.
    public var reason: String { String(cString: strerror(code)) }

    public var description: String { "cannot \(operation) \(path): \(reason) (errno \(code))" }
}
