// The untrusted first field of a line (`--site-field`) and `--fallback-site`, as raw bytes and as text.
// Whatever is accepted must be a safe path component.
import LogSplitCore

func checkSafe(_ name: UnsafeRawBufferPointer, maxLength: Int, _ input: UnsafeBufferPointer<UInt8>) {
    let allowed = name.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 46 || $0 == 95 || $0 == 45 }
    guard !name.isEmpty, name.count <= maxLength, name[0] != UInt8(ascii: "."), allowed else {
        fatalError("SiteName accepted \(Array(input)) as \(Array(name)), which is not a safe path component")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    let field = UnsafeRawBufferPointer(input)
    for maxLength in [SiteName.defaultMaxLength, 1, 8, 255] {
        for capacity in [maxLength, max(0, maxLength - 3), maxLength + 5] {
            let output = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 1)
            defer { output.deallocate() }
            if let n = SiteName.sanitise(field, into: output, maxLength: maxLength) {
                guard n <= capacity else { fatalError("SiteName.sanitise wrote \(n) bytes into \(capacity)") }
                checkSafe(UnsafeRawBufferPointer(rebasing: output[0..<n]), maxLength: maxLength, input)
            }
        }
    }
    let text = String(decoding: input, as: UTF8.self)
    if let name = SiteName.sanitise(text) {
        var copy = Array(name.utf8)
        copy.withUnsafeMutableBytes { checkSafe(UnsafeRawBufferPointer($0), maxLength: SiteName.defaultMaxLength, input) }
    }
    _ = SiteName.sanitise(text, maxLength: 0)
    return 0
}
