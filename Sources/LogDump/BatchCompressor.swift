import LogCompression
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
        let next = Mutex<Int>(0)
        let failures = Mutex<[String]>([])
        let work: @Sendable () -> Void = {
            // One compressor per thread, reused file after file.
            let settings = FileCompressor(format: format, level: level, threads: perFileThreads)
            let reusable = try? settings.makeCompressor()
            while true {
                let index: Int = next.withLock { i in
                    defer { i += 1 }
                    return i
                }
                guard index < files.count else { return }
                let path = files[index]
                do {
                    let fd = open(path, O_RDONLY | O_CLOEXEC)
                    guard fd >= 0 else { throw SystemError("open", path) }
                    defer { close(fd) }
                    var info = stat()
                    fstat(fd, &info)
                    let output = path + "." + format.fileExtension
                    let result = try settings.compress(sourceFD: fd, sourcePath: path, offset: 0, length: Int(info.st_size),
                                                       outputPath: output, using: reusable, checksum: verify)
                    if verify { _ = try FileCompressor.verify(path: output, format: format, expected: result.source) }
                } catch {
                    failures.withLock { $0.append("\(path): \(error)") }
                }
            }
        }
        var threadsStarted: [pthread_t] = []
        final class Box: @unchecked Sendable { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
        for _ in 1..<max(1, workerCount) {
            let box = Unmanaged.passRetained(Box(work))
            var thread = pthread_t()
            if pthread_create(&thread, nil, { raw in
                Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().body()
                return nil
            }, box.toOpaque()) == 0 {
                threadsStarted.append(thread)
            } else {
                box.release()
            }
        }
        work()
        for t in threadsStarted { pthread_join(t, nil) }
        return failures.withLock { $0 }
    }
}
