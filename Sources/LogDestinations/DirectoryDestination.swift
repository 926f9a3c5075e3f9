import CLinuxShim
import LinuxSystem
import LogShipCore
import LogSplitCore

#if canImport(Glibc)
import Glibc
#endif

/// A destination directory on local disk or a mounted NFS share.
///
/// The directory itself must exist (it is never created: an unmounted share must not fill the root file
/// system); the key's subdirectories are created below it, never following a link. A put writes
/// `.<name>.logdump-tmp` beside the final name, fsyncs it, renames it into place (`RENAME_NOREPLACE` unless
/// replacing) and fsyncs the directory. `verify` reads the file back and hashes it.
public struct DirectoryDestination: Destination {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    public var description: String { "directory \(root)" }

    func notThere(_ code: Int32) -> DestinationError {
        .unavailable("destination directory \(root) is not there (\(String(cString: strerror(code)))): is the share mounted?")
    }

    public func checkAvailable() throws(DestinationError) {
        var info = stat()
        guard RawBytes.withCString(root, { stat($0, &info) }) == 0 else { throw notThere(errno) }
        guard FileKind(info) == .directory else { throw .unavailable("destination \(root) is not a directory") }
        guard RawBytes.withCString(root, { access($0, W_OK) }) == 0 else {
            throw .unavailable("destination directory \(root) is not writable")
        }
    }

    /// The temporary name a put of `name` writes first; the next put of the same key removes a leftover.
    public static func temporaryName(_ name: String) -> String { "." + name + ".logdump-tmp" }

    /// The directory holding the key's last component; nil when it does not exist and `create` is false.
    private func keyDirectory(_ key: [String], create: Bool) throws(DestinationError) -> FileDescriptor? {
        do {
            return try SafeDirectory.open(base: root, components: key.dropLast(), missing: create ? .create(0o755) : .giveNil)
        } catch {
            if error.path == root { throw notThere(error.code) }
            throw .failed(error.description)
        }
    }

    public func verify(key: [String], expected: LocalObject) throws(DestinationError) -> RemoteCopy {
        guard let directory = try keyDirectory(key, create: false) else { return .missing }
        let path = root + "/" + key.joined(separator: "/")
        let file: FileDescriptor
        do {
            file = try directory.open(key.last!, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, displayPath: path)
        } catch {
            if error.code == ENOENT { return .missing }
            throw .failed(error.description)
        }
        do {
            guard FileKind(try file.status(path: path)) == .regular else {
                throw DestinationError.failed("\(path) at the destination is not a regular file")
            }
        } catch let error as SystemError {
            throw .failed(error.description)
        } catch let error as DestinationError {
            throw error
        } catch {
            throw .failed("\(error)")
        }
        // Ask the kernel to drop cached pages first where it can, so NFS reads come from the server.
        _ = posix_fadvise(file.rawValue, 0, 0, POSIX_FADV_DONTNEED)
        var hasher = SHA256Hasher()
        var size = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n: Int
            do { n = try file.read(into: buffer, path: path) } catch { throw .failed(error.description) }
            if n == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            size += n
        }
        let sha = hasher.hexDigest()
        return size == expected.size && sha == expected.sha256 ? .matches : .differs("size \(size) sha256 \(sha)")
    }

    public func put(_ object: LocalObject, key: [String], replace: Bool) throws(DestinationError) {
        guard let directory = try keyDirectory(key, create: true) else { throw .failed("cannot create the key directory") }
        let name = key.last!
        let temporary = Self.temporaryName(name)
        let path = root + "/" + key.joined(separator: "/")
        do {
            let source = try FileDescriptor.open(object.path, O_RDONLY)
            _ = RawBytes.withCString(temporary) { unlinkat(directory.rawValue, $0, 0) }  // left by an interrupted put
            let target = try directory.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o644,
                                            displayPath: path + " (temporary)", operation: "create")
            do {
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
                defer { buffer.deallocate() }
                while true {
                    let n = try source.read(into: buffer, path: object.path)
                    if n == 0 { break }
                    try target.writeAll(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), path: path)
                }
                try target.sync(path: path)
                try target.close(path: path)
            } catch {
                _ = RawBytes.withCString(temporary) { unlinkat(directory.rawValue, $0, 0) }
                throw error
            }
            let (renamed, code) = Syscall.result {
                RawBytes.withCString(temporary) { from in
                    RawBytes.withCString(name) { to in
                        replace ? renameat(directory.rawValue, from, directory.rawValue, to)
                            : clinux_rename_noreplace(directory.rawValue, from, directory.rawValue, to)
                    }
                }
            }
            if renamed != 0 {
                _ = RawBytes.withCString(temporary) { unlinkat(directory.rawValue, $0, 0) }
                if code == EEXIST { throw DestinationError.exists(key: key.joined(separator: "/")) }
                throw SystemError("rename into", path: path, code: code)
            }
            try directory.sync(path: "the directory of " + path)
        } catch let error as DestinationError {
            throw error
        } catch {
            throw .failed("\(error)")
        }
    }
}
