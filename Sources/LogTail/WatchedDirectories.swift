import LinuxSystem
import LogShipCore
import LogSplitCore

#if canImport(Glibc)
import Glibc
#endif

/// Every directory under the roots where a container, a site or an hour file can appear, found with the same
/// no-follow walk as `run` (a symlinked directory is never entered), each watched with inotify so that new
/// containers, sites and files are seen within a second. A full rescan still runs every `rescan_seconds`
/// and after a queue overflow.
final class WatchedDirectories {
    private let inotify: Inotify
    private let roots: [RootPattern]
    /// Directory levels of the template below each site (`%Y/%m/access_log.%d%H` has two).
    private let templateDepth: Int
    private(set) var watches: [Int32: String] = [:]

    init(roots: [RootPattern], template: String) throws(SystemError) {
        inotify = try Inotify()
        self.roots = roots
        templateDepth = max(0, template.split(separator: "/").count - 1)
    }

    var descriptor: Int32 { inotify.rawValue }

    /// Walks the roots again and watches every directory found; watches of directories gone are dropped.
    /// Returns the problems met (a directory that cannot be watched), for a once-only report.
    func refresh() -> [String] {
        var found: [Int32: String] = [:]
        var problems: [String] = []
        for root in roots {
            guard let base = try? FileDescriptor.open(root.trustedPrefix, O_RDONLY | O_DIRECTORY) else { continue }
            walk(root, index: 0, fd: base.rawValue, path: root.trustedPrefix, found: &found, problems: &problems)
        }
        for (wd, _) in watches where found[wd] == nil { inotify.remove(watch: wd) }
        watches = found
        return problems
    }

    private func walk(_ root: RootPattern, index: Int, fd: Int32, path: String, found: inout [Int32: String],
                      problems: inout [String]) {
        do { found[try inotify.watch(directory: fd, displayPath: path)] = path } catch {
            problems.append(error.description)
        }
        let depth = root.components.count + templateDepth
        guard index < depth, let entries = try? SafeDirectory.entries(of: fd, path: path) else { return }
        for raw in entries where raw.first != UInt8(ascii: ".") {
            guard let name = String(validating: raw, as: UTF8.self) else { continue }
            if index < root.components.count, !root.matches(root.components[index], name) { continue }
            let child = RawBytes.withCString(name) { openat(fd, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
            guard child >= 0 else { continue }  // not a real directory (a symlink is never entered)
            let handle = FileDescriptor(adopting: child)
            walk(root, index: index + 1, fd: handle.rawValue, path: path + "/" + name, found: &found, problems: &problems)
        }
    }

    /// What the queued events ask for.
    struct Wake: Equatable {
        /// Something appeared (a directory or a file) or events were lost: scan the roots now.
        var rescan = false
        /// A file was written to.
        var written = false
    }

    /// Reads every queued event (never blocks).
    func drain() -> Wake {
        var wake = Wake()
        guard let events = try? inotify.readEvents() else { return Wake(rescan: true, written: true) }
        for event in events {
            if event.isOverflow || event.isNewEntry { wake.rescan = true }
            if event.isWrite { wake.written = true }
            if event.isWatchGone { watches.removeValue(forKey: event.watch) }
        }
        return wake
    }
}
