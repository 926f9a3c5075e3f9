import SyslogWire

/// The counting the counters need beyond what the framer tallies as it goes: how many whole lines of a batch
/// lie before an offset (a line sent as parts counts once). Only asked for a batch that is sent again or was
/// acknowledged in part, never on the common path. Pure.
public enum TailCounting {
    public struct Count: Sendable, Equatable {
        /// Whole lines.
        public var lines: Int
        /// Of them, lines sent as numbered parts.
        public var split: Int

        public init(lines: Int, split: Int) {
            self.lines = lines
            self.split = split
        }
    }

    /// The whole lines among `lines` (in file order) that start before `offset`.
    public static func wholeLines(_ lines: [LineBatch.Line], before offset: Int64) -> Count {
        var count = Count(lines: 0, split: 0)
        for line in lines {
            if line.fileOffset >= offset { break }
            guard let part = line.part else {
                count.lines += 1
                continue
            }
            if part.index == 1 {
                count.lines += 1
                if part.count > 1 { count.split += 1 }
            }
        }
        return count
    }
}
