/// A reader of the Prometheus text exposition format (0.0.4), strict enough to catch what node_exporter's
/// textfile collector would refuse: every sample's family has `# HELP` and `# TYPE` before it, label values are
/// quoted with only `\\`, `\"` and `\n` escapes, values are numbers.
struct PrometheusText {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    var types: [String: String] = [:]
    var helps: [String: String] = [:]
    var samples: [Sample] = []

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    init(_ text: String) throws {
        guard text.hasSuffix("\n") else { throw Malformed(description: "the text must end with a newline") }
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            let line = String(raw)
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let rest = line.dropFirst(7)
                guard let space = rest.firstIndex(of: " ") else { throw Malformed(description: "no text: \(line)") }
                let name = String(rest[..<space]), value = String(rest[rest.index(after: space)...])
                if line.hasPrefix("# HELP ") { helps[name] = value } else {
                    guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(value) else {
                        throw Malformed(description: "unknown type: \(line)")
                    }
                    types[name] = value
                }
                continue
            }
            samples.append(try Self.sample(line, types: types, helps: helps))
        }
    }

    static func sample(_ line: String, types: [String: String], helps: [String: String]) throws -> Sample {
        var rest = Substring(line)
        let name = String(rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" })
        guard !name.isEmpty, types[name] != nil, helps[name] != nil else {
            throw Malformed(description: "sample without its # HELP and # TYPE first: \(line)")
        }
        rest = rest.dropFirst(name.count)
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                let label = String(rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
                rest = rest.dropFirst(label.count)
                guard !label.isEmpty, rest.hasPrefix("=\"") else { throw Malformed(description: "bad label in \(line)") }
                rest = rest.dropFirst(2)
                var value = ""
                while let c = rest.first, c != "\"" {
                    rest = rest.dropFirst()
                    if c == "\\" {
                        switch rest.first {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: throw Malformed(description: "bad escape in \(line)")
                        }
                        rest = rest.dropFirst()
                    } else {
                        value.append(c)
                    }
                }
                guard rest.first == "\"" else { throw Malformed(description: "unterminated label value in \(line)") }
                rest = rest.dropFirst()
                labels[label] = value
                if rest.first == "," { rest = rest.dropFirst() }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " ", let value = Double(rest.dropFirst()) else { throw Malformed(description: "bad value in \(line)") }
        return Sample(name: name, labels: labels, value: value)
    }

    /// The value of the one sample named `name` whose labels include `labels`.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let found = samples.filter { sample in sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value } }
        return found.count == 1 ? found[0].value : nil
    }
}
