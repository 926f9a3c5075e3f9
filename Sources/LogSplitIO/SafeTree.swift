#if canImport(Glibc)
import Glibc
#endif
import LinuxSystem
import LogSplitCore

/// A trusted directory below which every path is walked without following symlinks.
///
/// The log folders are writable from inside containers while logsplit runs as root. Below the root each
/// directory is opened with `openat(O_DIRECTORY|O_NOFOLLOW)` and created with `mkdirat`; files are opened
/// with `O_NOFOLLOW|O_NONBLOCK|O_CLOEXEC` and must be regular files. Whatever a container planted where a
/// directory or log file belongs (symlink, dangling symlink, fifo, socket, device, or a directory in place
/// of the file) is renamed aside to `<name>.refused-<kind>-<unixtime>`, reported, and replaced by a real
/// directory or file created with `O_EXCL`, so the lines are kept and nothing is written through it.
public struct SafeTree: Sendable {
    /// The trusted root as given (it may itself be reached through symlinks: it is the operator's).
    public let root: String
    public let fileMode: mode_t = 0o664
    public let directoryMode: mode_t = 0o775

    public init(root: String) {
        // `/r/./sub/`, `/r//sub` and `/r/x/../sub` name the same directory as `/r/sub`: compare like that.
        self.root = Template.lexicallyNormalised(root)
    }

    /// Creates the root (and its parents, following the operator's own symlinks) if it does not exist.
    public func ensureRoot() throws(SystemError) {
        try SafeDirectory.makeTrusted(root, mode: directoryMode)
    }

    /// The components of `path` below the root, or nil when `path` is not strictly below it or contains
    /// `.`/`..`/empty components (a rendered template never should; a hostile value must not escape).
    public func relativeComponents(of path: String) -> [String]? {
        let rest: Substring
        if root == "." {
            guard !path.hasPrefix("/") else { return nil }
            rest = path.hasPrefix("./") ? path.dropFirst(2) : Substring(path)
        } else if root == "/" {
            guard path.hasPrefix("/") else { return nil }
            rest = path.dropFirst()
        } else {
            guard path.hasPrefix(root + "/") else { return nil }
            rest = path.dropFirst(root.count + 1)
        }
        let components = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard !components.isEmpty, !components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
            return nil
        }
        return components
    }

    /// Opens (creating as needed) the directory that holds `path` and returns its descriptor and the file's name.
    /// `refused` is told about each planted object moved aside.
    public func openParent(of path: String, refused: (String) -> Void) throws(SystemError) -> (dirfd: Int32, name: String) {
        guard let components = relativeComponents(of: path) else {
            throw SystemError("write outside the trusted root \(root):", path: path, code: EXDEV)
        }
        // Something that is not a real directory where one belongs is moved aside and replaced.
        let directory = try SafeDirectory.open(base: root, components: components.dropLast(), missing: .create(directoryMode)) {
            parent, name, display in
            if let moved = moveAside(dirfd: parent, name: name, displayPath: display) { refused(moved) }
            return true
        }
        return (directory!.take(), components.last!)
    }

    /// Opens `path` for appending, creating it, refusing anything but a regular file.
    public func openForAppend(_ path: String, refused: (String) -> Void) throws(SystemError) -> Int32 {
        let (dirfd, name) = try openParent(of: path, refused: refused)
        defer { close(dirfd) }
        for attempt in 0..<3 {
            var st = stat()
            if withPath(name, { fstatat(dirfd, $0, &st, AT_SYMLINK_NOFOLLOW) }) == 0, (st.st_mode & S_IFMT) != S_IFREG {
                if let moved = moveAside(dirfd: dirfd, name: name, displayPath: path) { refused(moved) }
            }
            let flags = O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | (attempt > 0 ? O_EXCL : 0)
            let fd = withPath(name) { openat(dirfd, $0, flags, fileMode) }
            if fd < 0 {
                let e = errno
                if e == ELOOP || e == ENXIO || e == EISDIR || e == EEXIST || e == ENOTDIR { continue }  // raced: look again
                throw SystemError("open log file", path: path, code: e)
            }
            if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG {
                _ = fcntl(fd, F_SETFL, O_WRONLY | O_APPEND)  // back to blocking writes
                return fd
            }
            close(fd)
        }
        throw SystemError("open log file (something keeps replacing it)", path: path, code: ELOOP)
    }

    /// Renames a planted object aside; returns a message naming it, or nil if it vanished meanwhile.
    func moveAside(dirfd: Int32, name: String, displayPath: String) -> String? {
        var st = stat()
        guard withPath(name, { fstatat(dirfd, $0, &st, AT_SYMLINK_NOFOLLOW) }) == 0 else { return nil }
        let kind: String
        switch st.st_mode & S_IFMT {
        case S_IFLNK: kind = "symlink"
        case S_IFIFO: kind = "fifo"
        case S_IFSOCK: kind = "socket"
        case S_IFCHR, S_IFBLK: kind = "device"
        case S_IFDIR: kind = "directory"
        case S_IFREG: kind = "file"
        default: kind = "object"
        }
        var detail = ""
        if kind == "symlink" {
            var target = [CChar](repeating: 0, count: 4096)
            let n = withPath(name) { readlinkat(dirfd, $0, &target, target.count - 1) }
            if n >= 0 { detail = " pointing to '" + RawBytes.string(decoding: target[0..<n].map { UInt8(bitPattern: $0) }) + "'" }
        }
        let aside = "\(name).refused-\(kind)-\(time(nil))"
        guard withPaths(name, aside, { renameat(dirfd, $0, dirfd, $1) }) == 0 else {
            return "refused a \(kind)\(detail) at \(displayPath) and could not move it aside: \(String(cString: strerror(errno)))"
        }
        return "refused a \(kind)\(detail) at \(displayPath): moved it aside to \(aside) and created a real one; nothing was written through it"
    }
}
