import SyslogWire
import Testing

/// RELP frames cut out of a byte stream whatever the packet boundaries, and refused when malformed.
@Suite struct RELPFrameReaderTests {
    static let stream: [UInt8] = {
        let offers = Array("200 OK\nrelp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog".utf8)
        return RELPFrame(transactionNumber: 1, command: "rsp", data: offers).bytes + Array("2 rsp 6 200 OK\n0 serverclose 0\n3 rsp 0\n".utf8)
    }()

    @Test func framesAreFoundWhateverTheChunking() throws {
        for chunkSize in [1, 2, 7, 64, Self.stream.count] {
            var reader = RELPFrameReader()
            var frames: [RELPFrame] = []
            var index = 0
            while index < Self.stream.count {
                reader.append(Self.stream[index..<min(index + chunkSize, Self.stream.count)])
                index += chunkSize
                while let frame = try reader.next() { frames.append(frame) }
            }
            #expect(frames.map(\.transactionNumber) == [1, 2, 0, 3])
            #expect(frames.map(\.command) == ["rsp", "rsp", "serverclose", "rsp"])
            #expect(frames[0].responseCode == 200)
            #expect(frames[0].responseText == "OK")
            #expect(String(decoding: frames[0].data, as: UTF8.self).contains("commands=syslog"))
            #expect(frames[1].data == Array("200 OK".utf8))
            #expect(frames[3].data.isEmpty)
        }
    }

    @Test func aResponseOtherThan200IsReadWithItsCode() throws {
        var reader = RELPFrameReader()
        reader.append(Array("5 rsp 20 500 message too long\n".utf8))
        let frame = try #require(try reader.next())
        #expect(frame.responseCode == 500)
        #expect(frame.responseText == "message too long")
    }

    @Test func malformedFramesAreRefused() {
        for bad in ["x rsp 6 200 OK\n", "1 rsp 6 200 OKX\n", "1 rsp six 200 OK\n", "1 rsp 99999999999 a\n", "1234567890 rsp 0\n"] {
            var reader = RELPFrameReader()
            reader.append(Array(bad.utf8))
            #expect(throws: RELPFrameReader.Malformed.self, "\(bad)") { _ = try reader.next() }
        }
    }

    @Test func aFrameIsWrittenAsTxnrCommandLengthAndData() {
        #expect(RELPFrame(transactionNumber: 7, command: "syslog", data: Array("<134>1 x".utf8)).bytes == Array("7 syslog 8 <134>1 x\n".utf8))
        #expect(RELPFrame(transactionNumber: 8, command: "close").bytes == Array("8 close 0\n".utf8))
        #expect(RELPFrame.next(after: 999_999_999) == 1)
        #expect(RELPFrame.next(after: 41) == 42)
    }
}
