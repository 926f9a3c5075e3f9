import Foundation
import Testing

/// `--site-field` with hostile site fields (Apache's `%v` comes from the Host header when
/// UseCanonicalName is off): everything stays under the root, bad names go to the fallback site with
/// the line whole, and the number of sites and open descriptors stays bounded.
@Suite
struct SplitterSiteEndToEndTests {
    private let fm = FileManager.default

    /// Every path below `directory`, relative, not following symlinks.
    private func tree(_ directory: String) -> [String] {
        (fm.enumerator(atPath: directory)?.allObjects as? [String] ?? []).sorted()
    }

    @Test func hostileSiteFieldsStayUnderTheRoot() throws {
        let dir = try TemporaryDirectory("logsplit-sites-hostile")
        let root = dir.join("weblogs")
        let hostile = [
            "..", "../..", "../../etc", "a/b", "/etc", ".hidden", ".", "ctl\u{01}x", "tab\u{7f}x", "esc\u{1b}[2J",
            String(repeating: "a", count: 300), String(repeating: "b", count: 65), "{site}", "%2e%2e", "x%00y",
            "caf\u{e9}.example",
        ]
        let good = ["www.example.com", "UPPER.Example.COM", "ok-site_1.example", String(repeating: "c", count: 64)]
        var input = ""
        var n = 0
        var hostileNumbers: [Int] = []
        for round in 0..<3 {
            for site in hostile { n += 1; hostileNumbers.append(n); input += "\(site) " + FaultLines.line(n) }
            for site in good { n += 1; input += "\(site) " + FaultLines.line(n) }
            _ = round
        }
        let run = try PipedProcess.run(Executables.logsplit, ["--site-field", "\(root)/{site}/access_log.%Y%m%d"], input: input)

        #expect(run.status == 0, "\(run.stderr)")
        #expect(tree(dir.path).allSatisfy { $0 == "weblogs" || $0.hasPrefix("weblogs/") }, "\(tree(dir.path))")
        let sites = Set(((try? fm.contentsOfDirectory(atPath: root)) ?? []))
        let expectedSites: Set<String> = ["www.example.com", "upper.example.com", "ok-site_1.example",
                                          String(repeating: "c", count: 64), "_other"]
        #expect(sites == expectedSites, "\(sites.sorted())")
        // Good sites: the site field is stripped. The fallback keeps the line whole.
        var counts: [Int: Int] = [:]
        var malformed: [String] = []
        for (path, text) in try WrittenLogs(directory: root).files {
            let fallback = path.hasPrefix("_other/")
            for line in text.split(separator: "\n") {
                let body = fallback ? line[(line.range(of: " seq=")?.upperBound ?? line.endIndex)...] : line
                let parsed = fallback ? FaultLines.number("seq=" + body) : FaultLines.number(body)
                if let parsed { counts[parsed, default: 0] += 1 } else { malformed.append(String(line.prefix(80))) }
                if fallback, let parsed { #expect(hostileNumbers.contains(parsed)) }
            }
        }
        #expect(malformed.isEmpty, "\(malformed)")
        #expect(counts.count == n && counts.values.allSatisfy { $0 == 1 })
        #expect(logsplitStat("fallback_sites", in: run.stderr) == hostileNumbers.count)
    }

    /// 10,000 distinct names: the first 1024 (--max-sites default) get folders, the rest go to the
    /// fallback with their lines whole and counted; at most --max-open-files log files are open at once
    /// (least recently used closed first, and reopened for append when a site comes back).
    @Test func tenThousandDistinctSitesKeepSitesAndDescriptorsBounded() throws {
        let dir = try TemporaryDirectory("logsplit-sites-many")
        let root = dir.join("weblogs")
        let maxOpen = 64
        let splitter = try PipedProcess(Executables.logsplit, [
            "--site-field", "--max-open-files", String(maxOpen), "\(root)/{site}/access_log.%Y%m%d",
        ])
        var peakDescriptors = 0
        for chunk in stride(from: 1, through: 10_000, by: 500) {
            let text = (chunk...(chunk + 499)).map { "site\($0).example " + FaultLines.line($0) }.joined()
            try splitter.write(text)
            peakDescriptors = max(peakDescriptors, splitter.openDescriptors().count)
        }
        // Old sites come back: their files were closed and are reopened for append.
        try splitter.write((1...200).map { "site\($0).example " + FaultLines.line(10_000 + $0) }.joined())
        peakDescriptors = max(peakDescriptors, splitter.openDescriptors().count)
        try splitter.closeInput()
        let status = try splitter.waitForExit(timeout: 120)

        #expect(status == 0, "\(splitter.stderrText)")
        // stdin, stdout, stderr, the root directory and a few more besides the log files.
        #expect(peakDescriptors <= maxOpen + 8, "peak \(peakDescriptors) descriptors")
        let sites = (try? fm.contentsOfDirectory(atPath: root)) ?? []
        #expect(sites.count == 1024 + 1 && sites.contains("_other"), "\(sites.count) site folders")
        #expect(tree(dir.path).allSatisfy { $0 == "weblogs" || $0.hasPrefix("weblogs/") })
        var counts: [Int: Int] = [:]
        var malformed = 0
        for (path, text) in try WrittenLogs(directory: root).files {
            for line in text.split(separator: "\n") {
                // The fallback keeps the line whole: "site9999.example seq=...".
                let body = path.hasPrefix("_other/") ? line.drop { $0 != " " }.dropFirst() : line
                if let n = FaultLines.number(body) { counts[n, default: 0] += 1 } else { malformed += 1 }
            }
        }
        #expect(malformed == 0)
        #expect(counts.count == 10_200 && counts.values.allSatisfy { $0 == 1 })
        #expect(logsplitStat("fallback_sites", in: splitter.stderrText) == 10_000 - 1024)
    }
}
