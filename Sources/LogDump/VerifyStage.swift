import LogDestinations
import LogShipCore

/// shipping → shipped: the destination proves each copy (read back and hashed, or the server's checksum) before
/// anything may be removed. A batch is asked about at once; each record is saved on its own.
struct VerifyStage {
    let context: StageContext

    /// One answer per record, in order: the record at `shipped`, saved, or why its copy is not proven.
    func run(_ records: [FileRecord]) -> [Result<FileRecord, any Error>] {
        var results: [Result<FileRecord, any Error>] = []
        var asked: [(index: Int, record: FileRecord, object: LocalObject, key: String)] = []
        for record in records {
            do {
                guard let keyText = record.key else {
                    throw DestinationError.failed("\(record.source): no key recorded (incomplete record)")
                }
                asked.append((results.count, record, try context.localObject(record), keyText))
                results.append(.success(record))
            } catch {
                results.append(.failure(error))
            }
        }
        let answers = context.destination.verifyMany(asked.map {
            VerifyRequest(key: $0.key.split(separator: "/").map(String.init), expected: $0.object)
        })
        for (item, answer) in zip(asked, answers) {
            results[item.index] = Result { try record(item.record, as: item.key, object: item.object, answer: answer.get()) }
        }
        return results
    }

    /// The record once the destination's answer proves its copy.
    private func record(_ original: FileRecord, as keyText: String, object: LocalObject, answer: RemoteCopy) throws -> FileRecord {
        switch answer {
        case .matches:
            break
        case .missing:
            throw DestinationError.failed("\(keyText) is missing at the destination right after writing it")
        case let .differs(seen):
            throw DestinationError.failed("verification failed: \(context.destination.description)/\(keyText) reads back as "
                + "\(seen), expected \(object) (corrupted copy; original kept)")
        }
        var record = original
        record.shipped.append(FileRecord.ShippedPart(
            generation: record.generation, key: keyText, offset: record.offset, length: record.length ?? 0,
            compressedSize: object.size, shippedAt: context.clock()))
        record.step = .shipped
        record.lastError = nil
        try context.store.save(record)
        context.hooks.afterStep()
        return record
    }
}
