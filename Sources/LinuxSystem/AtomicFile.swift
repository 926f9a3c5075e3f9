import LogSplitCore

#if canImport(Glibc)
import Glibc
#endif

/// Replaces a small file atomically: a reader (or a process started after a crash) sees the old content or
/// the new, never a mix. Temporary file, fsync, rename over the name, fsync of the directory.
public enum AtomicFile {
    /// The suffix of the temporary file; whoever holds the directory's lock removes leftovers with it.
    public static let temporarySuffix = ".tmp"

    public static func write(_ bytes: [UInt8], to name: String, in directory: borrowing FileDescriptor,
                             directoryPath: String, mode: mode_t = 0o640) throws(SystemError) {
        let temporary = name + temporarySuffix
        let display = directoryPath + "/" + temporary
        let file = try directory.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode: mode,
                                      displayPath: display, operation: "create")
        do throws(SystemError) {
            let fd = file.rawValue
            let written: Result<Void, SystemError> = bytes.withUnsafeBytes { raw in
                Result { () throws(SystemError) in try FileDescriptor.writeAll(fd, raw, path: display) }
            }
            try written.get()
            try file.sync(path: display)
            try file.close(path: display)
        } catch {
            _ = RawBytes.withCString(temporary) { unlinkat(directory.rawValue, $0, 0) }
            throw error
        }
        let (renamed, code) = Syscall.result {
            RawBytes.withCString(temporary) { from in RawBytes.withCString(name) { renameat(directory.rawValue, from, directory.rawValue, $0) } }
        }
        guard renamed == 0 else {
            _ = RawBytes.withCString(temporary) { unlinkat(directory.rawValue, $0, 0) }
            throw SystemError("rename into place", path: directoryPath + "/" + name, code: code)
        }
        try directory.sync(path: directoryPath)
    }
}
