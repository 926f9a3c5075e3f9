import Foundation
@testable import LogDestinations
import Testing

/// How `RsyncRunner` collects a child's output: a failure keeps the reason a descendant (rsync's ssh relaying
/// the far side's message) writes just after the child exited; a success does not wait for descendants.
@Suite struct RsyncRunnerTests {
    @Test func aFailedCommandKeepsTheReasonADescendantWritesJustAfterItExits() throws {
        // The shell exits at once with 11 (rsync's "error in file I/O"); its background child, like rsync's ssh,
        // writes the far side's reason 100 ms later to the same stderr.
        let result = try RsyncRunner.run("/bin/sh", ["-c", "(sleep 0.1; echo 'write failed: No space left on device (28)' >&2) & exit 11"],
                                         timeoutSeconds: 30)
        #expect(result.status == 11)
        #expect(result.stderrText.contains("No space left on device"), "the reason was lost: \(result.stderrText.debugDescription)")
    }

    @Test func aSuccessfulCommandDoesNotWaitForADescendantThatHoldsItsPipes() throws {
        // Like ssh's background master, forked by the first ssh of a run and alive for its ControlPersist time.
        let started = Date()
        let result = try RsyncRunner.run("/bin/sh", ["-c", "(sleep 5) & echo done"], timeoutSeconds: 30)
        #expect(result.status == 0 && result.stdoutText == "done\n")
        #expect(Date().timeIntervalSince(started) < 4, "waited for the descendant holding the pipes")
    }
}
