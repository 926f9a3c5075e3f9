// A log line's `[%t]` read from raw bytes, exactly as the splitter hands them over (no copy, no NUL):
// AddressSanitizer sees any read past the line.
import LogSplitCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let line = UnsafeRawBufferPointer(start: data, count: size)
    _ = LineTimestamp.instant(in: line)
    for limit in [0, 1, 27, 28, size] {
        _ = LineTimestamp.instant(in: line, searchLimit: limit)
    }
    // Every window of exactly `length` bytes, as the parser sees the bytes after a `[`.
    if size >= LineTimestamp.length {
        for start in 0...min(size - LineTimestamp.length, 64) {
            _ = LineTimestamp.parse(UnsafeRawBufferPointer(rebasing: line[start..<(start + LineTimestamp.length)]))
        }
    }
    return 0
}
