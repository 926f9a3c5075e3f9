import LogDestinations
import LogDump

#if canImport(Glibc)
import Glibc
#endif

/// Wraps any destination to land faults in it, for tests only: a pause before each put (so a kill lands in
/// the shipping step), and a damaged copy right after each put (written through the destination itself, so
/// it works for every backend), to prove that verification catches it and nothing is removed.
public struct FaultInjectingDestination: ForwardingDestination {
    public let inner: any Destination
    public let putDelayMicroseconds: UInt32
    public let damageAfterPut: Bool

    public init(_ inner: any Destination, putDelayMicroseconds: UInt32 = 0, damageAfterPut: Bool = false) {
        self.inner = inner
        self.putDelayMicroseconds = putDelayMicroseconds
        self.damageAfterPut = damageAfterPut
    }

    public func put(_ object: LocalObject, key: [String], replace: Bool) throws(DestinationError) {
        if putDelayMicroseconds > 0 { usleep(putDelayMicroseconds) }
        try inner.put(object, key: key, replace: replace)
        if damageAfterPut { try putDamagedCopy(of: object, key: key) }
    }

    /// A batch goes to the wrapped destination as a batch (one rsync for all of it), after one pause.
    public func putMany(_ requests: [PutRequest]) -> [Result<Void, DestinationError>] {
        if putDelayMicroseconds > 0 && !requests.isEmpty { usleep(putDelayMicroseconds) }
        var results = inner.putMany(requests)
        guard damageAfterPut else { return results }
        for (index, request) in requests.enumerated() where (try? results[index].get()) != nil {
            results[index] = Result { () throws(DestinationError) in try putDamagedCopy(of: request.object, key: request.key) }
        }
        return results
    }

    /// Without damage, the wrapped destination's own form (rsync's put that proves its copies); with damage, the
    /// damaged copies are never proven on the way: `verifyMany` must be asked, and must catch them.
    public func putManyProving(_ requests: [PutRequest]) -> [Result<RemoteCopy?, DestinationError>] {
        guard damageAfterPut else {
            if putDelayMicroseconds > 0 && !requests.isEmpty { usleep(putDelayMicroseconds) }
            return inner.putManyProving(requests)
        }
        return putMany(requests).map { $0.map { nil } }
    }

    /// The wrapped destination's own form (rsync sends the copies ahead while it checks the keys); a damaged copy
    /// is still stored by the put, after it.
    public func chooseMany(_ requests: [VerifyRequest]) -> [Result<RemoteCopy, DestinationError>] {
        inner.chooseMany(requests)
    }

    public func verifyMany(_ requests: [VerifyRequest]) -> [Result<RemoteCopy, DestinationError>] {
        inner.verifyMany(requests)
    }

    /// The same bytes with the middle one flipped, stored over the good copy.
    func putDamagedCopy(of object: LocalObject, key: [String]) throws(DestinationError) {
        guard let file = fopen(object.path, "rb") else { throw .failed("fault injection: cannot read \(object.path)") }
        var bytes = [UInt8](repeating: 0, count: object.size)
        let n = fread(&bytes, 1, bytes.count, file)
        fclose(file)
        guard n == object.size, !bytes.isEmpty else { throw .failed("fault injection: short read of \(object.path)") }
        bytes[bytes.count / 2] ^= 0xFF
        let damaged = object.path + ".damaged"
        guard let out = fopen(damaged, "wb") else { throw .failed("fault injection: cannot write \(damaged)") }
        fwrite(bytes, 1, bytes.count, out)
        fclose(out)
        defer { unlink(damaged) }
        try inner.put(LocalObject(path: damaged, size: object.size, sha256: "damaged"), key: key, replace: true)
    }
}

/// Run hooks for the tests: a pause after every step and inside compression and puts, and/or damaged copies.
public enum FaultHooks {
    public static func make(stepDelayMilliseconds: UInt32 = 0, damageCopies: Bool = false) -> RunHooks {
        let delay = stepDelayMilliseconds * 1000
        return RunHooks(
            wrapDestination: { FaultInjectingDestination($0, putDelayMicroseconds: delay, damageAfterPut: damageCopies) },
            afterStep: { if delay > 0 { usleep(delay) } },
            compressionReadDelayMicroseconds: delay / 2)
    }

    /// From the environment of the `logdump-faults` test binary: `LOGDUMP_TEST_STEP_DELAY_MS`,
    /// `LOGDUMP_TEST_CORRUPT_DESTINATION=1`.
    public static func fromEnvironment() -> RunHooks {
        let delay = getenv("LOGDUMP_TEST_STEP_DELAY_MS").flatMap { UInt32(String(cString: $0)) } ?? 0
        let corrupt = getenv("LOGDUMP_TEST_CORRUPT_DESTINATION").map { String(cString: $0) == "1" } ?? false
        return make(stepDelayMilliseconds: delay, damageCopies: corrupt)
    }
}
