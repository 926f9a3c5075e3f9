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

    /// compressed → shipping: the first free key, written down before anything is sent.
    func chooseKey(_ record: inout FileRecord) throws {
        let object = try context.localObject(record)
        for attempt in 0..<1000 {
            guard let key = keyCandidate(record, attempt: attempt) else {
                throw DestinationError.failed("cannot render the destination key for \(record.source)")
            }
            switch try context.destination.verify(key: key, expected: object) {
            case .matches, .missing:
                record.key = key.joined(separator: "/")
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
    }

    /// At `shipping`: makes sure the copy is under the record's key (unless it already is, exactly).
    func put(_ record: FileRecord) throws {
        guard let keyText = record.key else { throw DestinationError.failed("\(record.source): no key recorded (incomplete record)") }
        let key = keyText.split(separator: "/").map(String.init)
        let object = try context.localObject(record)
        switch try context.destination.verify(key: key, expected: object) {
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
