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
            .map(Template.lexicallyNormalised)
        let normalisedLink = Template.lexicallyNormalised(linkPath)
        // Refused at start for the names the template makes then; this catches any later one: a link made
        // over the log file would replace the file by a link to itself and lose its lines.
        guard normalisedLink != file.path, previous != file.path else {
            site.lastLinkedPath = file.path
            diagnostics.report("not making the link \(normalisedLink): it would replace the log file \(file.path) itself")
            return
        }
        do {
            try LinkUpdater(tree: tree).update(
                link: normalisedLink, kind: link.kind, target: file.linkTarget, fd: file.fd, previous: previous) { message in
                    counters.refusedPaths += 1
                    diagnostics.report(message)
                }
            site.lastLinkedPath = file.path
        } catch {
            diagnostics.report("\(error) (the log file itself is written normally)")
        }
    }
}
