import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Runs `count` items on up to `workers` threads (the caller's thread is one of them), each thread taking
/// the next index until none is left. Per-thread state (a compressor reused from item to item) is made by
/// `makeState` once per thread.
public enum WorkerPool {
    public static func run<State>(count: Int, workers: Int, makeState: @escaping @Sendable () -> State,
                                  _ body: @escaping @Sendable (inout State, Int) -> Void) {
        guard count > 0 else { return }
        let next = Atomic<Int>(0)
        let work: @Sendable () -> Void = {
            var state = makeState()
            while true {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < count else { return }
                body(&state, index)
            }
        }
        let threads = min(max(1, workers), count)
        var started: [pthread_t] = []
        for _ in 1..<threads {
            let box = Unmanaged.passRetained(Task(work))
            var thread = pthread_t()
            if pthread_create(&thread, nil, { raw in
                Unmanaged<Task>.fromOpaque(raw!).takeRetainedValue().body()
                return nil
            }, box.toOpaque()) == 0 {
                started.append(thread)
            } else {
                box.release()  // fewer threads: the others take its share
            }
        }
        work()
        for thread in started { pthread_join(thread, nil) }
    }

    private final class Task: @unchecked Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    /// The number of online cores.
    public static var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
