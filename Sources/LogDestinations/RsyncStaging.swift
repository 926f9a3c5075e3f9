import LinuxSystem
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A private local tree that names each file of a batch by the path of its temporary at the far side: a symbolic
/// link to the local file, so that one `rsync --recursive --copy-links` of the tree sends the whole batch where
/// it belongs.
///
/// It lives in the control directory (the state directory, 0700) as `rsync-staging.PID.N` and holds only
/// directories and links, never data. The batch removes it when done; one left by a killed run is removed by
/// the next process's first batch (`removeLeftovers`).
struct RsyncStaging {
    /// The tree's root.
    let path: String

    private static let made = Atomic<Int>(0)
    static let prefix = "rsync-staging."

    /// A new tree in `controlDirectory` with a link at each `entry.path` (components below the root, the last one
    /// the link's name) to `entry.target`.
    static func make(in controlDirectory: String, entries: [(path: [String], target: String)]) throws(DestinationError) -> RsyncStaging {
        do {
            try SafeDirectory.makeTrusted(controlDirectory, mode: 0o700)
        } catch {
            throw .failed("cannot use \(controlDirectory) for the files of an rsync batch: \(error)")
        }
        let root = controlDirectory + "/" + prefix + "\(getpid()).\(made.wrappingAdd(1, ordering: .relaxed).oldValue)"
        let staging = RsyncStaging(path: root)
        staging.remove()  // a tree of an earlier process that had this pid
        func fail(_ what: String, _ path: String) -> DestinationError {
            let reason = String(cString: strerror(errno))
            staging.remove()
            return .failed("cannot \(what) \(path) for an rsync batch: \(reason)")
        }
        guard mkdir(root, 0o700) == 0 else { throw fail("create", root) }
        let workingDirectory = currentDirectory()
        for entry in entries {
            var directory = root
            for component in entry.path.dropLast() {
                directory += "/" + component
                guard mkdir(directory, 0o700) == 0 || errno == EEXIST else { throw fail("create", directory) }
            }
            let target = entry.target.hasPrefix("/") ? entry.target : workingDirectory + "/" + entry.target
            let link = directory + "/" + entry.path.last!
            guard symlink(target, link) == 0 else { throw fail("link", link) }
        }
        return staging
    }

    /// Removes the tree (links and directories; nothing it links to).
    func remove() {
        Self.removeTree(path)
    }

    /// Removes the trees in `controlDirectory` whose process is gone (a run killed mid-batch).
    static func removeLeftovers(in controlDirectory: String) {
        guard let directory = opendir(controlDirectory) else { return }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasPrefix(prefix) { names.append(name) }
        }
        closedir(directory)
        for name in names {
            let pid = name.dropFirst(prefix.count).split(separator: ".").first.flatMap { pid_t($0) }
            if let pid, pid != getpid(), kill(pid, 0) != 0, errno == ESRCH {
                removeTree(controlDirectory + "/" + name)
            }
        }
    }

    /// `path` and everything below it, never following a link.
    private static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard FileKind(info) == .directory else {
            unlink(path)
            return
        }
        if let directory = opendir(path) {
            var children: [String] = []
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                if name != "." && name != ".." { children.append(name) }
            }
            closedir(directory)
            for child in children { removeTree(path + "/" + child) }
        }
        rmdir(path)
    }

    private static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "." }
        return String(cString: buffer)
    }
}
