import LogDestinations
import LogShipCore

/// shipping → shipped: the destination proves its copy (read back and hashed, or the server's checksum)
/// before anything may be removed.
struct VerifyStage {
    let context: StageContext

    func run(_ record: inout FileRecord) throws {
        guard let keyText = record.key else { throw DestinationError.failed("\(record.source): no key recorded (incomplete record)") }
        let object = try context.localObject(record)
        switch try context.destination.verify(key: keyText.split(separator: "/").map(String.init), expected: object) {
        case .matches:
            break
        case .missing:
            throw DestinationError.failed("\(keyText) is missing at the destination right after writing it")
        case let .differs(seen):
            throw DestinationError.failed("verification failed: \(context.destination.description)/\(keyText) reads back as "
                + "\(seen), expected \(object) (corrupted copy; original kept)")
        }
        record.shipped.append(FileRecord.ShippedPart(
            generation: record.generation, key: keyText, offset: record.offset, length: record.length ?? 0,
            compressedSize: object.size, shippedAt: context.clock()))
        record.step = .shipped
        record.lastError = nil
        try context.store.save(record)
    }
}
