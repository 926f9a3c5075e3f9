import Foundation
import Testing

/// The operator snippets in Config/apache, run for real: the paths are pointed at the built logsplit
/// and a test folder, everything else is used as shipped.
@Suite(.serialized)
struct ApacheSampleConfigTests {
    /// Config/apache/<name> with the production paths replaced.
    private func sample(_ name: String, logsplit: String, weblogs: String) throws -> String {
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: packageRoot.appendingPathComponent("Config/apache/\(name)"), encoding: .utf8)
        #expect(text.contains("/usr/local/bin/logsplit") && text.contains("/data/weblogs/"))
        return text.replacingOccurrences(of: "/usr/local/bin/logsplit", with: logsplit)
            .replacingOccurrences(of: "/data/weblogs/", with: weblogs + "/")
    }

    @Test func singleSiteSampleWritesHourlyFiles() throws {
        let server = try ApacheServer(label: "sample-single")
        defer { server.stopQuietly() }
        let snippet = try sample("logsplit.conf", logsplit: Executables.logsplit, weblogs: server.logsDirectory)
        try server.start(pipedLogger: nil, extraConfig: snippet, readyLogger: Executables.logsplit)
        let before = try ApacheRequests(server).get(1...200)
        try server.graceful()
        let after = try ApacheRequests(server).get(201...400)
        try server.stop()
        try server.waitForLoggersToExit(program: Executables.logsplit)

        #expect(before.merging(after) { $1 }.values.allSatisfy { $0 == 404 })
        let logs = try WrittenLogs(directory: server.logsDirectory + "/www")
        let problems = logs.apacheSequence().problems(expecting: 1...400)
        #expect(problems == nil, "\(problems ?? "")\nhttpd's error log:\n\(server.errorLog)")
        #expect(logs.files.keys.allSatisfy { $0.hasPrefix("access_log.") && $0.count == "access_log.YYYYMMDDHH".count })
    }

    /// Name-based virtual hosts on one pipe: each site's lines in its own folder, with %v stripped; a
    /// hostile Host header cannot choose the folder (%v is the ServerName of the vhost that answered).
    @Test func virtualHostSampleSplitsSitesByServerName() throws {
        let server = try ApacheServer(label: "sample-vhosts")
        defer { server.stopQuietly() }
        let snippet = try sample("logsplit-vhosts.conf", logsplit: Executables.logsplit, weblogs: server.logsDirectory)
        let vhosts = """
            <VirtualHost 127.0.0.1:\(server.port)>
              ServerName alpha.example
            </VirtualHost>
            <VirtualHost 127.0.0.1:\(server.port)>
              ServerName Beta.Example
            </VirtualHost>
            """
        try server.start(pipedLogger: nil, extraConfig: snippet + "\n" + vhosts, readyLogger: Executables.logsplit)
        let requests = try ApacheRequests(server)
        _ = try requests.get(1...100, host: "alpha.example")
        _ = try requests.get(101...200, host: "beta.example")
        // Unknown names are answered by the first vhost, whatever they contain.
        _ = try requests.get(201...210, host: "..")
        _ = try requests.get(211...220, host: "evil.example")
        try server.stop()
        try server.waitForLoggersToExit(program: Executables.logsplit)

        let sites = ((try? FileManager.default.contentsOfDirectory(atPath: server.logsDirectory)) ?? []).sorted()
        #expect(sites == ["alpha.example", "beta.example"], "httpd's error log:\n\(server.errorLog)")
        let alpha = try WrittenLogs(directory: server.logsDirectory + "/alpha.example").apacheSequence()
        let beta = try WrittenLogs(directory: server.logsDirectory + "/beta.example").apacheSequence()
        #expect(alpha.problems(expecting: Array(1...100) + Array(201...220)) == nil)
        #expect(beta.problems(expecting: 101...200) == nil)
    }
}
