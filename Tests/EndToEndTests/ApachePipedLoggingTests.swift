import Foundation
import Testing

/// logsplit as the `CustomLog "|..."` program of a real apache2 (Debian, prefork) on loopback: every
/// request's line is written exactly once, also across graceful restarts, which SIGTERM the logger
/// while old children still finish their requests into its pipe.
@Suite(.serialized)
struct ApachePipedLoggingTests {
    /// The piped-logger command line for logsplit writing hourly files under the server's logs folder.
    private func logsplitLogger(_ server: ApacheServer, options: String = "") -> String {
        "\(Executables.logsplit) --drain-timeout 40sec \(options) \(server.logsDirectory)/access_log.%Y%m%d%H"
    }

    @Test func everyRequestIsWrittenExactlyOnce() throws {
        let server = try ApacheServer(label: "exactly-once")
        defer { server.stopQuietly() }
        try server.start(pipedLogger: logsplitLogger(server), readyLogger: Executables.logsplit)
        let statuses = try ApacheRequests(server).get(1...3000, parallel: 4)
        try server.stop()
        try server.waitForLoggersToExit(program: Executables.logsplit)

        #expect(statuses.values.allSatisfy { $0 == 404 }, "curl saw \(Set(statuses.values))")
        let logs = try WrittenLogs(directory: server.logsDirectory)
        let problems = logs.apacheSequence().problems(expecting: 1...3000)
        #expect(problems == nil, "\(problems ?? "")")
        #expect(logs.unterminatedFiles.isEmpty)
    }

    @Test func noLineIsLostAcrossGracefulRestartsUnderLoad() throws {
        let server = try ApacheServer(label: "graceful-load")
        defer { server.stopQuietly() }
        try server.start(pipedLogger: logsplitLogger(server), readyLogger: Executables.logsplit)
        let load = ApacheLoad(try ApacheRequests(server), batch: 300, parallel: 4)
        let restarts = 6
        for _ in 1...restarts {
            usleep(600_000)
            try server.graceful()
        }
        usleep(600_000)
        let statuses = try load.finish()
        try server.stop()
        try server.waitForLoggersToExit(program: Executables.logsplit)

        let answered = statuses.filter { $0.value == 404 }.keys
        let unanswered = statuses.filter { $0.value != 404 }.keys
        // Requests flowed during all the restarts (about 4 s; typically several thousand answers).
        #expect(answered.count >= 300, "only \(answered.count) requests were answered during the restarts")
        let report = try WrittenLogs(directory: server.logsDirectory).apacheSequence()
        // Every answered request is written exactly once; one that curl saw no answer for may be absent.
        let expected = Array(answered) + unanswered.filter { report.counts[$0] != nil }
        let problems = report.problems(expecting: expected)
        #expect(problems == nil, "\(problems ?? "") (\(unanswered.count) requests unanswered)")
        #expect(server.generations == restarts + 1)
        #expect(!server.errorLog.contains("AH00646"), "httpd could not write to the logger:\n\(server.errorLog)")
    }

    @Test func slowRequestInFlightAcrossGracefulRestartIsWritten() throws {
        let server = try ApacheServer(label: "graceful-slow")
        defer { server.stopQuietly() }
        try server.start(pipedLogger: logsplitLogger(server), readyLogger: Executables.logsplit)
        let requests = try ApacheRequests(server)
        _ = try requests.get(1...50)
        let slow = try (101...103).map { try requests.startSlow($0, seconds: 4) }
        usleep(1_500_000)  // the CGI scripts are running in the old generation's children
        try server.graceful()
        _ = try requests.get(51...100)
        for request in slow {
            #expect(try request.waitForExit(timeout: 60) == 0)
            #expect(request.stdoutText == "200")
        }
        try server.stop()
        try server.waitForLoggersToExit(program: Executables.logsplit)

        let report = try WrittenLogs(directory: server.logsDirectory).apacheSequence()
        let problems = report.problems(expecting: Array(1...100) + [101, 102, 103])
        #expect(problems == nil, "\(problems ?? "")")
        #expect(!server.errorLog.contains("AH00646"), "httpd could not write to the logger:\n\(server.errorLog)")
    }

    /// `BufferedLogs On`: each child holds up to 4 KiB of lines and writes them when its buffer fills
    /// or when it exits, which for old children is after the graceful restart SIGTERMed the logger
    /// (cronolog loses all of them without a word). logsplit reads on and writes every line.
    @Test func bufferedLogsAreAllWrittenAcrossAGracefulRestart() throws {
        let server = try ApacheServer(label: "buffered-logs")
        defer { server.stopQuietly() }
        try server.start(pipedLogger: logsplitLogger(server), extraConfig: "BufferedLogs On", readyLogger: Executables.logsplit)
        let requests = try ApacheRequests(server)
        _ = try requests.get(1...500)
        try server.graceful()
        _ = try requests.get(501...1000)
        try server.graceful()
        try server.stop()
        try server.waitForLoggersToExit(program: Executables.logsplit)

        let logs = try WrittenLogs(directory: server.logsDirectory)
        let problems = logs.apacheSequence().problems(expecting: 1...1000)
        #expect(problems == nil, "\(problems ?? "")")
        #expect(logs.unterminatedFiles.isEmpty)
    }

    /// The logs' filesystem is full while requests keep coming: logsplit keeps reading, so httpd's
    /// children never block on a full pipe and every request is answered; once there is room again,
    /// every line is written, exactly once and whole.
    @Test func apacheIsNeverBlockedWhileTheDiskIsFull() throws {
        let server = try ApacheServer(label: "disk-full")
        defer { server.stopQuietly() }
        let disk = try FaultTmpfs(at: server.logsDirectory, bytes: 64 * 1024)
        defer { disk.unmount() }
        try server.start(pipedLogger: logsplitLogger(server), readyLogger: Executables.logsplit)
        let requests = try ApacheRequests(server)
        // About 270 KB of log lines: four times the tmpfs, and far more than a 64 KiB pipe holds.
        let statuses = try requests.get(1...3000, parallel: 4)
        #expect(statuses.values.allSatisfy { $0 == 404 }, "requests were not answered: \(Set(statuses.values))")
        try pollUntil("the ENOSPC report in httpd's error log", timeout: 30) { server.errorLog.contains("No space left") }
        try disk.resize(to: 8 << 20)
        _ = try requests.get(3001...3010)
        try pollUntil("all lines written after the disk grew", timeout: 60) {
            try WrittenLogs(directory: server.logsDirectory).apacheSequence().counts.count >= 3010
        }
        try server.stop()
        try server.waitForLoggersToExit(program: Executables.logsplit)

        let logs = try WrittenLogs(directory: server.logsDirectory)
        let problems = logs.apacheSequence().problems(expecting: 1...3010)
        #expect(problems == nil, "\(problems ?? "")")
        #expect(logs.unterminatedFiles.isEmpty)
        #expect(!server.errorLog.contains("AH00646"))
    }

    /// The sanity check of this harness, and the reason for logsplit's drain: Debian's cronolog dies of
    /// the SIGTERM a graceful restart sends, so lines of requests in flight are lost (httpd: AH00646).
    @Test func cronologLosesTheLinesOfRequestsInFlightAcrossAGracefulRestart() throws {
        let cronolog = try Executables.system("cronolog", package: "cronolog")
        let server = try ApacheServer(label: "graceful-cronolog")
        defer { server.stopQuietly() }
        try server.start(pipedLogger: "\(cronolog) \(server.logsDirectory)/access_log.%Y%m%d%H")
        let requests = try ApacheRequests(server)
        _ = try requests.get(1...50)
        let slow = try (101...103).map { try requests.startSlow($0, seconds: 4) }
        usleep(1_500_000)
        try server.graceful()
        _ = try requests.get(51...100)
        for request in slow { try request.waitForExit(timeout: 60) }
        try server.stop()
        try server.waitForLoggersToExit(program: cronolog)

        let report = try WrittenLogs(directory: server.logsDirectory).apacheSequence()
        #expect(report.problems(expecting: 1...100) == nil)
        #expect((101...103).allSatisfy { report.counts[$0] == nil }, "cronolog kept a line it should have lost")
        #expect(server.errorLog.contains("AH00646"))
    }
}
