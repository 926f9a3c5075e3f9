import LogDestinations
import LogShipCore

/// compressed → shipping → (written): picks the key, then puts the copy there, create-only.
///
/// The key is the first free one of `{name}`, `{name}.1`, ... (or one that already holds exactly this copy:
/// a run killed between writing and recording). A key taken by other content is never overwritten.
struct ShipStage {
    let context: StageContext

    func keyCandidate(_ record: FileRecord, attempt: Int) -> [String]? {
        let ext = record.format?.fileExtension ?? context.configuration.format.fileExtension
        return context.keyTemplate.render(host: context.configuration.host, container: record.container, site: record.site,
                                          name: record.keyName(attempt: attempt), ext: ext,
                                          periodStart: record.periodStart, zone: context.zone)
    }

    /// compressed → shipping: the first free key, written down before anything is sent. Returns true when
    /// the key was free (nothing there), so the put that follows in this run need not ask again.
    @discardableResult
    func chooseKey(_ record: inout FileRecord) throws -> Bool {
        var free = false
        let object = try context.localObject(record)
        for attempt in 0..<1000 {
            guard let key = keyCandidate(record, attempt: attempt) else {
                throw DestinationError.failed("cannot render the destination key for \(record.source)")
            }
            switch try context.destination.verify(key: key, expected: object) {
            case .matches:
                record.key = key.joined(separator: "/")
            case .missing:
                record.key = key.joined(separator: "/")
                free = true
            case .differs:
                if attempt == 0 {
                    let text = "\(key.joined(separator: "/")) already exists at the destination with other content; "
                        + "\(record.source) goes under the next free name (never overwritten)"
                    context.log.warning("\(text)")
                }
                continue
            }
            break
        }
        guard record.key != nil else {
            throw DestinationError.failed("no free destination key for \(record.source) after 1000 names")
        }
        record.step = .shipping
        try context.store.save(record)
        return free
    }

    /// At `shipping`: makes sure the copy is under the record's key (unless it already is, exactly).
    /// `keyWasFree`: this run's `chooseKey` just found nothing under the key, so it is not asked again (a run
    /// resuming at `shipping` after a crash always asks: its earlier put may have landed).
    func put(_ record: FileRecord, keyWasFree: Bool = false) throws {
        guard let keyText = record.key else { throw DestinationError.failed("\(record.source): no key recorded (incomplete record)") }
        let key = keyText.split(separator: "/").map(String.init)
        let object = try context.localObject(record)
        let found: RemoteCopy = keyWasFree ? .missing : try context.destination.verify(key: key, expected: object)
        switch found {
        case .matches:
            return
        case let .differs(seen):
            // This key was chosen for this record and written by it: a damaged copy of our own.
            let text = "the copy of \(record.source) at \(context.destination.description)/\(keyText) does not match what "
                + "was written (\(seen); expected \(object)): corrupted at the destination? writing it again"
            context.log.warning("\(text)")
            try context.destination.put(object, key: key, replace: true)
        case .missing:
            try context.destination.put(object, key: key, replace: false)
        }
    }
}
