import LogDestinations
import LogShipCore

/// shipping → shipped: the destination proves each copy (read back and hashed, or the server's checksum) before
/// anything may be removed. A batch is asked about at once, except the copies the destination proved on the way
/// (`ShipStage.Placed.proof`: hashed at the far side right after the put); the proven records are saved at
/// `shipped` all at once (one fsync of the records directory).
struct VerifyStage {
    let context: StageContext

    /// One answer per record, in order: the record at `shipped`, saved, or why its copy is not proven.
    func run(_ placed: [ShipStage.Placed]) -> [Result<FileRecord, any Error>] {
        var results: [Result<FileRecord, any Error>] = []
        var asked: [(index: Int, record: FileRecord, object: LocalObject, key: String)] = []
        for item in placed {
            let record = item.record
            do {
                guard let keyText = record.key else {
                    throw DestinationError.failed("\(record.source): no key recorded (incomplete record)")
                }
                let object = try context.localObject(record)
                if let proof = item.proof {
                    results.append(Result { try self.proven(record, as: keyText, object: object, answer: proof) })
                    continue
                }
                asked.append((results.count, record, object, keyText))
                results.append(.success(record))
            } catch {
                results.append(.failure(error))
            }
        }
        let answers = context.destination.verifyMany(asked.map {
            VerifyRequest(key: $0.key.split(separator: "/").map(String.init), expected: $0.object)
        })
        for (item, answer) in zip(asked, answers) {
            results[item.index] = Result { try proven(item.record, as: item.key, object: item.object, answer: answer.get()) }
        }
        // The proven records are saved at `shipped` all at once.
        let saving = results.indices.filter { (try? results[$0].get()) != nil }
        for (index, error) in zip(saving, context.saveAll(saving.map { try! results[$0].get() })) {
            if let error { results[index] = .failure(error) }
        }
        return results
    }

    /// The record at `shipped` (not saved yet) once the destination's answer proves its copy.
    private func proven(_ original: FileRecord, as keyText: String, object: LocalObject, answer: RemoteCopy) throws -> FileRecord {
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
        return record
    }
}
