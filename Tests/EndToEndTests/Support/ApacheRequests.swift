import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Sequence-numbered requests to an `ApacheServer`, made with real curl: `GET /seq/<n>` (a 404, which
/// Apache logs like any other request).
struct ApacheRequests {
    let server: ApacheServer
    let curl: String

    init(_ server: ApacheServer) throws {
        self.server = server
        curl = try Executables.system("curl", package: "curl")
    }

    /// GETs `/seq/<n>` for every n in `range` (curl URL globbing, `parallel` connections with keep-alive)
    /// and returns the HTTP status curl saw for each n (0: no response).
    /// `host` sets the Host header (name-based virtual hosts).
    func get(_ range: ClosedRange<Int>, parallel: Int = 4, host: String? = nil) throws -> [Int: Int] {
        let url = "\(server.baseURL)/seq/[\(range.lowerBound)-\(range.upperBound)]"
        let result = try runProcess(curl, (host.map { ["--header", "Host: \($0)"] } ?? []) + [
            "--parallel", "--parallel-max", String(parallel), "--silent", "--no-progress-meter",
            "--max-time", "60", "--output", "/dev/null",
            "--write-out", "%{http_code} %{url_effective}\\n", url,
        ])
        var statuses: [Int: Int] = [:]
        for line in result.stdoutText.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let status = Int(parts[0]),
                  let n = parts[1].split(separator: "/").last.flatMap({ Int($0) }) else { continue }
            statuses[n] = status
        }
        for n in range where statuses[n] == nil { statuses[n] = 0 }
        return statuses
    }

    /// Starts `GET /cgi/slow.cgi/seq/<n>?<seconds>` in the background: the CGI sleeps, so the request is
    /// in flight for that long and its log line is written when it ends.
    func startSlow(_ n: Int, seconds: Int) throws -> PipedProcess {
        let process = try PipedProcess(curl, [
            "--silent", "--max-time", "120", "--output", "/dev/null", "--write-out", "%{http_code}",
            "\(server.baseURL)/cgi/slow.cgi/seq/\(n)?\(seconds)",
        ])
        try process.closeInput()
        return process
    }
}

/// Keeps sequence-numbered requests flowing (batches of `batch` numbers, in order) on another thread
/// until `finish()`, which returns the status seen for every number sent.
final class ApacheLoad: @unchecked Sendable {
    private let requests: ApacheRequests
    private let lock = NSLock()
    private var stopping = false
    private var statuses: [Int: Int] = [:]
    private var failure: (any Error)?
    private let done = DispatchGroup()

    init(_ requests: ApacheRequests, firstNumber: Int = 1, batch: Int = 200, parallel: Int = 4) {
        self.requests = requests
        done.enter()
        Thread.detachNewThread { [self] in
            var next = firstNumber
            while !isStopping {
                do {
                    let got = try requests.get(next...(next + batch - 1), parallel: parallel)
                    lock.lock(); statuses.merge(got) { $1 }; lock.unlock()
                } catch {
                    lock.lock(); failure = error; lock.unlock()
                    break
                }
                next += batch
            }
            done.leave()
        }
    }

    private var isStopping: Bool { lock.lock(); defer { lock.unlock() }; return stopping }

    var sentSoFar: Int { lock.lock(); defer { lock.unlock() }; return statuses.count }

    /// Stops after the batch in progress and returns n → HTTP status for every request made.
    func finish() throws -> [Int: Int] {
        lock.lock(); stopping = true; lock.unlock()
        guard done.wait(timeout: .now() + 120) == .success else { throw TimedOut(what: "request load to stop", seconds: 120) }
        lock.lock(); defer { lock.unlock() }
        if let failure { throw failure }
        return statuses
    }
}
