import LinuxSystem
import LogShipCore
import LogSplitCore

#if canImport(Glibc)
import Glibc
#endif

/// Reads the configuration file: a readable regular file of at most 1 MiB of UTF-8 text, or a clear problem.
///
/// A directory, a device such as `/dev/zero`, a fifo (which would block the run) or an unreadable path is
/// never taken for "no file, use the defaults": that would ship and delete a tree the operator never named.
public enum ConfigFile {
    public static let defaultPath = "/etc/logdump.toml"
    public static let sizeLimit = 1 << 20

    /// The text of the file at `path`; nil when `path` is the default path and it does not exist (the
    /// built-in defaults apply). `path` may carry non-UTF-8 bytes escaped by `RawBytes`.
    public static func read(_ path: String, explicit: Bool) throws(ConfigProblem) -> String? {
        let key = explicit ? "--config" : "(file)"
        let fd = RawBytes.withCString(path) { open($0, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC) }
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT && !explicit { return nil }
            throw ConfigProblem(key: key, message: "cannot read \(path): \(String(cString: strerror(code)))"
                + (code == ENOENT ? " (give the path of a TOML file, e.g. /etc/logdump.toml)" : ""))
        }
        let file = FileDescriptor(adopting: fd)
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw ConfigProblem(key: key, message: "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        guard FileKind(info) == .regular else {
            throw ConfigProblem(key: key, message:
                "\(path) is a \(FileKind(info)), not a regular file: give the path of a TOML file")
        }
        guard Int(info.st_size) <= sizeLimit else {
            throw ConfigProblem(key: key, message: "\(path) is \(info.st_size) bytes; a configuration is at most \(sizeLimit) bytes")
        }
        let bytes: [UInt8]
        do { bytes = try file.readAll(limit: sizeLimit, path: path) } catch {
            if error.code == EFBIG { throw ConfigProblem(key: key, message: "\(path) grew past \(sizeLimit) bytes while read") }
            throw ConfigProblem(key: key, message: "cannot read \(path): \(error)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigProblem(key: key, message: "\(path) is not UTF-8 text (TOML files are UTF-8)")
        }
        return text
    }
}
