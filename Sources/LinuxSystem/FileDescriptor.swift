import LogSplitCore
#if canImport(Glibc)
import Glibc
#endif

/// An open file descriptor that closes itself: the one owner of the number until `take()` hands it on.
public struct FileDescriptor: ~Copyable {
    public let rawValue: Int32

    public init(adopting rawValue: Int32) {
        self.rawValue = rawValue
    }

    deinit { Glibc.close(rawValue) }

    /// Gives up ownership: the caller closes the number.
    public consuming func take() -> Int32 {
        let value = rawValue
        discard self
        return value
    }

    /// Opens `path` (an administrator's path: links are followed unless `flags` says O_NOFOLLOW).
    /// `path` may carry non-UTF-8 bytes escaped by `RawBytes`.
    public static func open(_ path: String, _ flags: Int32, mode: mode_t = 0, operation: String = "open") throws(SystemError) -> FileDescriptor {
        let fd = try Syscall.retrying(operation, path: path) { RawBytes.withCString(path) { Glibc.open($0, flags | O_CLOEXEC, mode) } }
        return FileDescriptor(adopting: fd)
    }

    /// Opens `name` in this directory.
    public func open(_ name: String, _ flags: Int32, mode: mode_t = 0, displayPath: @autoclosure () -> String,
                     operation: String = "open") throws(SystemError) -> FileDescriptor {
        let fd = try Syscall.retrying(operation, path: displayPath()) {
            RawBytes.withCString(name) { openat(rawValue, $0, flags | O_CLOEXEC, mode) }
        }
        return FileDescriptor(adopting: fd)
    }

    public func status(path: @autoclosure () -> String) throws(SystemError) -> stat {
        var info = stat()
        _ = try Syscall.retrying("stat", path: path()) { fstat(rawValue, &info) }
        return info
    }

    /// Reads up to `buffer.count` bytes; 0 at end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer, path: @autoclosure () -> String) throws(SystemError) -> Int {
        try Syscall.retrying("read", path: path()) { Glibc.read(rawValue, buffer.baseAddress, buffer.count) }
    }

    /// Reads up to `buffer.count` bytes at `offset`; 0 at end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: @autoclosure () -> String) throws(SystemError) -> Int {
        try Syscall.retrying("read", path: path()) { pread(rawValue, buffer.baseAddress, buffer.count, off_t(offset)) }
    }

    /// Writes all of `bytes`, retrying short writes.
    public func writeAll(_ bytes: UnsafeRawBufferPointer, path: @autoclosure () -> String) throws(SystemError) {
        try Self.writeAll(rawValue, bytes, path: path())
    }

    /// Writes all of `bytes` to a descriptor someone else owns (for closures, which cannot capture an owner).
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: @autoclosure () -> String) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            offset += try Syscall.retrying("write", path: path()) {
                Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            }
        }
    }

    public func sync(path: @autoclosure () -> String) throws(SystemError) {
        _ = try Syscall.retrying("fsync", path: path()) { fsync(rawValue) }
    }

    /// The whole content, refusing more than `limit` bytes.
    public func readAll(limit: Int, path: @autoclosure () -> String) throws(SystemError) -> [UInt8] {
        var result: [UInt8] = []
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 8)
        defer { chunk.deallocate() }
        while true {
            let n = try read(into: chunk, path: path())
            if n == 0 { return result }
            result.append(contentsOf: chunk[0..<n])
            if result.count > limit { throw SystemError("read (larger than \(limit) bytes)", path: path(), code: EFBIG) }
        }
    }

    /// Closes now and reports a failed close (NFS reports write errors there).
    public consuming func close(path: @autoclosure () -> String) throws(SystemError) {
        let fd = take()
        guard Glibc.close(fd) == 0 else { throw SystemError("close", path: path(), code: errno) }
    }
}
