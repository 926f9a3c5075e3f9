/// The plain-syslog acknowledgement rule, pure: message i ends at wire position `ends[i]` (increasing); the
/// peer's TCP acknowledged `acknowledgedBytes` wire bytes; the messages known delivered to the peer's kernel are
/// the leading ones whose end is within that. With TLS, `ends[i]` is the wire position after the last record
/// carrying any byte of message i, so a message counts only when all ciphertext up to its end is acknowledged.
public enum AcknowledgedPrefix {
    public static func count(ends: [UInt64], acknowledgedBytes: UInt64) -> Int {
        var low = 0
        var high = ends.count
        while low < high {
            let middle = (low + high) / 2
            if ends[middle] <= acknowledgedBytes { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
