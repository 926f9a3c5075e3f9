import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `run` with `[tail] gate_removal = true`: an original is removed only once tail's checkpoint says it was
/// streamed to its end; `status` shows STREAMED and the lag.
@Suite(.serialized) struct TailGateEndToEndTests {
    /// Writes tail's checkpoint file as `logdump tail` would, for one file streamed up to `offset`.
    func writeCheckpoint(_ world: DumpWorld, path: String, offset: Int, finished: Bool, savedAt: Int = Int(time(nil))) throws {
        var info = stat()
        #expect(stat(path, &info) == 0)
        let json = """
            {"files":[{"acknowledgedAt":\(savedAt),"container":"c1","device":\(info.st_dev),"finished":\(finished),\
            "headLength":0,"headSHA256":"","inode":\(info.st_ino),"offset":\(offset),"path":"\(path)","site":"www",\
            "size":\(info.st_size)}],"savedAt":\(savedAt),"version":1}
            """
        try FileManager.default.createDirectory(atPath: world.state + "/v1/tail", withIntermediateDirectories: true)
        try json.write(toFile: world.state + "/v1/tail/checkpoints.json", atomically: true, encoding: .utf8)
    }

    @Test func anOriginalShippedButNotStreamedIsKeptWithAReasonAndRemovedOnceTailFinishedIt() throws {
        let world = try DumpWorld()
        try world.setConfig("tail", "receiver", "\"relp://127.0.0.1:9\"")
        let lines = try world.writeLog("c1", "www", "access_log.2026112001", lines: 0..<50)
        let path = world.logPath("c1", "www", "access_log.2026112001")
        let size = Int((try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0)

        // No tail has ever run: shipped and verified, kept, and the operator is told why and how to switch it off.
        let first = try world.logdump(["run"])
        #expect(first.status == 0, "\(first.stderrText)")
        #expect(FileManager.default.fileExists(atPath: path), "removed before it was streamed")
        #expect(first.stderrText.contains("never saved a checkpoint") && first.stderrText.contains("gate_removal = false"), "\(first.stderrText)")
        try world.expectEveryLineExactlyOnce(Set(lines))

        // Tail is half-way: kept, quietly (tail is alive).
        try writeCheckpoint(world, path: path, offset: size / 2, finished: false)
        let second = try world.logdump(["run"])
        #expect(second.status == 0 && second.stderrText.isEmpty, "\(second.stderrText)")
        #expect(FileManager.default.fileExists(atPath: path))
        let status = try world.logdump(["status"])
        #expect(status.stdoutText.contains("STREAMED") && status.stdoutText.contains("TAIL LAG"), "\(status.stdoutText)")
        #expect(status.stdoutText.contains("\(size - size / 2) B"), "\(status.stdoutText)")

        // Streamed to its end: removed, and shipped only once.
        try writeCheckpoint(world, path: path, offset: size, finished: true)
        let third = try world.logdump(["run"])
        #expect(third.status == 0, "\(third.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: path), "streamed and shipped, yet kept")
        try world.expectEveryLineExactlyOnce(Set(lines))
    }

    @Test func withTheGateOffRunRemovesAsSoonAsTheCopyIsVerified() throws {
        let world = try DumpWorld()
        try world.setConfig("tail", "receiver", "\"relp://127.0.0.1:9\"")
        try world.setConfig("tail", "gate_removal", "false")
        let lines = try world.writeLog("c1", "www", "access_log.2026112001", lines: 0..<20)
        let result = try world.logdump(["run"])
        #expect(result.status == 0 && result.stderrText.isEmpty, "\(result.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: world.logPath("c1", "www", "access_log.2026112001")))
        try world.expectEveryLineExactlyOnce(Set(lines))
    }
}
