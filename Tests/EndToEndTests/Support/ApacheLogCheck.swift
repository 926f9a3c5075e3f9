import Foundation

/// The lines of every regular file under a directory (symlinks are not followed), read back so a test
/// can prove that every sequence number arrived exactly once and that no line is torn.
struct WrittenLogs {
    /// Relative path → contents.
    let files: [String: String]

    init(directory: String) throws {
        var found: [String: String] = [:]
        let fm = FileManager.default
        let base = URL(fileURLWithPath: directory)
        if let walker = fm.enumerator(atPath: directory) {
            while let relative = walker.nextObject() as? String {
                let attributes = try fm.attributesOfItem(atPath: base.appendingPathComponent(relative).path)
                guard attributes[.type] as? FileAttributeType == .typeRegular else { continue }
                let data = try Data(contentsOf: base.appendingPathComponent(relative))
                found[relative] = String(decoding: data, as: UTF8.self)
            }
        }
        files = found
    }

    /// Files whose last byte is not a newline (a torn last line).
    var unterminatedFiles: [String] {
        files.filter { !$0.value.isEmpty && !$0.value.hasSuffix("\n") }.map(\.key).sorted()
    }

    var lines: [Substring] { files.keys.sorted().flatMap { files[$0]!.split(separator: "\n") } }

    /// Counts the sequence number of each line; lines that `number` cannot parse are "malformed".
    func sequence(_ number: (Substring) -> Int?) -> SequenceReport {
        var report = SequenceReport()
        for line in lines {
            if let n = number(line) { report.counts[n, default: 0] += 1 } else { report.malformed.append(String(line.prefix(200))) }
        }
        return report
    }

    /// Sequence numbers of Apache `combined` lines for `GET /seq/<n>` or `/cgi/slow.cgi/seq/<n>`;
    /// a line that is not a whole combined line (a torn or interleaved line) is malformed.
    func apacheSequence() -> SequenceReport { sequence(apacheSequenceNumber) }
}

/// The n of `/seq/<n>` in a whole `combined` line from 127.0.0.1, else nil.
func apacheSequenceNumber(_ line: Substring) -> Int? {
    guard line.hasPrefix("127.0.0.1 - - ["), line.hasSuffix("\""), line.filter({ $0 == "\"" }).count == 6,
          let range = line.range(of: "/seq/") else { return nil }
    let digits = line[range.upperBound...].prefix { $0.isNumber }
    return Int(digits)
}

/// How often each sequence number was found, and the lines that were not whole.
struct SequenceReport {
    var counts: [Int: Int] = [:]
    var malformed: [String] = []

    /// nil when every number of `expected` is there exactly once, nothing else is, and no line is
    /// malformed; otherwise a short description of what is wrong.
    func problems(expecting expected: some Sequence<Int>) -> String? {
        let wanted = Set(expected)
        let missing = wanted.filter { counts[$0] == nil }.sorted()
        let duplicated = counts.filter { $0.value > 1 }.keys.sorted()
        let unexpected = counts.keys.filter { !wanted.contains($0) }.sorted()
        var text: [String] = []
        if !missing.isEmpty { text.append("\(missing.count) missing: \(missing.prefix(20))") }
        if !duplicated.isEmpty { text.append("\(duplicated.count) duplicated: \(duplicated.prefix(20))") }
        if !unexpected.isEmpty { text.append("\(unexpected.count) unexpected: \(unexpected.prefix(20))") }
        if !malformed.isEmpty { text.append("\(malformed.count) malformed: \(malformed.prefix(3))") }
        return text.isEmpty ? nil : text.joined(separator: "; ")
    }
}
