import LogDestinations
import LogShipCore
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

    func spoolPath(_ record: FileRecord, ext: String) -> String {
        store.spoolPath + "/" + record.spoolName(extension: ext)
    }

    /// The compressed copy of this generation, as a destination takes it.
    func localObject(_ record: FileRecord) throws -> LocalObject {
        guard let ext = record.format?.fileExtension, let size = record.compressedSize, let sha = record.compressedSHA256 else {
            throw DestinationError.failed("\(record.source): the record has no compressed copy (incomplete record)")
        }
        return LocalObject(path: spoolPath(record, ext: ext), size: size, sha256: sha)
    }
}
