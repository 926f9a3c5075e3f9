import LinuxSystem
import LogDump
import LogShipCore
import LogSplitCore

#if canImport(Glibc)
import Glibc
#endif

/// Notices that the configuration file changed, so that `logdump tail` reloads it exactly as on SIGHUP.
///
/// It watches the file's directory, not the file: editors and `install` write a temporary file and rename it
/// over the name, and a Kubernetes ConfigMap swaps a `..data` symlink, so a watch on the file itself would stay
/// on the old inode. When the name is a symlink, the directory of the file it leads to is watched too. Events for
/// the file's names (and for `..`-names, a ConfigMap's), for the directories themselves, and queue overflows
/// start a quiet second (`ReloadDebounce`); then the file is read, and only a content different from the last one
/// seen (or a file that became unreadable, or readable again) asks for a reload. So an invalid new file is
/// reported once, not at every event.
final class ConfigFileWatch {
    let path: String
    private let inotify: Inotify
    /// Watched directories by watch number.
    private var watches: [Int32: String] = [:]
    /// Entry names whose events matter.
    private var names: Set<[UInt8]> = []
    private var debounce: ReloadDebounce
    /// SHA-256 of the content last seen, or the reason it could not be read.
    private var fingerprint: String
    /// A directory could not be watched (removed, say): try again then.
    private var retryAt: Int64?

    static let retryMicroseconds: Int64 = 5_000_000
    static let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB
                             | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

    /// Starts watching; what the file holds now is the running configuration's content.
    init(path: String, now: Int64, quietMicroseconds: Int64 = 1_000_000) throws(SystemError) {
        self.path = path
        inotify = try Inotify()
        debounce = ReloadDebounce(quietMicroseconds: quietMicroseconds)
        fingerprint = Self.fingerprint(of: path)
        refreshWatches(now: now)
    }

    /// The descriptor to `poll` for `POLLIN`.
    var descriptor: Int32 { inotify.rawValue }

    /// Reads the queued events (never blocks) and notes those that matter.
    func absorb(now: Int64) {
        guard let events = try? inotify.readEvents() else { return debounce.noteEvent(now: now) }
        for event in events {
            let onDirectory = event.mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED) != 0
            if event.isWatchGone { watches.removeValue(forKey: event.watch) }
            if event.isOverflow || onDirectory || names.contains(event.name) || event.name.starts(with: [0x2E, 0x2E]) {
                debounce.noteEvent(now: now)
            }
        }
    }

    /// True (once) when the events have settled and the file's content is not the one last seen: the caller
    /// reloads. Watches follow the file (a new symlink target, a directory re-created).
    func changeDue(now: Int64) -> Bool {
        if let retryAt, now >= retryAt {
            self.retryAt = nil
            debounce.noteEvent(now: now - debounce.quietMicroseconds)
        }
        guard debounce.takeIfDue(now: now) else { return false }
        refreshWatches(now: now)
        let current = Self.fingerprint(of: path)
        guard current != fingerprint else { return false }
        fingerprint = current
        return true
    }

    /// The running configuration was read again by other means (SIGHUP): what the file holds now is known.
    func resynchronize() {
        fingerprint = Self.fingerprint(of: path)
    }

    /// How long the loop may wait before `changeDue` could say yes; nil when nothing is pending.
    func millisecondsUntilDue(now: Int64) -> Int? {
        let retry = retryAt.map { Int((max(0, $0 - now) + 999) / 1000) }
        switch (debounce.millisecondsUntilDue(now: now), retry) {
        case let (a?, b?): return min(a, b)
        case let (a?, nil): return a
        case let (nil, b): return b
        }
    }

    /// Watches the directory of the name and of the file it leads to; drops the watches no longer needed.
    private func refreshWatches(now: Int64) {
        var wanted = [Self.split(path)]
        if let resolved = Self.resolve(path), resolved != path { wanted.append(Self.split(resolved)) }
        names = Set(wanted.map { RawBytes.bytes(of: $0.name) })
        var kept: [Int32: String] = [:]
        for directory in Set(wanted.map(\.directory)) {
            let fd = RawBytes.withCString(directory) { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
            guard fd >= 0 else {
                retryAt = now + Self.retryMicroseconds
                continue
            }
            let handle = FileDescriptor(adopting: fd)
            if let watch = try? inotify.watch(directory: handle.rawValue, mask: Self.mask, displayPath: directory) {
                kept[watch] = directory
            } else {
                retryAt = now + Self.retryMicroseconds
            }
        }
        for watch in watches.keys where kept[watch] == nil { inotify.remove(watch: watch) }
        watches = kept
    }

    /// The file's content as a digest, or why it cannot be read (a change too: reported by the reload).
    static func fingerprint(of path: String) -> String {
        do throws(ConfigProblem) {
            return SHA256Hasher.hex(try ConfigFile.read(path, explicit: true) ?? "")
        } catch {
            return "unreadable: \(error)"
        }
    }

    /// Directory and name of `path` ("." for a bare name).
    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }

    /// Where the symlinks of `path` lead (realpath), nil when it does not resolve.
    static func resolve(_ path: String) -> String? {
        RawBytes.withCString(path) { pointer -> String? in
            guard let resolved = realpath(pointer, nil) else { return nil }
            defer { free(resolved) }
            return RawBytes.string(cString: resolved)
        }
    }
}
