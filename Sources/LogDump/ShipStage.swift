import LogDestinations
import LogShipCore

/// compressed → shipping → (written), for a batch of files at once: picks each key, then puts the copies there,
/// create-only, in the destination's batch form (one rsync for all of them, or one put after the other). rsync
/// sends the copies ahead while the keys are checked (beside their keys, under temporary names): the put then
/// only links them, after each key was written down.
///
/// A key is the first free one of `{name}`, `{name}.1`, ... (or one that already holds exactly this copy: a run
/// killed between writing and recording), written down before anything is linked there. A key taken by other
/// content is never overwritten. Every record is saved as soon as its step changes (a batch's records together,
/// before anything depends on them), so a run killed anywhere in a batch resumes each file where it was.
struct ShipStage {
    let context: StageContext

    func keyCandidate(_ record: FileRecord, attempt: Int) -> [String]? {
        let ext = record.format?.fileExtension ?? context.configuration.format.fileExtension
        return context.keyTemplate.render(host: context.configuration.host, container: record.container, site: record.site,
                                          name: record.keyName(attempt: attempt), ext: ext,
                                          periodStart: record.periodStart, zone: context.zone)
    }

    /// Where one file of the batch is.
    private struct Slot {
        var record: FileRecord
        var object: LocalObject? = nil
        /// What this run knows is under the record's key (nil: not asked yet).
        var found: RemoteCopy? = nil
        /// The copy is under the key (put now, or found there).
        var placed = false
        var error: (any Error)? = nil
        /// The destination's answer about the copy under the key, when it gave one on the way (an adopted copy, or
        /// a put that proves what it stored): `VerifyStage` need not ask again.
        var proof: RemoteCopy? = nil
        var open: Bool { error == nil && !placed }
    }

    /// A copy under its record's key, ready for `VerifyStage`, with the destination's proof when it gave one.
    struct Placed: Sendable {
        var record: FileRecord
        var proof: RemoteCopy?
    }

    /// Ships records at `compressed` or `shipping`; one answer per record, in order: the record at `shipping` with
    /// its copy under its key (ready for `VerifyStage`), or the error that stopped it (its last saved record stays
    /// for the next run).
    func run(_ records: [FileRecord]) -> [Result<Placed, any Error>] {
        var slots = records.map { record -> Slot in
            var slot = Slot(record: record)
            do {
                slot.object = try context.localObject(record)
                if record.step == .shipping && record.key == nil {
                    throw DestinationError.failed("\(record.source): no key recorded (incomplete record)")
                }
            } catch {
                slot.error = error
            }
            return slot
        }
        // A key found taken at the put (another writer between choosing and linking) sends the file back to choose
        // the next name; twice more at most in one run.
        for _ in 0..<3 {
            chooseKeys(&slots)
            placeCopies(&slots)
            guard slots.contains(where: { $0.open && $0.record.step == .compressed }) else { break }
        }
        return slots.map { slot in
            if let error = slot.error { return .failure(error) }
            if slot.placed { return .success(Placed(record: slot.record, proof: slot.proof)) }
            return .failure(DestinationError.failed("\(slot.record.source): its key was taken by another writer three times in one run; "
                + "the next run chooses again"))
        }
    }

    /// compressed → shipping: the first free key of each, written down before anything is linked. Every round asks
    /// the destination about one candidate per file still looking, in one batch.
    private func chooseKeys(_ slots: inout [Slot]) {
        var attempt = [Int](repeating: 0, count: slots.count)
        var looking = slots.indices.filter { slots[$0].open && slots[$0].record.step == .compressed }
        while !looking.isEmpty {
            var asked: [(index: Int, key: [String])] = []
            for index in looking {
                // A key another file holds (a record's, or one asked about in this run) is taken, whatever the
                // destination says: two files never share one (`KeyClaims`).
                while let key = keyCandidate(slots[index].record, attempt: attempt[index]),
                      !context.keyClaims.claim(key.joined(separator: "/")), attempt[index] < 1000 {
                    attempt[index] += 1
                }
                guard attempt[index] < 1000 else {
                    slots[index].error = DestinationError.failed("no free destination key for \(slots[index].record.source) after 1000 names")
                    continue
                }
                guard let key = keyCandidate(slots[index].record, attempt: attempt[index]) else {
                    slots[index].error = DestinationError.failed("cannot render the destination key for \(slots[index].record.source)")
                    continue
                }
                asked.append((index, key))
            }
            // rsync sends the copies ahead in the same round trip: the put that follows only links them.
            let answers = context.destination.chooseMany(asked.map { VerifyRequest(key: $0.key, expected: slots[$0.index].object!) })
            looking = []
            var saving: [Int] = []
            for ((index, key), answer) in zip(asked, answers) {
                let keyText = key.joined(separator: "/")
                switch answer {
                case let .failure(error):
                    slots[index].error = error
                    continue
                case .success(.differs):
                    if attempt[index] == 0 {
                        let text = "\(keyText) already exists at the destination with other content; "
                            + "\(slots[index].record.source) goes under the next free name (never overwritten)"
                        context.log.warning("\(text)")
                    }
                    attempt[index] += 1
                    looking.append(index)
                    continue
                case let .success(found):
                    slots[index].found = found
                }
                slots[index].record.key = keyText
                slots[index].record.putAtKey = nil
                slots[index].record.step = .shipping
                saving.append(index)
            }
            // Each key written down before anything is linked there (all of the batch's records at once).
            for (index, error) in zip(saving, context.saveAll(saving.map { slots[$0].record })) where error != nil {
                slots[index].error = error
            }
        }
    }

    /// At `shipping`: makes sure each copy is under its record's key (unless it already is, exactly). A file
    /// whose key this run found free is not asked about again; one resuming at `shipping` after a crash always
    /// is (its earlier put may have landed).
    private func placeCopies(_ slots: inout [Slot]) {
        let unknown = slots.indices.filter { slots[$0].open && slots[$0].record.step == .shipping && slots[$0].found == nil }
        let answers = context.destination.verifyMany(unknown.map { VerifyRequest(key: key(slots[$0].record), expected: slots[$0].object!) })
        for (index, answer) in zip(unknown, answers) {
            switch answer {
            case let .success(found): slots[index].found = found
            case let .failure(error): slots[index].error = error
            }
        }

        var sending: [Int] = []
        var foreign: [Int] = []
        for index in slots.indices where slots[index].open && slots[index].record.step == .shipping {
            switch slots[index].found {
            case .matches:
                placed(&slots[index], proof: .matches)
            case let .differs(seen) where slots[index].record.putAtKey == true:
                // This record's own put stored its copy under this key: a damaged copy of our own.
                let text = "the copy of \(slots[index].record.source) at \(context.destination.description)/\(slots[index].record.key ?? "") "
                    + "does not match what was written (\(seen); expected \(slots[index].object!)): corrupted at the destination? writing it again"
                context.log.warning("\(text)")
                sending.append(index)
            case .differs:
                // Never written by this record (a run stopped between writing the key down and linking the copy, and
                // another writer came first): not ours to replace.
                let text = "\(slots[index].record.key ?? "") holds other content, and \(slots[index].record.source) never stored its copy there "
                    + "(a run stopped before it did); it goes under the next free name (never overwritten)"
                context.log.warning("\(text)")
                foreign.append(index)
            case .missing, nil:
                sending.append(index)
            }
        }
        chooseAgain(foreign, &slots)
        let requests = sending.map { index -> PutRequest in
            let replace = if case .differs = slots[index].found { true } else { false }
            return PutRequest(object: slots[index].object!, key: key(slots[index].record), replace: replace)
        }
        var taken: [Int] = []
        for (index, result) in zip(sending, context.destination.putManyProving(requests)) {
            switch result {
            case let .success(proof):
                placed(&slots[index], proof: proof)
            case .failure(.exists):
                taken.append(index)
            case let .failure(error):
                slots[index].error = error
            }
        }

        // Taken between choosing and putting: the same bytes are adopted; other content is never ours (nothing of
        // ours was linked there), so the file goes back to choose the next free name.
        let recheck = context.destination.verifyMany(taken.map { VerifyRequest(key: key(slots[$0].record), expected: slots[$0].object!) })
        for (index, answer) in zip(taken, recheck) {
            switch answer {
            case .success(.matches):
                placed(&slots[index], proof: .matches)
            case .success(.differs):
                let text = "\(slots[index].record.key ?? "") was taken at the destination by other content while "
                    + "\(slots[index].record.source) was on its way; it goes under the next free name (never overwritten)"
                context.log.warning("\(text)")
                chooseAgain([index], &slots)
            case .success(.missing):
                slots[index].error = DestinationError.failed("\(slots[index].record.key ?? "") was reported taken at the destination, "
                    + "then found missing; \(slots[index].record.source) is retried by the next run")
            case let .failure(error):
                slots[index].error = error
            }
        }
    }

    /// The copy is under the record's key, exactly (put now, or found there).
    private func placed(_ slot: inout Slot, proof: RemoteCopy?) {
        slot.placed = true
        slot.proof = proof
        slot.record.putAtKey = true
    }

    /// Back to `compressed`, saved, to choose the next free name: the record's key holds content that is not its own.
    private func chooseAgain(_ indices: [Int], _ slots: inout [Slot]) {
        for index in indices {
            slots[index].record.key = nil
            slots[index].record.putAtKey = nil
            slots[index].record.step = .compressed
            slots[index].found = nil
        }
        for (index, error) in zip(indices, context.saveAll(indices.map { slots[$0].record })) where error != nil {
            slots[index].error = error
        }
    }

    private func key(_ record: FileRecord) -> [String] {
        (record.key ?? "").split(separator: "/").map(String.init)
    }
}
