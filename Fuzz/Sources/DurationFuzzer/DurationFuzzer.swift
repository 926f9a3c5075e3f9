// Durations as the command line and the config give them: `-p`, `-d`, `--late-window`, `--drain-timeout`
// (DurationSpec) and sizes `--buffer-size`, `--pipe-size` (ByteCount).
import LogSplitCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let spec = try? DurationSpec(parsing: text) {
        _ = spec.seconds
        _ = spec.description
        if let period = try? spec.validatedAsPeriod(original: text) {
            guard period.count > 0, period.seconds > 0 else {
                fatalError("validatedAsPeriod accepted \(text.debugDescription) with a count of \(period.count)")
            }
        }
    }
    if let bytes = try? ByteCount.parse(text) {
        guard bytes >= 0 else { fatalError("ByteCount.parse(\(text.debugDescription)) gave \(bytes)") }
    }
    return 0
}
