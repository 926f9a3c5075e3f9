#if canImport(Glibc)
import Glibc
#endif
import LinuxSystem
import LogSplitCore

/// Maintains cronolog's "current file" link (`-S`/`-l` symbolic, `-H` hard) and its `-P` previous link.
///
/// Unlike Debian's cronolog, the link moves at every rotation and never disappears: the new link is
/// made under a temporary name and renamed over the old one (rename is atomic and does not follow a
/// planted symlink). With `-P`, the old link is first duplicated to the previous-link name the same way.
/// Symbolic links point to the file name exactly as the template produced it, as cronolog's do.
struct LinkUpdater {
    let tree: SafeTree

    func update(
        link: String, kind: LinkSpec.Kind, target: String, fd: Int32, previous: String?, refused: (String) -> Void
    ) throws(SystemError) {
        let (dirfd, name) = try openDirectory(of: link, refused: refused)
        defer { if dirfd != AT_FDCWD { close(dirfd) } }
        if let previous {
            let (prevDirfd, prevName) = try openDirectory(of: previous, refused: refused)
            defer { if prevDirfd != AT_FDCWD { close(prevDirfd) } }
            try duplicate(dirfd: dirfd, name: name, kind: kind, intoDirfd: prevDirfd, name: prevName, display: previous)
        }
        let temporary = ".\(lastComponent(name)).tmp-\(getpid())"
        let tempPath = sibling(name, temporary)
        _ = withPath(tempPath) { unlinkat(dirfd, $0, 0) }
        switch kind {
        case .symbolic:
            guard withPaths(target, tempPath, { symlinkat($0, dirfd, $1) }) == 0 else { throw SystemError("create symbolic link", path: link, code: errno) }
        case .hard:
            guard withPath(tempPath, { linkat(AT_FDCWD, "/proc/self/fd/\(fd)", dirfd, $0, AT_SYMLINK_FOLLOW) }) == 0 else {
                throw SystemError("create hard link", path: link, code: errno)
            }
        }
        guard withPaths(tempPath, name, { renameat(dirfd, $0, dirfd, $1) }) == 0 else {
            let e = errno
            _ = withPath(tempPath) { unlinkat(dirfd, $0, 0) }
            throw SystemError("move link into place", path: link, code: e)
        }
    }

    /// Copies the link `name` (a symlink: same target; a hard link: same file) to `newName`, atomically.
    private func duplicate(
        dirfd: Int32, name: String, kind: LinkSpec.Kind, intoDirfd: Int32, name newName: String, display: String
    ) throws(SystemError) {
        var st = stat()
        guard withPath(name, { fstatat(dirfd, $0, &st, AT_SYMLINK_NOFOLLOW) }) == 0 else { return }  // no current link yet
        let temporary = sibling(newName, ".\(lastComponent(newName)).tmp-\(getpid())")
        _ = withPath(temporary) { unlinkat(intoDirfd, $0, 0) }
        if (st.st_mode & S_IFMT) == S_IFLNK {
            var buffer = [CChar](repeating: 0, count: 4097)
            let n = withPath(name) { readlinkat(dirfd, $0, &buffer, 4096) }
            guard n >= 0 else { return }
            buffer[n] = 0
            guard withPath(temporary, { symlinkat(buffer, intoDirfd, $0) }) == 0 else { throw SystemError("create previous link", path: display, code: errno) }
        } else if (st.st_mode & S_IFMT) == S_IFREG && kind == .hard {
            guard withPaths(name, temporary, { linkat(dirfd, $0, intoDirfd, $1, 0) }) == 0 else { throw SystemError("create previous link", path: display, code: errno) }
        } else {
            return
        }
        guard withPaths(temporary, newName, { renameat(intoDirfd, $0, intoDirfd, $1) }) == 0 else {
            let e = errno
            _ = withPath(temporary) { unlinkat(intoDirfd, $0, 0) }
            throw SystemError("move previous link into place", path: display, code: e)
        }
    }

    /// The directory holding `path`: walked safely when under the trusted root, else the operator's path as is.
    private func openDirectory(of path: String, refused: (String) -> Void) throws(SystemError) -> (Int32, String) {
        if tree.relativeComponents(of: path) != nil {
            return try tree.openParent(of: path, refused: refused)
        }
        return (AT_FDCWD, path)
    }

    private func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    private func sibling(_ path: String, _ name: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return name }
        return String(path[...slash]) + name
    }
}
