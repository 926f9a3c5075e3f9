import Testing
import SyslogWire

@Suite struct LineBatchTests {
    @Test func aBatchKeepsItsLinesInOrder() {
        var batch = LineBatch(origin: LineOrigin(container: "web1", site: "www", file: "access_log.2026113014"),
                              readAtMicroseconds: 0)
        batch.bytes = Array("ab".utf8)
        batch.lines = [.init(start: 0, end: 1, fileOffset: 0), .init(start: 1, end: 2, fileOffset: 2)]
        #expect(batch.lines.map(\.fileOffset) == [0, 2])
    }
}
