import Foundation

/// Writes documents on a thread of its own, so that the follow loop never waits for the disk: a checkpoint save
/// ends in two fsyncs, which took 68 to 236 ms while another process filled the disk (`scripts/bench-tail.sh
/// --lag-fault disk`), and every line waited behind them. Latest wins: a document handed in while an older one
/// still waits replaces it (each is whole: the newest checkpoints, the newest metrics). Not used after `finish`.
final class BackgroundWriter<Document: Sendable>: @unchecked Sendable {
    // Everything below is guarded by `condition`.
    private let condition = NSCondition()
    private var waiting: Document?
    private var writing = false
    private var stopped = false
    private var lastFailure: (any Error)?
    private let write: @Sendable (Document) throws -> Void

    /// Starts the thread (`name` shows in `top -H`); `write` runs on it, one document at a time.
    init(name: String, write: @escaping @Sendable (Document) throws -> Void) {
        self.write = write
        let thread = Thread { [self] in writeUntilFinished() }
        thread.name = name
        thread.start()
    }

    /// Hands `document` over, replacing one still waiting, and returns at once with the error of the last
    /// write that ended (nil when it succeeded, or none ended yet).
    func submit(_ document: Document) -> (any Error)? {
        condition.lock()
        defer { condition.unlock() }
        waiting = document
        condition.broadcast()
        return lastFailure
    }

    /// Waits until everything handed over is written, stops the thread, and returns the last write's error.
    func finish() -> (any Error)? {
        condition.lock()
        defer { condition.unlock() }
        while waiting != nil || writing { condition.wait() }
        stopped = true
        condition.broadcast()
        return lastFailure
    }

    private func writeUntilFinished() {
        condition.lock()
        while true {
            while waiting == nil && !stopped { condition.wait() }
            guard let document = waiting else { break }  // finished, nothing left
            waiting = nil
            writing = true
            condition.unlock()
            var failure: (any Error)?
            do { try write(document) } catch { failure = error }
            condition.lock()
            writing = false
            lastFailure = failure
            condition.broadcast()
        }
        condition.unlock()
    }
}
