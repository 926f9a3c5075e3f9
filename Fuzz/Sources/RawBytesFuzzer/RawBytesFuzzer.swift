// RawBytes carries non-UTF-8 path and argument bytes through Strings: for any bytes x,
// bytes(of: string(decoding: x)) == x, and withCString hands a system call exactly x.
import LogSplitCore

func hex(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined(separator: " ")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let text = RawBytes.string(decoding: input)
    let back = RawBytes.bytes(of: text)
    guard back == input else {
        fatalError("RawBytes round trip: [\(hex(input))] came back as [\(hex(back))]")
    }
    // As a C string the bytes stop at the first NUL, as a path would.
    let cBytes = Array(input.prefix(while: { $0 != 0 }))
    let seen: [UInt8] = RawBytes.withCString(RawBytes.string(decoding: cBytes)) { pointer in
        var out: [UInt8] = []
        var i = 0
        while pointer[i] != 0 { out.append(UInt8(bitPattern: pointer[i])); i += 1 }
        return out
    }
    guard seen == cBytes else { fatalError("RawBytes.withCString: [\(hex(cBytes))] reached C as [\(hex(seen))]") }
    _ = RawBytes.hasEscapes(text)
    return 0
}
