import LogCompression

#if canImport(Glibc)
import Glibc
#endif
import CLinuxShim

/// A destination directory on local disk or a mounted NFS share.
///
/// The directory itself must exist (it is never created: an unmounted share must not fill the root file
/// system); the key's subdirectories are created below it. A put writes `.<name>.logdump-tmp` beside the
/// final name, fsyncs it, renames it into place (`RENAME_NOREPLACE` unless replacing) and fsyncs the
/// directory. `stat` reads the file back and hashes it.
public struct DirectoryDestination: Destination {
    public let root: String
    /// Test hook (`LOGDUMP_TEST_CORRUPT_DESTINATION=1`): damage each copy right after writing it, to prove
    /// that verification catches it and nothing is removed.
    let corruptAfterWrite: Bool
    let stepDelayMicroseconds: UInt32

    public init(root: String, corruptAfterWrite: Bool = false, stepDelayMicroseconds: UInt32 = 0) {
        self.root = root
        self.corruptAfterWrite = corruptAfterWrite
        self.stepDelayMicroseconds = stepDelayMicroseconds
    }

    public var description: String { "directory \(root)" }

    public func checkAvailable() throws(DestinationError) {
        var info = Glibc.stat()
        guard statFollowing(root, &info) == 0 else {
            throw .unavailable("destination directory \(root) is not there (\(String(cString: strerror(errno)))): is the share mounted?")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw .unavailable("destination \(root) is not a directory") }
        guard access(root, W_OK) == 0 else { throw .unavailable("destination directory \(root) is not writable") }
    }

    static func temporaryName(_ name: String) -> String { "." + name + ".logdump-tmp" }

    /// Opens the directory holding the key's last component, creating directories on the way if asked.
    private func openKeyDirectory(_ key: [String], create: Bool) throws(DestinationError) -> Int32? {
        var fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            throw .unavailable("destination directory \(root) is not there (\(String(cString: strerror(errno)))): is the share mounted?")
        }
        var path = root
        for component in key.dropLast() {
            path += "/" + component
            var next = openat(fd, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0 && errno == ENOENT {
                if !create {
                    close(fd)
                    return nil
                }
                if mkdirat(fd, component, 0o755) != 0 && errno != EEXIST {
                    let e = errno
                    close(fd)
                    throw .failed("cannot create \(path): \(String(cString: strerror(e)))")
                }
                next = openat(fd, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            let e = errno
            close(fd)
            guard next >= 0 else { throw .failed("cannot open \(path): \(String(cString: strerror(e)))") }
            fd = next
        }
        return fd
    }

    public func stat(key: [String]) throws(DestinationError) -> StoredObject? {
        guard let dir = try openKeyDirectory(key, create: false) else { return nil }
        defer { close(dir) }
        let path = root + "/" + key.joined(separator: "/")
        let fd = openat(dir, key.last!, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw .failed("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = Glibc.stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw .failed("\(path) at the destination is not a regular file")
        }
        // Ask the kernel to drop cached pages first where it can, so NFS reads come from the server.
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)
        var hasher = SHA256()
        var size = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n: Int
            do { n = try FileSystem.readSome(fd, buffer, path: path) } catch { throw .failed(error.description) }
            if n == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            size += n
        }
        return StoredObject(size: size, sha256: hasher.hexDigest())
    }

    public func put(key: [String], localPath: String, replace: Bool) throws(DestinationError) {
        guard let dir = try openKeyDirectory(key, create: true) else { throw .failed("cannot create the key directory") }
        defer { close(dir) }
        let name = key.last!
        let temporary = Self.temporaryName(name)
        let path = root + "/" + key.joined(separator: "/")
        let source = open(localPath, O_RDONLY | O_CLOEXEC)
        guard source >= 0 else { throw .failed("cannot open \(localPath): \(String(cString: strerror(errno)))") }
        defer { close(source) }
        unlinkat(dir, temporary, 0)  // left by an interrupted put of this key
        let target = openat(dir, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard target >= 0 else { throw .failed("cannot create \(path) (temporary): \(String(cString: strerror(errno)))") }
        func fail(_ message: String) -> DestinationError {
            close(target)
            unlinkat(dir, temporary, 0)
            return .failed(message)
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n: Int
            do { n = try FileSystem.readSome(source, buffer, path: localPath) } catch { throw fail(error.description) }
            if n == 0 { break }
            do { try FileSystem.writeAll(target, UnsafeRawBufferPointer(rebasing: buffer[0..<n]), path: path) } catch {
                throw fail("cannot write \(path): \(String(cString: strerror(error.code)))")
            }
            if stepDelayMicroseconds > 0 { usleep(stepDelayMicroseconds) }
        }
        guard fsync(target) == 0 else { throw fail("cannot fsync \(path): \(String(cString: strerror(errno)))") }
        close(target)
        let renamed = replace ? renameat(dir, temporary, dir, name) : clinux_rename_noreplace(dir, temporary, dir, name)
        if renamed != 0 {
            let e = errno
            unlinkat(dir, temporary, 0)
            if e == EEXIST { throw .exists(key: key.joined(separator: "/")) }
            throw .failed("cannot rename into \(path): \(String(cString: strerror(e)))")
        }
        guard fsync(dir) == 0 else { throw .failed("cannot fsync the directory of \(path): \(String(cString: strerror(errno)))") }
        if corruptAfterWrite {
            let fd = openat(dir, name, O_RDWR | O_NOFOLLOW | O_CLOEXEC)
            if fd >= 0 {
                var byte: UInt8 = 0
                let middle = max(0, Int(lseek(fd, 0, SEEK_END)) / 2)
                _ = pread(fd, &byte, 1, off_t(middle))
                byte ^= 0xff
                _ = pwrite(fd, &byte, 1, off_t(middle))
                close(fd)
            }
        }
    }
}

/// `stat(2)` (following links: the destination root is the administrator's path).
private func statFollowing(_ path: String, _ info: inout stat) -> Int32 { stat(path, &info) }
