#if canImport(Glibc)
import Glibc
#endif
import LogSplitCore

/// The process's arguments, byte for byte, robust to preloaded libraries.
///
/// Arguments are bytes on Linux: a template or link name that is not UTF-8 must reach the file system with
/// the same bytes, as with cronolog. `CommandLine.arguments` would replace each invalid byte by U+FFFD, so
/// the strings are built from the raw argv with `RawBytes` (invalid bytes escaped, restored at each system
/// call). Swift on Linux finds argv by walking back from `environ`; a preloaded library whose constructor
/// calls `setenv` (libfaketime does) moves `environ`, and argv comes back empty. The kernel's copy in
/// /proc/self/cmdline is then used instead.
enum ProcessArguments {
    static var current: [String] {
        let count = Int(CommandLine.argc)
        if count > 0 {
            let argv = CommandLine.unsafeArgv
            let arguments = (0..<count).compactMap { argv[$0].map { RawBytes.string(cString: $0) } }
            if !arguments.isEmpty { return arguments }
        }
        guard let file = fopen("/proc/self/cmdline", "r") else { return [] }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n == 0 { break }
            bytes += buffer[0..<n]
        }
        return bytes.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { RawBytes.string(decoding: $0) }
    }
}
