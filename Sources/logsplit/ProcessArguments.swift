#if canImport(Glibc)
import Glibc
#endif

/// The process's arguments, robust to preloaded libraries.
///
/// Swift on Linux finds argv by walking back from `environ`; a preloaded library whose constructor calls
/// `setenv` (libfaketime does) moves `environ`, and `CommandLine.arguments` comes back empty. The kernel's
/// copy in /proc/self/cmdline is then used instead.
enum ProcessArguments {
    static var current: [String] {
        let arguments = CommandLine.arguments
        if !arguments.isEmpty { return arguments }
        guard let file = fopen("/proc/self/cmdline", "r") else { return arguments }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n == 0 { break }
            bytes += buffer[0..<n]
        }
        return bytes.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
    }
}
