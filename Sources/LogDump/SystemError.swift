#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: what was attempted, on which path, and the errno text.
public struct SystemError: Error, Sendable, CustomStringConvertible {
    public let operation: String
    public let path: String
    public let code: Int32

    public init(_ operation: String, _ path: String, _ code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    public var description: String {
        "\(operation) \(path): \(String(cString: strerror(code)))"
    }
}

/// The path of a file below a trusted directory, walked component by component without following links.
///
/// `base` is trusted (an administrator's path, opened normally); every component below it is opened with
/// `O_NOFOLLOW`, so a symlink planted inside a container's folder is never followed.
public struct SafePath: Sendable, Hashable, Codable, CustomStringConvertible {
    public var base: String
    public var components: [String]

    public init(base: String, components: [String]) {
        self.base = base
        self.components = components
    }

    public var description: String {
        (base == "/" ? "" : base) + "/" + components.joined(separator: "/")
    }

    public var name: String { components.last ?? "" }

    /// Opens the directory that holds the last component; the caller closes it.
    public func openParent() throws(SystemError) -> Int32 {
        var fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open", base) }
        for component in components.dropLast() {
            let next = openat(fd, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            let code = errno
            close(fd)
            guard next >= 0 else {
                throw SystemError("open directory", description, code == ENOTDIR ? ELOOP : code)
            }
            fd = next
        }
        return fd
    }

    /// True when the component is a plain name: not empty, no `/`, not `.` or `..`.
    public static func isPlainComponent(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.utf8.contains(UInt8(ascii: "/")) && !name.utf8.contains(0)
    }
}

/// Small wrappers around directory and file system calls.
enum FileSystem {
    /// The entries of an open directory (not `.`/`..`), names as raw bytes (they may not be UTF-8).
    static func entries(of directoryFD: Int32, path: String) throws(SystemError) -> [[UInt8]] {
        let copy = dup(directoryFD)
        guard copy >= 0 else { throw SystemError("dup", path) }
        guard let dir = fdopendir(copy) else {
            let code = errno
            close(copy)
            throw SystemError("opendir", path, code)
        }
        defer { closedir(dir) }
        rewinddir(dir)
        var result: [[UInt8]] = []
        while let entry = readdir(dir) {
            let name: [UInt8] = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                let bytes = raw.bindMemory(to: UInt8.self)
                let length = bytes.firstIndex(of: 0) ?? bytes.count
                return Array(bytes[0..<length])
            }
            if name == [46] || name == [46, 46] { continue }
            result.append(name)
        }
        return result
    }

    static func lstatAt(_ directoryFD: Int32, _ name: String) -> stat? {
        var info = stat()
        return fstatat(directoryFD, name, &info, AT_SYMLINK_NOFOLLOW) == 0 ? info : nil
    }

    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFREG: "regular file"
        case S_IFDIR: "directory"
        case S_IFLNK: "symlink"
        case S_IFIFO: "fifo"
        case S_IFSOCK: "socket"
        case S_IFCHR: "character device"
        case S_IFBLK: "block device"
        default: "unknown file type"
        }
    }

    static func isRegular(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFREG }
    static func isDirectory(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFDIR }

    /// Why `path` can never be used as a directory (it, or a parent of it, exists and is not one), or nil
    /// when it is a directory or could still be created.
    static func notADirectoryProblem(_ path: String) -> String? {
        var current = ""
        for component in path.split(separator: "/") {
            current += "/" + component
            var info = stat()
            guard stat(current, &info) == 0 else { return nil }  // missing: it can be created
            if !isDirectory(info) {
                return current == path
                    ? "\(path) is a \(kind(info.st_mode)), not a directory: name a directory (it is created when missing)"
                    : "\(path) cannot be a directory: \(current) is a \(kind(info.st_mode))"
            }
        }
        return nil
    }

    /// Creates `path` and its parents (trusted, administrator paths only).
    static func makeDirectories(_ path: String, mode: mode_t = 0o750) throws(SystemError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) != 0 && errno != EEXIST { throw SystemError("mkdir", current) }
        }
    }

    /// Writes all of `bytes` to `fd`, retrying short writes and EINTR.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError("write", path)
            }
            offset += n
        }
    }

    /// Reads up to `buffer.count` bytes, retrying EINTR; 0 at end of file.
    static func readSome(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, path: String) throws(SystemError) -> Int {
        while true {
            let n = read(fd, buffer.baseAddress!, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError("read", path)
            }
            return n
        }
    }

    /// Replaces `name` in the directory atomically: temporary file, fsync, rename, fsync the directory.
    static func writeAtomically(_ directoryFD: Int32, _ name: String, _ bytes: [UInt8], directoryPath: String) throws {
        let temporary = name + ".tmp"
        let fd = openat(directoryFD, temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw SystemError("create", directoryPath + "/" + temporary) }
        do {
            try bytes.withUnsafeBytes { raw in try writeAll(fd, raw, path: directoryPath + "/" + temporary) }
            guard fsync(fd) == 0 else { throw SystemError("fsync", directoryPath + "/" + temporary) }
        } catch {
            close(fd)
            unlinkat(directoryFD, temporary, 0)
            throw error
        }
        close(fd)
        guard renameat(directoryFD, temporary, directoryFD, name) == 0 else {
            let code = errno
            unlinkat(directoryFD, temporary, 0)
            throw SystemError("rename", directoryPath + "/" + name, code)
        }
        guard fsync(directoryFD) == 0 else { throw SystemError("fsync", directoryPath) }
    }

    /// The whole content of a small regular file in a directory, or nil when it does not exist.
    static func readSmallFile(_ directoryFD: Int32, _ name: String, limit: Int = 1 << 20, directoryPath: String) throws -> [UInt8]? {
        let fd = openat(directoryFD, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw SystemError("open", directoryPath + "/" + name)
        }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = try chunk.withUnsafeMutableBytes { raw in try readSome(fd, raw, path: directoryPath + "/" + name) }
            if n == 0 { break }
            result.append(contentsOf: chunk[0..<n])
            if result.count > limit { throw SystemError("read", directoryPath + "/" + name, EFBIG) }
        }
        return result
    }
}
