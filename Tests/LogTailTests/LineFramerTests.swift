import LogTail
import SyslogWire
import Testing

@Suite struct LineFramerTests {
    func frame(_ text: String, max: Int = 100, lines: Int = 4096, final: Bool = false, offset: Int64 = 0) -> (LineBatch, Int) {
        let bytes = Array(text.utf8)
        var batch = LineBatch(origin: LineOrigin(container: "c", site: "s", file: "f"), readAtMicroseconds: 0)
        let consumed = LineFramer(maxMessageBytes: max, maxLines: lines).frame(bytes, count: bytes.count, fileOffset: offset,
                                                                               endIsFinal: final, into: &batch)
        batch.bytes = bytes
        return (batch, consumed)
    }

    func texts(_ batch: LineBatch) -> [String] {
        batch.lines.map { String(decoding: batch.bytes[$0.start..<$0.end], as: UTF8.self) }
    }

    @Test func wholeLinesAreFramedWithoutTheirNewlineAndWithTheirFileOffsets() {
        let (batch, consumed) = frame("one\ntwo\n\nfour\n", offset: 1000)
        #expect(texts(batch) == ["one", "two", "", "four"])
        #expect(batch.lines.map(\.fileOffset) == [1000, 1004, 1008, 1009])
        #expect(consumed == 14)
    }

    @Test func aTrailingPartialLineWaitsForItsNewline() {
        let (batch, consumed) = frame("one\ntw")
        #expect(texts(batch) == ["one"])
        #expect(consumed == 4)
    }

    @Test func aTrailingPartialLineIsSentAsItIsOnceTheFileIsClosed() {
        let (batch, consumed) = frame("one\ntw", final: true)
        #expect(texts(batch) == ["one", "tw"])
        #expect(consumed == 6)
    }

    @Test func aLineLongerThanTheMessageLimitBecomesNumberedPartsOfOneOffset() {
        let (batch, consumed) = frame("a\n" + String(repeating: "x", count: 25) + "\nb\n", max: 10)
        #expect(texts(batch) == ["a", "xxxxxxxxxx", "xxxxxxxxxx", "xxxxx", "b"])
        #expect(batch.lines.map(\.part) == [nil, .init(index: 1, count: 3), .init(index: 2, count: 3), .init(index: 3, count: 3), nil])
        #expect(batch.lines.map(\.fileOffset) == [0, 2, 2, 2, 28])
        #expect(consumed == 30)
    }

    @Test func aBatchStopsAtTheLineLimitAndALongLineIsNeverCutAcrossBatches() {
        let (first, consumed) = frame("a\nb\nc\n", lines: 2)
        #expect(texts(first) == ["a", "b"])
        #expect(consumed == 4)
        let (second, used) = frame("a\n" + String(repeating: "y", count: 30) + "\n", max: 10, lines: 3)
        #expect(texts(second) == ["a"], "three parts do not fit beside 'a' in a batch of 3")
        #expect(used == 2)
    }

    @Test func noWholeLineInTheBufferConsumesNothing() {
        let (batch, consumed) = frame("no newline yet")
        #expect(batch.lines.isEmpty)
        #expect(consumed == 0)
    }
}
