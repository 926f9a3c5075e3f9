/// The little of S3's XML the destination reads: element texts by tag name, and the escaping of what it writes.
/// S3's answers are flat and machine-written; no general XML parser is needed for them.
enum S3XML {
    /// The text of every `<tag>...</tag>` in `xml`, in order, entities decoded.
    static func values(_ tag: String, in xml: String) -> [String] {
        elements(tag, in: xml).map(unescape)
    }

    static func value(_ tag: String, in xml: String) -> String? { values(tag, in: xml).first }

    /// Each `<tag>...</tag>` element's inner XML.
    static func elements(_ tag: String, in xml: String) -> [String] {
        var out: [String] = []
        let open = "<" + tag + ">", close = "</" + tag + ">"
        var rest = Substring(xml)
        while let start = rest.firstRange(of: open) {
            let after = rest[start.upperBound...]
            guard let end = after.firstRange(of: close) else { break }
            out.append(String(after[..<end.lowerBound]))
            rest = after[end.upperBound...]
        }
        return out
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(c)
            }
        }
        return out
    }

    static func unescape(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else { break }
            let entity = rest[rest.index(after: amp)..<semi]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                if entity.hasPrefix("#x"), let v = UInt32(entity.dropFirst(2), radix: 16), let s = Unicode.Scalar(v) {
                    out.unicodeScalars.append(s)
                } else if entity.hasPrefix("#"), let v = UInt32(entity.dropFirst()), let s = Unicode.Scalar(v) {
                    out.unicodeScalars.append(s)
                } else {
                    out += rest[amp...semi]
                }
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }
}
