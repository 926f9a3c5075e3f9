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
        if let error = writeMany([(name, bytes)], in: directory, directoryPath: directoryPath, mode: mode)[0] { throw error }
    }

    /// Replaces several small files of one directory (one, for `write`), with one fsync of the directory for all
    /// of them: every temporary file is written, then each is fsynced (the first fsync commits what the others
    /// wrote too), then all are renamed over their names, then the directory is fsynced once. After a crash each
    /// file is its old content or its new, never a mix; a file counts as replaced only once this
    /// returns nil for it, so nothing that depends on any of them may happen before the call returns. Returns one
    /// error per file, in order (nil: replaced and durable); a name given twice fails the second time.
    public static func writeMany(_ files: [(name: String, bytes: [UInt8])], in directory: borrowing FileDescriptor,
                                 directoryPath: String, mode: mode_t = 0o640) -> [SystemError?] {
        var errors = [SystemError?](repeating: nil, count: files.count)
        var open: [(index: Int, fd: Int32)] = []
        var names = Set<String>()
        func discard(_ index: Int) {
            _ = RawBytes.withCString(files[index].name + temporarySuffix) { unlinkat(directory.rawValue, $0, 0) }
        }
        for (index, file) in files.enumerated() {
            let display = directoryPath + "/" + file.name + temporarySuffix
            guard names.insert(file.name).inserted else {
                errors[index] = SystemError("replace (the same name twice in one batch)", path: directoryPath + "/" + file.name, code: EINVAL)
                continue
            }
            do throws(SystemError) {
                let created = try directory.open(file.name + temporarySuffix, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode: mode,
                                                 displayPath: display, operation: "create")
                let fd = created.take()
                open.append((index, fd))
                let written: Result<Void, SystemError> = file.bytes.withUnsafeBytes { raw in
                    Result { () throws(SystemError) in try FileDescriptor.writeAll(fd, raw, path: display) }
                }
                try written.get()
            } catch {
                errors[index] = error
            }
        }
        for (index, fd) in open {
            let display = directoryPath + "/" + files[index].name + temporarySuffix
            do throws(SystemError) {
                let file = FileDescriptor(adopting: fd)
                if errors[index] == nil { try file.sync(path: display) }
                try file.close(path: display)
            } catch {
                if errors[index] == nil { errors[index] = error }
            }
            if errors[index] != nil { discard(index) }
        }
        var renamed: [Int] = []
        for (index, file) in files.enumerated() where errors[index] == nil {
            let temporary = file.name + temporarySuffix
            let (result, code) = Syscall.result {
                RawBytes.withCString(temporary) { from in RawBytes.withCString(file.name) { renameat(directory.rawValue, from, directory.rawValue, $0) } }
            }
            if result == 0 {
                renamed.append(index)
            } else {
                discard(index)
                errors[index] = SystemError("rename into place", path: directoryPath + "/" + file.name, code: code)
            }
        }
        guard !renamed.isEmpty else { return errors }
        do throws(SystemError) { try directory.sync(path: directoryPath) } catch {
            for index in renamed { errors[index] = error }
        }
        return errors
    }
}
