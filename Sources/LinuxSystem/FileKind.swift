#if canImport(Glibc)
import Glibc
#endif

/// What a directory entry is, from its `st_mode`, named for messages ("a fifo, not a regular file").
public enum FileKind: Sendable, Equatable, CustomStringConvertible {
    case regular, directory, symlink, fifo, socket, characterDevice, blockDevice, unknown

    public init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .directory
        case S_IFLNK: self = .symlink
        case S_IFIFO: self = .fifo
        case S_IFSOCK: self = .socket
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        default: self = .unknown
        }
    }

    public init(_ info: stat) { self.init(mode: info.st_mode) }

    public var description: String {
        switch self {
        case .regular: "regular file"
        case .directory: "directory"
        case .symlink: "symlink"
        case .fifo: "fifo"
        case .socket: "socket"
        case .characterDevice: "character device"
        case .blockDevice: "block device"
        case .unknown: "unknown file type"
        }
    }
}
