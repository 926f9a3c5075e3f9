import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress bar on stderr (only when stderr is a terminal): files done and megabytes read.
final class ProgressBar: Sendable {
    let total: Int
    private let state = Mutex<(done: Int, bytes: Int)>((0, 0))

    init?(total: Int) {
        guard isatty(2) == 1 else { return nil }
        self.total = total
        draw(done: 0, bytes: 0)
    }

    func advance(bytes n: Int) {
        state.withLock { state in
            state.done += 1
            state.bytes += n
            draw(done: state.done, bytes: state.bytes)
        }
    }

    private func draw(done: Int, bytes: Int) {
        let width = 30
        let filled = total == 0 ? width : done * width / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = "\rlogdump [\(bar)] \(done)/\(total) files, \(bytes / 1_000_000) MB in"
        _ = line.withCString { write(2, $0, strlen($0)) }
    }

    func finish() {
        _ = "\n".withCString { write(2, $0, 1) }
    }
}
