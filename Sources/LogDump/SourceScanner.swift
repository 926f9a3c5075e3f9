import LinuxSystem
import LogShipCore
import LogSplitCore

#if canImport(Glibc)
import Glibc
#endif

/// Finds the files of the configured roots and template, never following a link below the trusted prefix.
public struct SourceScanner: Sendable {
    public let roots: [RootPattern]
    public let template: Template
    public let period: RotationPeriod
    public let zone: CivilTimeZone
    let templateDirectories: [String]
    let templateLeaf: String

    public init(configuration: DumpConfiguration) throws(ConfigProblem) {
        var roots: [RootPattern] = []
        for r in configuration.roots { roots.append(try RootPattern(r)) }
        self.roots = roots
        do { template = try Template(configuration.template) } catch {
            throw ConfigProblem(key: "sources.template", message: error.description)
        }
        period = try configuration.rotationPeriod()
        zone = configuration.zone
        let parts = configuration.template.split(separator: "/").map(String.init)
        templateDirectories = Array(parts.dropLast())
        templateLeaf = parts.last ?? ""
        if templateLeaf.contains(Template.sitePlaceholder) {
            throw ConfigProblem(key: "sources.template",
                message: "{site} must be a whole directory component of the template (such as {site}/access_log.%Y%m%d%H)")
        }
    }

    /// Every matching file (open or closed) and a warning for everything refused on the way.
    public func scan() -> (files: [SourceFile], warnings: [String]) {
        var files: [SourceFile] = []
        var warnings: [String] = []
        for root in roots {
            let fd = open(root.trustedPrefix, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else {
                if errno != ENOENT { warnings.append("cannot open root \(root.trustedPrefix): \(String(cString: strerror(errno)))") }
                continue
            }
            walkRoot(root, index: 0, fd: fd, components: [], container: nil, site: nil, files: &files, warnings: &warnings)
            close(fd)
        }
        return (files, warnings)
    }

    private func walkRoot(_ root: RootPattern, index: Int, fd: Int32, components: [String], container: String?, site: String?,
                          files: inout [SourceFile], warnings: inout [String]) {
        if index == root.components.count {
            walkTemplate(root, level: 0, fd: fd, components: components, relative: [], container: container, site: site,
                         files: &files, warnings: &warnings)
            return
        }
        let component = root.components[index]
        let here = SafePath(base: root.trustedPrefix, components: components)
        let names: [String]
        if case let .fixed(name) = component {
            names = [name]
        } else {
            guard let entries = try? SafeDirectory.entries(of: fd, path: here.description) else {
                warnings.append("cannot list \(here)")
                return
            }
            names = entries.compactMap { raw -> String? in
                guard raw.first != UInt8(ascii: ".") else { return nil }
                guard let name = String(validating: raw, as: UTF8.self) else {
                    warnings.append("skipped a name that is not UTF-8 in \(here): \(Self.escaped(raw))")
                    return nil
                }
                return name
            }.sorted()
        }
        for name in names where root.matches(component, name) || component == .container || component == .site {
            if component == .container || component == .site, !RootPattern.isValidName(name) {
                warnings.append("skipped \(here)/\(Self.escaped(Array(name.utf8))): not a valid \(component == .site ? "site" : "container") name")
                continue
            }
            let next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard next >= 0 else {
                let code = errno
                if code == ENOENT, case .fixed = component { continue }
                if let info = SafeDirectory.status(in: fd, name), FileKind(info) != .directory {
                    if case .fixed = component {
                        warnings.append("skipped \(here)/\(name): a \(FileKind(info)) where a directory belongs (not followed)")
                    } else if info.st_mode & S_IFMT == S_IFLNK {
                        warnings.append("skipped \(here)/\(name): a symlink (not followed)")
                    }
                } else if code != ENOENT {
                    warnings.append("cannot open \(here)/\(name): \(String(cString: strerror(code)))")
                }
                continue
            }
            walkRoot(root, index: index + 1, fd: next, components: components + [name],
                     container: component == .container ? name : container, site: component == .site ? name : site,
                     files: &files, warnings: &warnings)
            close(next)
        }
    }

    private func walkTemplate(_ root: RootPattern, level: Int, fd: Int32, components: [String], relative: [String],
                              container: String?, site: String?, files: inout [SourceFile], warnings: inout [String]) {
        let here = SafePath(base: root.trustedPrefix, components: components)
        guard let entries = try? SafeDirectory.entries(of: fd, path: here.description) else {
            warnings.append("cannot list \(here)")
            return
        }
        let isLeaf = level == templateDirectories.count
        for raw in entries where raw.first != UInt8(ascii: ".") {
            guard let name = String(validating: raw, as: UTF8.self) else {
                warnings.append("skipped a name that is not UTF-8 in \(here): \(Self.escaped(raw))")
                continue
            }
            if !isLeaf {
                let pattern = templateDirectories[level]
                var nextSite = site
                if pattern == Template.sitePlaceholder {
                    guard RootPattern.isValidName(name) else {
                        warnings.append("skipped \(here)/\(Self.escaped(raw)): not a valid site name")
                        continue
                    }
                    nextSite = name
                } else if !pattern.contains("%") && name != pattern {
                    continue
                }
                let next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard next >= 0 else {
                    if let info = SafeDirectory.status(in: fd, name), info.st_mode & S_IFMT == S_IFLNK {
                        warnings.append("skipped \(here)/\(name): a symlink (not followed)")
                    }
                    continue
                }
                walkTemplate(root, level: level + 1, fd: next, components: components + [name],
                             relative: relative + [pattern == Template.sitePlaceholder ? name : name],
                             container: container, site: nextSite, files: &files, warnings: &warnings)
                close(next)
                continue
            }
            let relativeName = (relative + [name]).joined(separator: "/")
            guard let start = template.periodStart(ofFileName: relativeName, site: site, zone: zone) else { continue }
            guard let info = SafeDirectory.status(in: fd, name) else { continue }
            guard FileKind(info) == .regular else {
                warnings.append("skipped \(here)/\(name): a \(FileKind(info)), not a regular file (not followed, not shipped)")
                continue
            }
            files.append(SourceFile(
                path: SafePath(base: root.trustedPrefix, components: components + [name]),
                container: container, site: site,
                periodStart: start, periodEnd: periodEnd(start: start, name: relativeName, site: site),
                device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int(info.st_size),
                // A container can set any mtime (touch -d): clamp it so "quiet" arithmetic cannot overflow.
                modified: min(max(Int(info.st_mtim.tv_sec), -Self.mtimeBound), Self.mtimeBound)))
        }
    }

    /// Modification times are taken within ±10,000 years of 1970.
    static let mtimeBound = 315_569_520_000

    /// The end of the last period whose file has this name.
    func periodEnd(start: Int, name: String, site: String?) -> Int {
        var end = period.nextStart(after: start, in: zone)
        var steps = 0
        while steps < 48, let rendered = try? template.render(periodStart: end, site: site, zone: zone), rendered == name {
            end = period.nextStart(after: end, in: zone)
            steps += 1
        }
        return end
    }

    /// Bytes shown safely in a message: printable ASCII as is, anything else as \xNN; long names shortened.
    static func escaped(_ raw: [UInt8]) -> String {
        var s = ""
        for b in raw.prefix(200) {
            if b >= 32 && b < 127 && b != UInt8(ascii: "\\") { s.unicodeScalars.append(UnicodeScalar(b)) } else {
                s += "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16)
            }
        }
        if raw.count > 200 { s += "...(\(raw.count) bytes)" }
        return s
    }
}
