import LogDump

/// The checkpoints of every followed file, in memory, written to the state directory at most once a second
/// when something changed, at least once a minute (so `run` can tell a running tail from a stopped one), and
/// at shutdown. The clock is the caller's.
public final class CheckpointStore {
    public let stateDirectory: String
    public private(set) var entries: [String: TailCheckpoint]
    /// When the loaded file was saved (nil: there was none): a file it does not name appeared after that.
    public let loadedSavedAt: Int?
    /// Saved with every write, for `logdump status`; setting them does not make a write due.
    public var startedAt: Int?
    public var counters: TailCounters?
    private var dirty = false
    private var lastSaved: Int?
    private let save: (TailCheckpointDocument) throws -> Void

    public static let minimumInterval = 1
    public static let heartbeatInterval = 60

    /// Loads the saved checkpoints (a damaged file is an error naming it). `save` replaces the file
    /// (tests pass their own).
    public init(stateDirectory: String, save: ((TailCheckpointDocument) throws -> Void)? = nil) throws {
        self.stateDirectory = stateDirectory
        let document = try TailCheckpointFile.load(stateDirectory: stateDirectory)
        var entries: [String: TailCheckpoint] = [:]
        for entry in document?.files ?? [] { entries[entry.path] = entry }
        self.entries = entries
        loadedSavedAt = document?.savedAt
        self.save = save ?? { document in try TailCheckpointFile.save(document, stateDirectory: stateDirectory) }
    }

    public subscript(path: String) -> TailCheckpoint? { entries[path] }

    public func update(_ checkpoint: TailCheckpoint) {
        guard entries[checkpoint.path] != checkpoint else { return }
        entries[checkpoint.path] = checkpoint
        dirty = true
    }

    public func remove(path: String) {
        guard entries.removeValue(forKey: path) != nil else { return }
        dirty = true
    }

    /// Writes when due: changed and a second since the last write, or a minute since it. Returns the error of
    /// a failed write (the next call tries again; nothing in memory is lost).
    @discardableResult
    public func saveIfDue(now: Int) -> (any Error)? {
        if let lastSaved {
            let elapsed = now - lastSaved
            guard (dirty && elapsed >= Self.minimumInterval) || elapsed >= Self.heartbeatInterval || elapsed < 0 else { return nil }
        }
        return saveNow(now: now)
    }

    /// Writes now (at shutdown).
    @discardableResult
    public func saveNow(now: Int) -> (any Error)? {
        let document = TailCheckpointDocument(savedAt: now, files: entries.values.sorted { $0.path < $1.path },
                                              startedAt: startedAt, counters: counters)
        do {
            try save(document)
            dirty = false
            lastSaved = now
            return nil
        } catch {
            lastSaved = now  // retried after the interval, not in a tight loop
            return error
        }
    }
}
