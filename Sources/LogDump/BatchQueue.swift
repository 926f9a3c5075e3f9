import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Files handed over from the threads of one stage to the one thread of the next, which takes whatever waits
/// as a batch: the compressing workers hand files to the shipper, which asks the destination about many of them
/// in a few round trips (one rsync for all of them) while the workers go on compressing; the shipper hands the
/// proven ones to the thread that removes the originals. A batch holds at most `batchLimit` files: a run killed
/// mid-batch, or a batch that fails as a whole (the host gone), holds back only that many.
final class BatchQueue<Item: Sendable>: Sendable {
    private struct State: Sendable {
        var waiting: [Item] = []
        /// Files not yet handed over or passed.
        var pending: Int
    }

    private let state: Mutex<State>
    let batchLimit: Int

    /// `files`: how many files will be handed over or passed, in all.
    init(files: Int, batchLimit: Int) {
        state = Mutex(State(pending: files))
        self.batchLimit = max(1, batchLimit)
    }

    /// A file ready for the next stage.
    func hand(_ item: Item) {
        state.withLock {
            $0.waiting.append(item)
            $0.pending -= 1
        }
    }

    /// A file that does not go to the next stage (finished, failed, or waiting for a later run).
    func pass() {
        state.withLock { $0.pending -= 1 }
    }

    /// What waits (the oldest first, at most `batchLimit`), once something does; nil when every file was handed
    /// over or passed and nothing waits.
    func nextBatch() -> [Item]? {
        while true {
            let (batch, finished) = state.withLock { state -> ([Item], Bool) in
                let batch = Array(state.waiting.prefix(batchLimit))
                state.waiting.removeFirst(batch.count)
                return (batch, state.pending <= 0)
            }
            if !batch.isEmpty { return batch }
            if finished { return nil }
            usleep(5_000)  // a file is still on its way: compressing or shipping one takes far longer than this
        }
    }
}
