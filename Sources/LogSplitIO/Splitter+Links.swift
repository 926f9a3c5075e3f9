#if canImport(Glibc)
import Glibc
#endif
import LogSplitCore

/// The cronolog-style current/previous links of each site.
extension Splitter {
    func updateLink(for file: OutputFile) {
        guard let link = configuration.link else { return }
        let site = sites[file.site]
        guard site.lastLinkedPath != file.path else { return }
        let siteName = configuration.siteField ? site.name : nil
        let linkPath = siteName.map { link.path.replacingAll(Template.sitePlaceholder, with: $0) } ?? link.path
        let previous = link.previous.map { p in siteName.map { p.replacingAll(Template.sitePlaceholder, with: $0) } ?? p }
        do {
            try LinkUpdater(tree: tree).update(
                link: linkPath, kind: link.kind, target: file.path, fd: file.fd, previous: previous) { message in
                    counters.refusedPaths += 1
                    diagnostics.report(message)
                }
            site.lastLinkedPath = file.path
        } catch {
            diagnostics.report("\(error) (the log file itself is written normally)")
        }
    }
}
