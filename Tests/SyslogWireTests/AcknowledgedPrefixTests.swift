import SyslogWire
import Testing

/// The plain-syslog rule: only the leading messages whose last wire byte the peer's TCP acknowledged count.
@Suite struct AcknowledgedPrefixTests {
    @Test func aMessageCountsOnlyOnceItsLastByteIsAcknowledged() {
        let ends: [UInt64] = [100, 250, 400, 400, 900]
        #expect(AcknowledgedPrefix.count(ends: ends, acknowledgedBytes: 0) == 0)
        #expect(AcknowledgedPrefix.count(ends: ends, acknowledgedBytes: 99) == 0)
        #expect(AcknowledgedPrefix.count(ends: ends, acknowledgedBytes: 100) == 1)
        #expect(AcknowledgedPrefix.count(ends: ends, acknowledgedBytes: 399) == 2)
        // Two messages in one TLS chunk share its end: both or neither.
        #expect(AcknowledgedPrefix.count(ends: ends, acknowledgedBytes: 400) == 4)
        #expect(AcknowledgedPrefix.count(ends: ends, acknowledgedBytes: 10_000) == 5)
        #expect(AcknowledgedPrefix.count(ends: [], acknowledgedBytes: 10_000) == 0)
    }
}
