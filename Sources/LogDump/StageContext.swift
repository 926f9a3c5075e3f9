import LinuxSystem
import LogDestinations
import LogShipCore
import Synchronization
import LogSplitCore
import Logging

/// What every stage of a run works with: the settings, the state store, the destination, the message channel,
/// the test seams and the clock.
struct StageContext: Sendable {
    let configuration: DumpConfiguration
    let store: StateStore
    let destination: any Destination
    let log: Logger
    let hooks: RunHooks
    let keyTemplate: KeyTemplate
    let zone: CivilTimeZone
    /// Seconds since the epoch; injected so tests can move time.
    let clock: @Sendable () -> Int
    /// Opens once the destination answered the run's probe: nothing is recorded before.
    var destinationReady = DestinationGate()
    /// The keys the run's files hold: a key is chosen for one file only.
    var keyClaims = KeyClaims(recorded: [])

    func spoolPath(_ record: FileRecord, ext: String) -> String {
        store.spoolPath + "/" + record.spoolName(extension: ext)
    }

    /// Saves the records of a batch (the step after each successful save, like one `store.save` and `hooks.afterStep`
    /// each) with one fsync of the records directory for all (`StateStore.saveMany`): nothing depends on any of them
    /// before it returns. Returns the error of each save, in order (nil: saved).
    func saveAll(_ records: [FileRecord]) -> [(any Error)?] {
        let errors = store.saveMany(records)
        for error in errors where error == nil { hooks.afterStep() }
        return errors
    }

    /// Record saves (and removals of originals) of one batch in flight at once, at most.
    static let concurrentSaves = 16

    /// The compressed copy of this generation, as a destination takes it.
    func localObject(_ record: FileRecord) throws -> LocalObject {
        guard let ext = record.format?.fileExtension, let size = record.compressedSize, let sha = record.compressedSHA256 else {
            throw DestinationError.failed("\(record.source): the record has no compressed copy (incomplete record)")
        }
        return LocalObject(path: spoolPath(record, ext: ext), size: size, sha256: sha)
    }
}
