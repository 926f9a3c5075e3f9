#if canImport(Glibc)
import Glibc
#endif

/// The one way to make a system call that can fail: retried while it is interrupted (EINTR), and on
/// failure turned into a `SystemError` whose errno is read right after the call, before the message is built.
public enum Syscall {
    /// Calls `body` until it returns a non-negative value or fails with something other than EINTR.
    @inline(__always)
    public static func retrying<Result: BinaryInteger>(
        _ operation: @autoclosure () -> String, path: @autoclosure () -> String, _ body: () -> Result
    ) throws(SystemError) -> Result {
        while true {
            let result = body()
            if result >= 0 { return result }
            let code = errno
            if code == EINTR { continue }
            throw SystemError(operation(), path: path(), code: code)
        }
    }

    /// Like `retrying`, but hands back the errno instead of throwing, for callers that treat some errors
    /// (ENOENT, EEXIST, ...) as answers rather than failures.
    @inline(__always)
    public static func result<Result: BinaryInteger>(_ body: () -> Result) -> (value: Result, errno: Int32) {
        while true {
            let result = body()
            if result >= 0 { return (result, 0) }
            let code = errno
            if code == EINTR { continue }
            return (result, code)
        }
    }
}
