import LogCompression
import LinuxSystem
import LogSplitCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Compresses several files side by side, each into FILE.<ext>: what `logdump compress` (and the benchmark) runs.
public enum BatchCompressor {
    public static func compress(files: [String], format: CompressionFormat, level: Int, workers: Int, threads: Int,
                                verify: Bool) -> [String] {
        guard !files.isEmpty else { return [] }
        let cores = DumpConfiguration.coreCount()
        let workerCount = min(workers > 0 ? workers : cores, files.count)
        let perFileThreads = threads > 0 ? threads : max(1, cores / workerCount)
        let failures = Mutex<[String]>([])
        let settings = FileCompressor(format: format, level: level, threads: perFileThreads)
        // One compressor per thread, reused file after file.
        WorkerPool.run(count: files.count, workers: workerCount, makeState: { try? settings.makeCompressor() }) { reusable, index in
            let path = files[index]
            // The output appears complete or not at all: written under a temporary name, renamed at the end.
            let output = path + "." + format.fileExtension
            let temporary = output + ".logdump-tmp"
            do {
                // O_NONBLOCK: a fifo must not hang the batch; it is refused below like any non-regular file.
                let fd = RawBytes.withCString(path) { open($0, O_RDONLY | O_NONBLOCK | O_CLOEXEC) }
                guard fd >= 0 else { throw SystemError("open", path: path, code: errno) }
                defer { close(fd) }
                var info = stat()
                guard fstat(fd, &info) == 0 else { throw SystemError("stat", path: path, code: errno) }
                guard FileKind(info) == .regular else {
                    throw CompressionError("a \(FileKind(info)), not a regular file: only regular files are compressed")
                }
                let result = try settings.compress(sourceFD: fd, sourcePath: path, offset: 0, length: Int(info.st_size),
                                                   outputPath: temporary, using: reusable, checksum: verify)
                if verify { _ = try FileCompressor.verify(path: temporary, format: format, expected: result.source) }
                guard RawBytes.withCString(temporary, { from in RawBytes.withCString(output) { rename(from, $0) } }) == 0 else {
                    throw SystemError("rename to \(output)", path: temporary, code: errno)
                }
            } catch {
                _ = RawBytes.withCString(temporary) { unlink($0) }
                failures.withLock { $0.append("\(path): \(error)") }
            }
        }
        return failures.withLock { $0 }
    }
}
