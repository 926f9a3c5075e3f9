import Foundation
import RsyslogTestSupport
import Testing

/// The README's bound for tail's peak RSS, 32 MiB whatever the backlog, checked on the binary that ships: the
/// static release build `make test` makes for the packages (scripts/check-packages.sh) and names in
/// `LOGSPLIT_RELEASE_DIR`. The other tail tests run the debug build, which maps 30 MiB of code alone (its 35 MiB
/// says nothing about what tail holds); they check its anonymous memory instead.
@Suite struct TailReleaseMemoryEndToEndTests {
    static let releaseDirectory = ProcessInfo.processInfo.environment["LOGSPLIT_RELEASE_DIR"]
    static let peakResidentLimitKiB = 32 * 1024

    @Test(.timeLimit(.minutes(10)),
          .enabled(if: releaseDirectory != nil, "LOGSPLIT_RELEASE_DIR names no release build (make test sets it to the packages' build)"))
    func theShippedTailSendsABacklogWithin32MiB() throws {
        let logdump = try #require(Self.releaseDirectory) + "/logdump"
        #expect(FileManager.default.isExecutableFile(atPath: logdump), "no release logdump at \(logdump): run scripts/check-packages.sh")
        let receiver = try RsyslogTestServer(name: "tail-release-memory")
        let world = try tailWorld(receiver: receiver, kind: .tcp)
        // A backlog of 8 closed files, 25,000 lines each (about 4 MB a file), waiting when tail starts.
        var paths: [String] = []
        for file in 0..<8 {
            let path = world.logPath("c1", "www", "access_log.202611200\(file)0000")
            let text = (0..<25_000).map { "backlog f\(file) n=\($0) " + String(repeating: "z", count: 140) + "\n" }.joined()
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: false, encoding: .utf8)
            paths.append(path)
        }
        let tail = try TailProcess(configPath: world.configPath, logPath: world.root + "/tail.log", executable: logdump)
        TailProcess.waitUntil(120) { TailProcess.finishedFiles(stateDirectory: world.state).isSuperset(of: paths) }
        let peak = tail.peakResidentKiB()
        let status = tail.stop()
        #expect(TailProcess.finishedFiles(stateDirectory: world.state).isSuperset(of: paths), "the backlog was not sent:\n\(tail.log)")
        #expect(receiver.messages().count == 200_000, "every line at the receiver once")
        let kib = try #require(peak, "VmHWM of tail could not be read")
        #expect(kib <= Self.peakResidentLimitKiB, "the release tail peaked at \(kib) KiB, over 32 MiB")
        #expect(status == 0)
    }
}
