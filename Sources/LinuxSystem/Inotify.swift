import LogSplitCore

#if canImport(Glibc)
import Glibc
#endif

/// An inotify instance (non-blocking, close-on-exec): directories are watched through a descriptor the
/// caller opened without following links (`/proc/self/fd/N`), so a watch never lands on a symlink's target.
public struct Inotify: ~Copyable {
    /// One event as the kernel reported it; `name` is the entry's raw bytes (empty for events on the directory).
    public struct Event: Sendable, Equatable {
        public var watch: Int32
        public var mask: UInt32
        public var name: [UInt8]

        public init(watch: Int32, mask: UInt32, name: [UInt8]) {
            self.watch = watch
            self.mask = mask
            self.name = name
        }

        /// The kernel's queue overflowed: events were lost, rescan everything.
        public var isOverflow: Bool { mask & UInt32(IN_Q_OVERFLOW) != 0 }
        /// An entry appeared (created, or moved in).
        public var isNewEntry: Bool { mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 }
        /// A file in the directory was written to or closed after writing.
        public var isWrite: Bool { mask & UInt32(IN_MODIFY | IN_CLOSE_WRITE) != 0 }
        /// The watch is gone (its directory was removed).
        public var isWatchGone: Bool { mask & UInt32(IN_IGNORED) != 0 }
    }

    /// What `logdump tail` watches on roots, container and site directories.
    public static let directoryMask = UInt32(IN_CREATE | IN_MOVED_TO | IN_MODIFY | IN_CLOSE_WRITE | IN_ONLYDIR)

    private let descriptor: FileDescriptor

    public init() throws(SystemError) {
        let fd = try Syscall.retrying("create an inotify instance", path: "(inotify)") {
            inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        }
        descriptor = FileDescriptor(adopting: fd)
    }

    /// The descriptor to `poll` for `POLLIN`.
    public var rawValue: Int32 { descriptor.rawValue }

    /// Watches the directory open as `directory` (opened by the caller with `O_NOFOLLOW`); the same directory
    /// watched twice gives the same watch number.
    public func watch(directory: Int32, mask: UInt32 = Inotify.directoryMask,
                      displayPath: @autoclosure () -> String) throws(SystemError) -> Int32 {
        let procPath = "/proc/self/fd/\(directory)"
        return try Syscall.retrying("watch directory", path: displayPath()) {
            inotify_add_watch(descriptor.rawValue, procPath, mask)
        }
    }

    /// Stops a watch; a watch already gone (its directory removed) is not an error.
    public func remove(watch: Int32) {
        _ = inotify_rm_watch(descriptor.rawValue, watch)
    }

    /// Every event queued now (none when the queue is empty: the descriptor never blocks).
    public func readEvents() throws(SystemError) -> [Event] {
        var events: [Event] = []
        let size = 64 * 1024
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let (count, code) = Syscall.result { read(descriptor.rawValue, buffer.baseAddress, size) }
            if count < 0 {
                if code == EAGAIN { return events }
                throw SystemError("read inotify events", path: "(inotify)", code: code)
            }
            if count == 0 { return events }
            var offset = 0
            let header = MemoryLayout<inotify_event>.size
            while offset + header <= count {
                let wd = buffer.load(fromByteOffset: offset, as: Int32.self)
                let mask = buffer.load(fromByteOffset: offset + 4, as: UInt32.self)
                let length = Int(buffer.load(fromByteOffset: offset + 12, as: UInt32.self))
                let nameStart = offset + header
                let nameBytes = buffer[nameStart..<min(count, nameStart + length)]
                let name = Array(nameBytes.prefix(while: { $0 != 0 }))
                events.append(Event(watch: wd, mask: mask, name: name))
                offset = nameStart + length
            }
        }
    }
}
