import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Files ready to ship, handed over by the compressing workers to the run's one shipper, which takes whatever
/// waits as one batch: the destination is asked about many files in a few round trips (one rsync for all of
/// them), while the workers go on compressing the next ones. A batch holds at most `batchLimit` files: a run
/// killed mid-batch, or a batch that fails as a whole (the host gone), holds back only that many.
final class ShipQueue<Item: Sendable>: Sendable {
    private struct State: Sendable {
        var waiting: [Item] = []
        /// Workers' files not yet handed over or passed.
        var pending: Int
    }

    private let state: Mutex<State>
    let batchLimit: Int

    /// `files`: how many files the workers will hand over or pass, in all.
    init(files: Int, batchLimit: Int) {
        state = Mutex(State(pending: files))
        self.batchLimit = max(1, batchLimit)
    }

    /// A file ready to ship.
    func hand(_ item: Item) {
        state.withLock {
            $0.waiting.append(item)
            $0.pending -= 1
        }
    }

    /// A file that needs no shipping (finished, failed, or still open).
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
            usleep(5_000)  // a worker is still compressing: a file takes far longer than this
        }
    }
}
