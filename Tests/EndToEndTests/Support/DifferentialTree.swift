import Foundation

/// A snapshot of an output directory: every entry by relative path (lstat, links never followed),
/// with file bytes, symlink targets, permission bits and which regular files share an inode (hard links).
/// An absolute symlink target inside the directory is written `$OUT/…`, so runs in different places compare.
struct DifferentialTree: Equatable, CustomStringConvertible, Sendable {
    enum Entry: Equatable, Sendable {
        case file(bytes: [UInt8], mode: UInt32)
        case directory(mode: UInt32)
        case symlink(target: String)
        case other(mode: UInt32)
    }

    var entries: [String: Entry] = [:]
    /// Sets of paths naming one inode (only sets of two or more), sorted for comparison.
    var hardLinks: [[String]] = []

    /// Reads the tree under `root`.
    init(root: String) throws {
        var inodes: [UInt64: [String]] = [:]
        try walk(root: root, relative: "", inodes: &inodes)
        hardLinks = inodes.values.filter { $0.count > 1 }.map { $0.sorted() }.sorted { $0[0] < $1[0] }
    }

    init(entries: [String: Entry], hardLinks: [[String]] = []) {
        self.entries = entries
        self.hardLinks = hardLinks
    }

    private mutating func walk(root: String, relative: String, inodes: inout [UInt64: [String]]) throws {
        let dir = relative.isEmpty ? root : root + "/" + relative
        for name in try FileManager.default.contentsOfDirectory(atPath: dir).sorted() {
            let rel = relative.isEmpty ? name : relative + "/" + name
            let path = root + "/" + rel
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }  // vanished between readdir and lstat
            let type = st.st_mode & S_IFMT
            let mode = UInt32(st.st_mode & 0o7777)
            if type == S_IFDIR {
                entries[rel] = .directory(mode: mode)
                try walk(root: root, relative: rel, inodes: &inodes)
            } else if type == S_IFLNK {
                var target = try FileManager.default.destinationOfSymbolicLink(atPath: path)
                if target.hasPrefix(root + "/") { target = "$OUT" + target.dropFirst(root.count) }
                entries[rel] = .symlink(target: target)
            } else if type == S_IFREG {
                let data = FileManager.default.contents(atPath: path) ?? Data()
                entries[rel] = .file(bytes: [UInt8](data), mode: mode)
                inodes[UInt64(st.st_ino), default: []].append(rel)
            } else {
                entries[rel] = .other(mode: mode)
            }
        }
    }

    /// Bytes stored in regular files, each inode counted once (cheap: used to wait for a write to land).
    static func storedBytes(root: String) -> Int {
        var seen = Set<UInt64>()
        var total = 0
        func walk(_ dir: String) {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
            for name in names {
                let path = dir + "/" + name
                var st = stat()
                guard lstat(path, &st) == 0 else { continue }
                switch st.st_mode & S_IFMT {
                case S_IFDIR: walk(path)
                case S_IFREG: if seen.insert(UInt64(st.st_ino)).inserted { total += Int(st.st_size) }
                default: break
                }
            }
        }
        walk(root)
        return total
    }

    /// Regular files only, by path.
    var files: [String: [UInt8]] {
        entries.compactMapValues { if case .file(let bytes, _) = $0 { bytes } else { nil } }
    }

    /// Symlinks only, by path.
    var symlinks: [String: String] {
        entries.compactMapValues { if case .symlink(let target) = $0 { target } else { nil } }
    }

    /// The tree without the named entries (and without them in hard-link groups).
    func removing(_ names: Set<String>) -> DifferentialTree {
        DifferentialTree(
            entries: entries.filter { !names.contains($0.key) },
            hardLinks: hardLinks.map { $0.filter { !names.contains($0) } }.filter { $0.count > 1 })
    }

    /// The sequence numbers of the lines in each regular file, in file order (hard-linked names included).
    var sequencesByFile: [String: [Int]] {
        files.mapValues { DifferentialLines.sequences(in: $0) }
    }

    /// Every sequence number stored, counting each inode once.
    var allSequences: [Int] {
        let duplicateNames = Set(hardLinks.flatMap { $0.dropFirst() })
        return files.filter { !duplicateNames.contains($0.key) }.values.flatMap { DifferentialLines.sequences(in: $0) }
    }

    var description: String {
        var lines: [String] = []
        for (path, entry) in entries.sorted(by: { $0.key < $1.key }) {
            switch entry {
            case .file(let bytes, let mode):
                let seqs = DifferentialLines.sequences(in: bytes)
                lines.append("  \(path)  file \(String(mode, radix: 8)) \(bytes.count) B  seq \(DifferentialLines.ranges(seqs))")
            case .directory(let mode): lines.append("  \(path)/  dir \(String(mode, radix: 8))")
            case .symlink(let target): lines.append("  \(path) -> \(target)")
            case .other(let mode): lines.append("  \(path)  special \(String(mode, radix: 8))")
            }
        }
        if !hardLinks.isEmpty { lines.append("  hard links: \(hardLinks)") }
        return lines.joined(separator: "\n")
    }

    /// A readable account of how `self` (ours) differs from `other` (theirs); empty when equal.
    func differences(from other: DifferentialTree, ours: String = "logsplit", theirs: String = "cronolog") -> String {
        var out: [String] = []
        for path in Set(entries.keys).union(other.entries.keys).sorted() {
            let a = entries[path], b = other.entries[path]
            if a == b { continue }
            switch (a, b) {
            case (nil, _): out.append("only \(theirs) has \(path)")
            case (_, nil): out.append("only \(ours) has \(path)")
            case (.file(let x, let mx), .file(let y, let my)):
                if mx != my { out.append("\(path): mode \(String(mx, radix: 8)) vs \(String(my, radix: 8))") }
                if x != y {
                    let common = zip(x, y).prefix { $0 == $1 }.count
                    out.append("\(path): \(x.count) B vs \(y.count) B, first difference at byte \(common); "
                        + "seq \(DifferentialLines.ranges(DifferentialLines.sequences(in: x))) vs "
                        + "\(DifferentialLines.ranges(DifferentialLines.sequences(in: y)))")
                }
            default: out.append("\(path): \(String(describing: a!)) vs \(String(describing: b!))")
            }
        }
        if hardLinks != other.hardLinks { out.append("hard links \(hardLinks) vs \(other.hardLinks)") }
        if out.isEmpty { return "" }
        return out.joined(separator: "\n") + "\n\(ours) tree:\n\(description)\n\(theirs) tree:\n\(other.description)"
    }
}
