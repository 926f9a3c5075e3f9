import LogShipCore
import Testing

@Suite struct ClosedFileRuleTests {
    func file(periodEnd: Int, modified: Int) -> SourceFile {
        SourceFile(path: SafePath(base: "/d", components: ["x"]), container: "c", site: "s", periodStart: periodEnd &- 3600,
                   periodEnd: periodEnd, device: 1, inode: 2, size: 10, modified: modified)
    }

    @Test func aFileClosesOnlyAfterGraceAndQuietAndWithoutAWriter() {
        let rule = ClosedFileRule(graceSeconds: 600, quietSeconds: 120)
        let f = file(periodEnd: 10_000, modified: 10_400)
        #expect(!rule.isClosed(f, now: 10_599, unheld: { _ in true }))  // grace not over
        #expect(!rule.isClosed(f, now: 10_600, unheld: { _ in true }) == false)
        #expect(!rule.isClosed(file(periodEnd: 10_000, modified: 10_500), now: 10_600, unheld: { _ in true }))  // not quiet
        #expect(!rule.isClosed(f, now: 20_000, unheld: { _ in false }))  // a writer holds it
    }

    @Test func theLockIsProbedOnlyWhenTheTimeRulesAllow() {
        let rule = ClosedFileRule(graceSeconds: 0, quietSeconds: 0)
        var probes = 0
        _ = rule.isClosed(file(periodEnd: 10_000, modified: 0), now: 9_999, unheld: { _ in probes += 1; return true })
        #expect(probes == 0)
        _ = rule.isClosed(file(periodEnd: 10_000, modified: 0), now: 10_000, unheld: { _ in probes += 1; return true })
        #expect(probes == 1)
    }

    @Test(arguments: [Int.min, Int.max, -315_569_520_000, 315_569_520_000])
    func extremeTimesNeverTrap(modified: Int) {
        let rule = ClosedFileRule(graceSeconds: 31_622_400, quietSeconds: 31_622_400)
        for now in [Int.min, 0, 1_796_000_000, Int.max] {
            _ = rule.timeAllows(file(periodEnd: Int.max - 5, modified: modified), now: now)
            _ = rule.timeAllows(file(periodEnd: Int.min, modified: modified), now: now)
        }
        // A file modified "in the future" is not quiet.
        #expect(!rule.timeAllows(file(periodEnd: 0, modified: Int.max), now: 1_796_000_000))
        #expect(rule.timeAllows(file(periodEnd: 0, modified: Int.min), now: 1_796_000_000))
    }
}
