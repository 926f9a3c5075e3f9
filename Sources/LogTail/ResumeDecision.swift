import LogDump

/// Where to start reading a file, given what its checkpoint says and what the file is now: the one rule for
/// recognising a file removed and re-created under the same name, an inode number reused, or a truncation.
public enum ResumeDecision: Sendable, Equatable {
    /// The same file: go on after the acknowledged bytes.
    case resume(offset: Int64)
    /// Never seen before (no checkpoint): from the start.
    case fromStart
    /// Another file now has the name (other device or inode, or the same inode with other first bytes):
    /// from the start; `reason` says which.
    case replaced(reason: String)
    /// The same file, now shorter than the acknowledged offset: reported, read from the start.
    case truncated(offset: Int64, size: Int64)

    /// The offset to read from.
    public var offset: Int64 {
        if case let .resume(offset) = self { return offset }
        return 0
    }

    /// Decides for a file with `device`, `inode` and `size`; `headSHA256(n)` hashes its first `n` bytes (nil
    /// when it has fewer).
    public static func decide(checkpoint: TailCheckpoint?, device: UInt64, inode: UInt64, size: Int64,
                              headSHA256: (Int) -> String?) -> ResumeDecision {
        guard let checkpoint else { return .fromStart }
        guard checkpoint.device == device, checkpoint.inode == inode else {
            return .replaced(reason: "another file took its name (device/inode \(checkpoint.device)/\(checkpoint.inode) "
                + "became \(device)/\(inode))")
        }
        if size < checkpoint.offset { return .truncated(offset: checkpoint.offset, size: size) }
        if checkpoint.headLength > 0, headSHA256(checkpoint.headLength) != checkpoint.headSHA256 {
            return .replaced(reason: "its first \(checkpoint.headLength) bytes changed (a new file reused the inode number)")
        }
        return .resume(offset: checkpoint.offset)
    }
}
