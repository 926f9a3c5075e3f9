// `-s/--start-time` text, in European (default) and American (`-a`) order.
import LogSplitCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? StartTime.parse(text, american: false)
    _ = try? StartTime.parse(text, american: true)
    return 0
}
