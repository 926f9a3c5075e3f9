#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: which operation, on which path, and the errno text, phrased for an operator.
public struct SystemError: Error, Sendable, CustomStringConvertible, Equatable {
    public let operation: String
    public let path: String
    public let code: Int32

    public init(_ operation: String, path: String, code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    public var reason: String { String(cString: strerror(code)) }

    public var description: String { "cannot \(operation) \(path): \(reason) (errno \(code))" }
}
