import LogDump
import LogTail
import Testing

@Suite struct ResumeDecisionTests {
    let saved = TailCheckpoint(path: "/d/c/weblogs/s/access_log.2026113014", container: "c", site: "s", device: 1, inode: 42,
                               headLength: 10, headSHA256: "abc", offset: 500, finished: false, size: 600, acknowledgedAt: 0)

    @Test func theSameFileResumesAfterItsAcknowledgedBytes() {
        #expect(ResumeDecision.decide(checkpoint: saved, device: 1, inode: 42, size: 900, headSHA256: { _ in "abc" }) == .resume(offset: 500))
    }

    @Test func aFileNeverSeenStartsAtZero() {
        #expect(ResumeDecision.decide(checkpoint: nil, device: 1, inode: 42, size: 900, headSHA256: { _ in "abc" }) == .fromStart)
    }

    @Test func aFileRecreatedUnderTheSameNameIsReadFromTheStart() {
        let decision = ResumeDecision.decide(checkpoint: saved, device: 1, inode: 43, size: 900, headSHA256: { _ in "abc" })
        guard case .replaced = decision else { Issue.record("got \(decision)"); return }
        #expect(decision.offset == 0)
    }

    @Test func aReusedInodeWithOtherFirstBytesIsReadFromTheStart() {
        let decision = ResumeDecision.decide(checkpoint: saved, device: 1, inode: 42, size: 900, headSHA256: { _ in "other" })
        guard case .replaced = decision else { Issue.record("got \(decision)"); return }
        #expect(decision.offset == 0)
    }

    @Test func aFileShorterThanItsCheckpointIsReportedTruncated() {
        #expect(ResumeDecision.decide(checkpoint: saved, device: 1, inode: 42, size: 100, headSHA256: { _ in "abc" })
                == .truncated(offset: 500, size: 100))
    }
}
