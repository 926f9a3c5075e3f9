import Foundation
import LogDestinations
import Synchronization

/// The answer to a run's first question to the destination (is it there and usable?), asked on a thread of its
/// own while the workers already compress (an ssh login takes a while): whatever would record a step waits for
/// the answer first, so a destination found unusable leaves nothing done (exit 4), as when it was asked first.
/// The cost of asking in parallel: a run against an unusable destination compresses at most one file per worker
/// into a temporary, removed again.
final class DestinationGate: Sendable {
    private let answer = Mutex<Result<Void, DestinationError>?>(nil)
    private let answered = DispatchGroup()

    /// Starts `check` on its own thread.
    init(check: @escaping @Sendable () throws(DestinationError) -> Void) {
        answered.enter()
        let thread = Thread { [self] in
            let result = Result<Void, DestinationError> { () throws(DestinationError) in try check() }
            answer.withLock { $0 = result }
            answered.leave()
        }
        thread.start()
    }

    /// A gate that is open from the start (the destination was checked before).
    init() {
        answer.withLock { $0 = .success(()) }
    }

    /// Returns once the destination answered; throws what made it unusable.
    func wait() throws(DestinationError) {
        answered.wait()
        try answer.withLock { $0 ?? .success(()) }.get()
    }

    /// Whether the answer is in and says unusable (does not wait).
    var hasFailed: Bool {
        answer.withLock { if case .failure = $0 { true } else { false } }
    }
}
