import LogSplitCore

#if canImport(Glibc)
import Glibc
#endif

/// The one walker for directories below a trusted base: the base is the administrator's path (its links
/// are followed), every component below it is opened with `O_NOFOLLOW|O_DIRECTORY`, so nothing a container
/// planted (a symlink, a fifo, a file where a directory belongs) is ever followed.
public enum SafeDirectory {
    /// What to do when a component below the base does not exist.
    public enum Missing: Sendable {
        /// Fail with ENOENT.
        case fail
        /// Give back nil: the answer is "not there".
        case giveNil
        /// Create it with this mode (`mkdirat`, a race with another creator is fine).
        case create(mode_t)
    }

    /// Called when something that is not a real directory stands where one belongs (ELOOP/ENOTDIR).
    /// It may move the obstacle aside (and return true): the walker then creates the directory and goes on.
    public typealias ObstacleHandler = (_ parent: Int32, _ name: String, _ displayPath: String) -> Bool

    /// Creates the trusted `path` and its parents when missing (following the administrator's links), like
    /// `mkdir -p`; fails when something on the way is not a directory.
    public static func makeTrusted(_ path: String, mode: mode_t) throws(SystemError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") where component != "." {
            current += "/" + component
            let (_, code) = Syscall.result { RawBytes.withCString(current) { mkdir($0, mode) } }
            if code != 0 && code != EEXIST { throw SystemError("create directory", path: current, code: code) }
        }
        // EEXIST also answers for a file of that name: make sure it is a directory now.
        _ = try FileDescriptor.open(path, O_RDONLY | O_DIRECTORY, operation: "open directory")
    }

    /// Opens `base`, then each of `components` without following links; nil only with `missing: .giveNil`.
    /// `base` is created first when `createBase` is given.
    public static func open(base: String, createBase: mode_t? = nil, components: some Collection<String>,
                            missing: Missing, obstacle: ObstacleHandler = { _, _, _ in false }) throws(SystemError) -> FileDescriptor? {
        if let createBase { try makeTrusted(base, mode: createBase) }
        var fd = try FileDescriptor.open(base, O_RDONLY | O_DIRECTORY, operation: "open directory")
        var walked = base == "/" ? "" : base
        for component in components {
            walked += "/" + component
            guard let next = try openChild(of: fd, component, displayPath: walked, missing: missing, obstacle: obstacle) else {
                return nil
            }
            fd = next
        }
        return fd
    }

    /// One step of the walk: the directory `name` in `parent`.
    static func openChild(of parent: borrowing FileDescriptor, _ name: String, displayPath: String, missing: Missing,
                          obstacle: ObstacleHandler) throws(SystemError) -> FileDescriptor? {
        let flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
        var attempt = 0
        while true {
            attempt += 1
            let (fd, code) = Syscall.result { RawBytes.withCString(name) { openat(parent.rawValue, $0, flags) } }
            if fd >= 0 { return FileDescriptor(adopting: fd) }
            switch code {
            case ENOENT:
                switch missing {
                case .fail: throw SystemError("open directory", path: displayPath, code: ENOENT)
                case .giveNil: return nil
                case let .create(mode):
                    let (_, made) = Syscall.result { RawBytes.withCString(name) { mkdirat(parent.rawValue, $0, mode) } }
                    if made != 0 && made != EEXIST { throw SystemError("create directory", path: displayPath, code: made) }
                }
            case ELOOP, ENOTDIR:
                // A symlink, or something that is not a directory: never followed.
                guard attempt < 3, obstacle(parent.rawValue, name, displayPath) else {
                    throw SystemError("open directory (not a real directory; not followed)", path: displayPath, code: ELOOP)
                }
            default:
                throw SystemError("open directory", path: displayPath, code: code)
            }
            guard attempt < 4 else { throw SystemError("open directory", path: displayPath, code: code) }
        }
    }

    /// The entries of an open directory (not `.`/`..`), names as raw bytes (they may not be UTF-8).
    public static func entries(of directory: borrowing FileDescriptor, path: @autoclosure () -> String) throws(SystemError) -> [[UInt8]] {
        try entries(of: directory.rawValue, path: path())
    }

    /// The entries of a directory open as `fd` (someone else's descriptor).
    public static func entries(of fd: Int32, path: @autoclosure () -> String) throws(SystemError) -> [[UInt8]] {
        let copy = try Syscall.retrying("list", path: path()) { dup(fd) }
        guard let stream = fdopendir(copy) else {
            let code = errno
            close(copy)
            throw SystemError("list", path: path(), code: code)
        }
        defer { closedir(stream) }
        rewinddir(stream)
        var result: [[UInt8]] = []
        while let entry = readdir(stream) {
            let name: [UInt8] = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                let bytes = raw.bindMemory(to: UInt8.self)
                return Array(bytes[0..<(bytes.firstIndex(of: 0) ?? bytes.count)])
            }
            if name == [46] || name == [46, 46] { continue }
            result.append(name)
        }
        return result
    }

    /// `fstatat` without following a link; nil when the entry is gone.
    public static func status(in directory: borrowing FileDescriptor, _ name: String) -> stat? {
        status(in: directory.rawValue, name)
    }

    /// `fstatat` without following a link in a directory open as `fd`; nil when the entry is gone.
    public static func status(in fd: Int32, _ name: String) -> stat? {
        var info = stat()
        let (result, _) = Syscall.result { RawBytes.withCString(name) { fstatat(fd, $0, &info, AT_SYMLINK_NOFOLLOW) } }
        return result == 0 ? info : nil
    }

    /// Why `path` can never be used as a directory (it, or a parent, exists and is not one), or nil when it is
    /// a directory or could still be created.
    public static func notADirectoryProblem(_ path: String) -> String? {
        var current = ""
        for component in path.split(separator: "/") {
            current += "/" + component
            var info = stat()
            guard RawBytes.withCString(current, { stat($0, &info) }) == 0 else { return nil }
            let kind = FileKind(info)
            if kind != .directory {
                return current == path
                    ? "\(path) is a \(kind), not a directory: name a directory (it is created when missing)"
                    : "\(path) cannot be a directory: \(current) is a \(kind)"
            }
        }
        return nil
    }
}
