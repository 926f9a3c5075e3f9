import LogDump
import Testing

@Suite struct TailRemovalGateTests {
    let path = "/data/containers/c1/weblogs/www/access_log.2026113014"

    func document(offset: Int64, finished: Bool, inode: UInt64 = 7, savedAt: Int = 1000) -> TailCheckpointDocument {
        TailCheckpointDocument(savedAt: savedAt, files: [
            TailCheckpoint(path: path, container: "c1", site: "www", device: 1, inode: inode, headLength: 1024,
                           headSHA256: "h", offset: offset, finished: finished, size: offset, acknowledgedAt: 999),
        ])
    }

    @Test func aFileStreamedToItsEndMayBeRemoved() {
        #expect(TailRemovalGate.verdict(document(offset: 500, finished: true), path: path, device: 1, inode: 7, size: 500, now: 1010) == .remove)
    }

    @Test func aFileNotYetStreamedToItsEndIsKeptAndTheReasonSaysHowFar() {
        let verdict = TailRemovalGate.verdict(document(offset: 300, finished: false), path: path, device: 1, inode: 7, size: 500, now: 1010)
        guard case let .keep(reason, stopped) = verdict else { Issue.record("\(verdict)"); return }
        #expect(reason.contains("300 of 500"))
        #expect(!stopped)
    }

    @Test func aFileThatGrewAfterTailFinishedItIsKept() {
        let verdict = TailRemovalGate.verdict(document(offset: 500, finished: true), path: path, device: 1, inode: 7, size: 600, now: 1010)
        #expect(verdict != .remove)
    }

    @Test func anotherFileUnderTheSameNameIsKept() {
        #expect(TailRemovalGate.verdict(document(offset: 500, finished: true, inode: 8), path: path, device: 1, inode: 7, size: 500, now: 1010) != .remove)
    }

    @Test func aStoppedTailIsNamedWithTheSwitchThatTurnsTheGateOff() {
        let never = TailRemovalGate.verdict(nil, path: path, device: 1, inode: 7, size: 500, now: 1010)
        guard case let .keep(reason, stopped) = never else { Issue.record("\(never)"); return }
        #expect(stopped && reason.contains("gate_removal = false"))
        let stale = TailRemovalGate.verdict(document(offset: 0, finished: false, savedAt: 0), path: path, device: 1, inode: 7,
                                            size: 500, now: 1000)
        guard case let .keep(staleReason, staleStopped) = stale else { Issue.record("\(stale)"); return }
        #expect(staleStopped && staleReason.contains("16 min ago"))
    }
}
