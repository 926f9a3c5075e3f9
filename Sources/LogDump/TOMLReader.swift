/// A TOML 1.0 value, as the configuration reads it.
public indirect enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    /// Dates and times are kept as written: no configuration key takes one.
    case datetime(String)
    case array([TOMLValue])
    case table(TOMLTable)

    public var string: String? { if case let .string(s) = self { s } else { nil } }
    public var int: Int? { if case let .integer(i) = self { i } else { nil } }
    public var bool: Bool? { if case let .boolean(b) = self { b } else { nil } }
    public var array: [TOMLValue]? { if case let .array(a) = self { a } else { nil } }
    public var table: TOMLTable? { if case let .table(t) = self { t } else { nil } }
}

/// A TOML table: its keys in the order written.
public struct TOMLTable: Sendable, Equatable {
    public private(set) var keys: [String] = []
    private var values: [String: TOMLValue] = [:]
    /// Defined by a `[header]` (not only implied by a dotted key or a deeper header).
    var explicitlyDefined = false
    /// An inline table or a value: closed to later additions.
    var sealed = false

    public init() {}

    public subscript(key: String) -> TOMLValue? { values[key] }

    mutating func set(_ key: String, _ value: TOMLValue) {
        if values[key] == nil { keys.append(key) }
        values[key] = value
    }
}

/// Where and why a document is not valid TOML.
public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let message: String
    public var description: String { "line \(line), column \(column): \(message)" }
}

/// Reads TOML 1.0 into a `TOMLTable`, in Swift: every malformed document is a `TOMLError` with its line and
/// column, never an abort. (toml++, through TOMLKit, checked its parser's invariants with `assert`, and SwiftPM
/// builds dependencies without NDEBUG: some malformed files aborted `logdump`.)
public struct TOMLReader {
    private let bytes: [UInt8]
    private var i = 0
    private var root = TOMLTable()
    /// The path of the table the following key/value lines go into.
    private var current: [String] = []
    /// Nesting depth of arrays and inline tables: bounded, so a hostile file cannot exhaust the stack.
    private var depth = 0
    static let maxDepth = 64

    public static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        var reader = TOMLReader(bytes: Array(text.utf8))
        try reader.document()
        return reader.root
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    // MARK: - Errors and scanning

    private func fail(_ message: String) -> TOMLError {
        var line = 1, column = 1
        for b in bytes[0..<min(i, bytes.count)] {
            if b == 10 { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
        }
        return TOMLError(line: line, column: column, message: message)
    }

    private var peek: UInt8? { i < bytes.count ? bytes[i] : nil }
    private func peek(_ offset: Int) -> UInt8? { i + offset < bytes.count ? bytes[i + offset] : nil }
    private func at(_ text: String) -> Bool {
        let t = Array(text.utf8)
        return i + t.count <= bytes.count && Array(bytes[i..<(i + t.count)]) == t
    }

    private mutating func skipSpaces() { while let c = peek, c == 32 || c == 9 { i += 1 } }

    private mutating func skipComment() throws(TOMLError) {
        guard peek == UInt8(ascii: "#") else { return }
        while let c = peek, c != 10 {
            if c == 13 && peek(1) == 10 { break }
            if (c < 32 && c != 9) || c == 127 { throw fail("control character in a comment") }
            i += 1
        }
    }

    /// The end of a line: spaces, an optional comment, then a newline or the end.
    private mutating func endOfLine() throws(TOMLError) {
        skipSpaces()
        try skipComment()
        guard let c = peek else { return }
        if c == 10 { i += 1; return }
        if c == 13 && peek(1) == 10 { i += 2; return }
        throw fail("expected the end of the line")
    }

    /// Whitespace, newlines and comments (inside arrays).
    private mutating func skipBlank() throws(TOMLError) {
        while true {
            skipSpaces()
            try skipComment()
            if peek == 10 { i += 1 } else if peek == 13 && peek(1) == 10 { i += 2 } else { return }
        }
    }

    // MARK: - Document and tables

    private mutating func document() throws(TOMLError) {
        while true {
            try skipBlank()
            guard let c = peek else { return }
            if c == UInt8(ascii: "[") {
                if peek(1) == UInt8(ascii: "[") { try arrayOfTablesHeader() } else { try tableHeader() }
            } else {
                let (path, value) = try keyValue()
                try assign(value, at: current + path)
            }
            try endOfLine()
        }
    }

    private mutating func tableHeader() throws(TOMLError) {
        i += 1
        skipSpaces()
        let path = try key()
        skipSpaces()
        guard peek == UInt8(ascii: "]") else { throw fail("expected ']' to close the table header") }
        i += 1
        try withTable(at: path) { (table, r) throws(TOMLError) in
            guard !table.explicitlyDefined, !table.sealed else { throw r.fail("table [\(path.joined(separator: "."))] is defined twice") }
            table.explicitlyDefined = true
        }
        current = path
    }

    private mutating func arrayOfTablesHeader() throws(TOMLError) {
        i += 2
        skipSpaces()
        let path = try key()
        skipSpaces()
        guard at("]]") else { throw fail("expected ']]' to close the array-of-tables header") }
        i += 2
        // The configuration has no array of tables; it is read (so the message can name the key) as one.
        let parent = Array(path.dropLast()), last = path.last!
        try withTable(at: parent) { (table, r) throws(TOMLError) in
            var elements: [TOMLValue] = []
            if let existing = table[last] {
                guard case let .array(a) = existing else { throw r.fail("'\(last)' is already defined as a value") }
                elements = a
            }
            elements.append(.table(TOMLTable()))
            table.set(last, .array(elements))
        }
        current = path
    }

    /// Runs `body` on the table at `path`, creating implied tables on the way.
    /// `body` gets the reader as it was (for its error positions): it must not touch `self`, which is being changed.
    private mutating func withTable(at path: [String],
                                    _ body: (inout TOMLTable, TOMLReader) throws(TOMLError) -> Void) throws(TOMLError) {
        func descend(_ table: inout TOMLTable, _ rest: ArraySlice<String>, _ reader: TOMLReader) throws(TOMLError) {
            guard let name = rest.first else { try body(&table, reader); return }
            var child: TOMLTable
            switch table[name] {
            case nil:
                guard !table.sealed else { throw reader.fail("cannot add to an inline table") }
                child = TOMLTable()
            case let .table(t)?:
                child = t
            case let .array(elements)? where elements.last?.table != nil:
                // A later header below an array of tables goes into its last element.
                var last = elements.last!.table!
                try descend(&last, rest.dropFirst(), reader)
                table.set(name, .array(elements.dropLast() + [.table(last)]))
                return
            default:
                throw reader.fail("'\(name)' is already defined as a value")
            }
            try descend(&child, rest.dropFirst(), reader)
            table.set(name, .table(child))
        }
        let snapshot = self
        try descend(&root, path[...], snapshot)
    }

    /// Sets `value` at `path`; tables its dotted part names are created as needed.
    private mutating func assign(_ value: TOMLValue, at path: [String]) throws(TOMLError) {
        let parent = Array(path.dropLast()), last = path.last!
        try withTable(at: parent) { (table, r) throws(TOMLError) in
            guard table[last] == nil else { throw r.fail("'\(path.joined(separator: "."))' is defined twice") }
            guard !table.sealed else { throw r.fail("cannot add to an inline table") }
            table.set(last, value)
        }
    }

    // MARK: - Keys

    private mutating func keyValue() throws(TOMLError) -> ([String], TOMLValue) {
        let path = try key()
        skipSpaces()
        guard peek == UInt8(ascii: "=") else { throw fail("expected '=' after the key '\(path.joined(separator: "."))'") }
        i += 1
        skipSpaces()
        return (path, try value())
    }

    /// A dotted key: `a`, `a.b`, `"quoted key"`, `'literal'`.
    private mutating func key() throws(TOMLError) -> [String] {
        var parts: [String] = []
        while true {
            skipSpaces()
            guard let c = peek else { throw fail("expected a key") }
            if c == UInt8(ascii: "\"") {
                parts.append(try basicString())
            } else if c == UInt8(ascii: "'") {
                parts.append(try literalString())
            } else {
                let start = i
                while let b = peek, isBareKeyByte(b) { i += 1 }
                guard i > start else { throw fail("expected a key (letters, digits, '_', '-' or a quoted key)") }
                parts.append(String(decoding: bytes[start..<i], as: UTF8.self))
            }
            skipSpaces()
            guard peek == UInt8(ascii: ".") else { return parts }
            i += 1
        }
    }

    private func isBareKeyByte(_ b: UInt8) -> Bool {
        (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || (b >= 48 && b <= 57) || b == 95 || b == 45
    }

    // MARK: - Values

    private mutating func value() throws(TOMLError) -> TOMLValue {
        guard let c = peek else { throw fail("expected a value") }
        switch c {
        case UInt8(ascii: "\""):
            return .string(at("\"\"\"") ? try multilineBasicString() : try basicString())
        case UInt8(ascii: "'"):
            return .string(at("'''") ? try multilineLiteralString() : try literalString())
        case UInt8(ascii: "["):
            return try array()
        case UInt8(ascii: "{"):
            return try inlineTable()
        case UInt8(ascii: "t") where at("true"):
            i += 4
            return .boolean(true)
        case UInt8(ascii: "f") where at("false"):
            i += 5
            return .boolean(false)
        default:
            return try numberOrDate()
        }
    }

    private mutating func nested<T>(_ body: (inout TOMLReader) throws(TOMLError) -> T) throws(TOMLError) -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw fail("nested more than \(Self.maxDepth) levels deep") }
        return try body(&self)
    }

    private mutating func array() throws(TOMLError) -> TOMLValue {
        try nested { (r) throws(TOMLError) in
            r.i += 1
            var elements: [TOMLValue] = []
            while true {
                try r.skipBlank()
                if r.peek == UInt8(ascii: "]") { r.i += 1; return .array(elements) }
                elements.append(try r.value())
                try r.skipBlank()
                if r.peek == UInt8(ascii: ",") { r.i += 1; continue }
                guard r.peek == UInt8(ascii: "]") else { throw r.fail("expected ',' or ']' in the array") }
                r.i += 1
                return .array(elements)
            }
        }
    }

    private mutating func inlineTable() throws(TOMLError) -> TOMLValue {
        try nested { (r) throws(TOMLError) in
            r.i += 1
            var table = TOMLTable()
            r.skipSpaces()
            if r.peek == UInt8(ascii: "}") { r.i += 1; table.sealed = true; return .table(table) }
            while true {
                r.skipSpaces()
                let (path, value) = try r.keyValue()
                var target = table
                try Self.insert(value, at: path[...], into: &target, reader: r)
                table = target
                r.skipSpaces()
                if r.peek == UInt8(ascii: ",") { r.i += 1; continue }
                guard r.peek == UInt8(ascii: "}") else { throw r.fail("expected ',' or '}' in the inline table") }
                r.i += 1
                table.sealed = true
                return .table(table)
            }
        }
    }

    private static func insert(_ value: TOMLValue, at path: ArraySlice<String>, into table: inout TOMLTable,
                               reader: TOMLReader) throws(TOMLError) {
        let name = path.first!
        if path.count == 1 {
            guard table[name] == nil else { throw reader.fail("'\(name)' is defined twice") }
            table.set(name, value)
            return
        }
        var child: TOMLTable
        switch table[name] {
        case nil: child = TOMLTable()
        case let .table(t)? where !t.sealed: child = t
        default: throw reader.fail("'\(name)' is already defined as a value")
        }
        try insert(value, at: path.dropFirst(), into: &child, reader: reader)
        table.set(name, .table(child))
    }

    // MARK: - Strings

    private mutating func basicString() throws(TOMLError) -> String {
        i += 1
        var out: [UInt8] = []
        while true {
            guard let c = peek else { throw fail("unterminated string") }
            switch c {
            case UInt8(ascii: "\""):
                i += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try escape(into: &out)
            case 10, 13:
                throw fail("newline in a one-line string (use \"\"\" for several lines)")
            default:
                if (c < 32 && c != 9) || c == 127 { throw fail("control character in a string") }
                out.append(c)
                i += 1
            }
        }
    }

    private mutating func multilineBasicString() throws(TOMLError) -> String {
        i += 3
        if peek == 10 { i += 1 } else if peek == 13 && peek(1) == 10 { i += 2 }
        var out: [UInt8] = []
        while true {
            guard let c = peek else { throw fail("unterminated multi-line string") }
            if at("\"\"\"") {
                // Up to two quotes right before the closing ones belong to the string.
                var quotes = 3
                while peek(quotes) == UInt8(ascii: "\""), quotes < 5 { quotes += 1 }
                out += Array(repeating: UInt8(ascii: "\""), count: quotes - 3)
                i += quotes
                return String(decoding: out, as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") {
                // A backslash at the end of a line trims the newline and the blanks that follow.
                var j = i + 1
                while j < bytes.count, bytes[j] == 32 || bytes[j] == 9 { j += 1 }
                if j < bytes.count, bytes[j] == 10 || (bytes[j] == 13 && j + 1 < bytes.count && bytes[j + 1] == 10) {
                    i = j
                    while let b = peek, b == 32 || b == 9 || b == 10 || b == 13 { i += 1 }
                    continue
                }
                try escape(into: &out)
                continue
            }
            if (c < 32 && c != 9 && c != 10 && c != 13) || c == 127 { throw fail("control character in a string") }
            out.append(c)
            i += 1
        }
    }

    private mutating func escape(into out: inout [UInt8]) throws(TOMLError) {
        i += 1
        guard let c = peek else { throw fail("unterminated escape") }
        i += 1
        switch c {
        case UInt8(ascii: "b"): out.append(8)
        case UInt8(ascii: "t"): out.append(9)
        case UInt8(ascii: "n"): out.append(10)
        case UInt8(ascii: "f"): out.append(12)
        case UInt8(ascii: "r"): out.append(13)
        case UInt8(ascii: "\""): out.append(34)
        case UInt8(ascii: "\\"): out.append(92)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let count = c == UInt8(ascii: "u") ? 4 : 8
            guard i + count <= bytes.count,
                  let code = UInt32(String(decoding: bytes[i..<(i + count)], as: UTF8.self), radix: 16),
                  let scalar = Unicode.Scalar(code) else { throw fail("invalid \\u escape") }
            i += count
            out += Array(String(Character(scalar)).utf8)
        default:
            throw fail("unknown escape '\\\(Character(Unicode.Scalar(c)))'")
        }
    }

    private mutating func literalString() throws(TOMLError) -> String {
        i += 1
        let start = i
        while true {
            guard let c = peek else { throw fail("unterminated string") }
            if c == UInt8(ascii: "'") { break }
            if c == 10 || c == 13 { throw fail("newline in a one-line string (use ''' for several lines)") }
            if (c < 32 && c != 9) || c == 127 { throw fail("control character in a string") }
            i += 1
        }
        defer { i += 1 }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    private mutating func multilineLiteralString() throws(TOMLError) -> String {
        i += 3
        if peek == 10 { i += 1 } else if peek == 13 && peek(1) == 10 { i += 2 }
        let start = i
        while true {
            guard let c = peek else { throw fail("unterminated multi-line string") }
            if at("'''") {
                var quotes = 3
                while peek(quotes) == UInt8(ascii: "'"), quotes < 5 { quotes += 1 }
                let text = String(decoding: bytes[start..<(i + quotes - 3)], as: UTF8.self)
                i += quotes
                return text
            }
            if (c < 32 && c != 9 && c != 10 && c != 13) || c == 127 { throw fail("control character in a string") }
            i += 1
        }
    }

    // MARK: - Numbers, booleans, dates

    private mutating func numberOrDate() throws(TOMLError) -> TOMLValue {
        let start = i
        // Dates and times: digits with '-' or ':' in the right places (`1979-05-27`, `07:32:00`).
        if let c = peek, c >= 48, c <= 57, (peek(4) == UInt8(ascii: "-") || peek(2) == UInt8(ascii: ":")) {
            while let b = peek, isDateByte(b) || (b == 32 && peek(1).map { $0 >= 48 && $0 <= 57 } == true && i - start == 10) {
                i += 1
            }
            let text = String(decoding: bytes[start..<i], as: UTF8.self)
            guard Self.isDate(text) else {
                i = start
                throw fail("'\(text)' is not a valid date or time")
            }
            return .datetime(text)
        }
        while let b = peek, isNumberByte(b) { i += 1 }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        guard !text.isEmpty else { throw fail("expected a value (a string in quotes, a number, true or false)") }
        if let n = Self.integer(text) { return .integer(n) }
        if let x = Self.float(text) { return .float(x) }
        i = start  // the message points at the value's first character
        if Self.integerShaped(text) { throw fail("the integer \(text) is out of range (at most 9223372036854775807)") }
        throw fail("'\(text)' is not a value (strings need quotes)")
    }

    private func isDateByte(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || b == 45 || b == 58 || b == 84 || b == 116 || b == 90 || b == 122 || b == 46 || b == 43
    }

    private func isNumberByte(_ b: UInt8) -> Bool {
        isBareKeyByte(b) || b == 43 || b == 46
    }

    static func integerShaped(_ text: String) -> Bool {
        var t = Substring(text)
        if t.first == "+" || t.first == "-" { t = t.dropFirst() }
        return !t.isEmpty && t.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "_") }
    }

    /// TOML integers: decimal with single underscores between digits (no leading zeros), or 0x/0o/0b.
    static func integer(_ text: String) -> Int? {
        var t = Substring(text)
        var negative = false
        if let f = t.first, f == "+" || f == "-" {
            negative = f == "-"
            t = t.dropFirst()
        }
        var radix = 10
        if t.count > 2, t.hasPrefix("0x") || t.hasPrefix("0o") || t.hasPrefix("0b") {
            guard text.first != "+" && text.first != "-" else { return nil }
            radix = t.hasPrefix("0x") ? 16 : t.hasPrefix("0o") ? 8 : 2
            t = t.dropFirst(2)
        } else if t.count > 1 && t.first == "0" {
            return nil
        }
        guard let f = t.first, f != "_", t.last != "_", !t.contains("__") else { return nil }
        let digits = t.filter { $0 != "_" }
        guard let magnitude = UInt64(digits, radix: radix) else { return nil }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int.min : -Int(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int(magnitude)
    }

    static func float(_ text: String) -> Double? {
        var t = Substring(text)
        if let f = t.first, f == "+" || f == "-" { t = t.dropFirst() }
        if t == "inf" || t == "nan" { return text.hasPrefix("-") ? (t == "inf" ? -Double.infinity : -Double.nan) : (t == "inf" ? .infinity : .nan) }
        guard !t.isEmpty, t.first!.isNumber, t.last!.isNumber, !t.contains("__"), !t.contains("_."), !t.contains("._"),
              t.contains(".") || t.contains("e") || t.contains("E") else { return nil }
        if t.count > 1 && t.first == "0" && t.dropFirst().first?.isNumber == true { return nil }
        return Double(text.filter { $0 != "_" })
    }

    /// `1979-05-27`, `07:32:00`, `1979-05-27T07:32:00(.999)(Z|+07:00)` (and a space for the T).
    static func isDate(_ text: String) -> Bool {
        let b = Array(text.utf8)
        func digits(_ at: Int, _ n: Int) -> Int? {
            guard at + n <= b.count else { return nil }
            var v = 0
            for k in at..<(at + n) {
                guard b[k] >= 48 && b[k] <= 57 else { return nil }
                v = v * 10 + Int(b[k] - 48)
            }
            return v
        }
        func time(_ at: Int) -> Int? {
            guard let h = digits(at, 2), h <= 23, at + 2 < b.count, b[at + 2] == 58, let m = digits(at + 3, 2), m <= 59,
                  at + 5 < b.count, b[at + 5] == 58, let s = digits(at + 6, 2), s <= 60 else { return nil }
            var end = at + 8
            if end < b.count, b[end] == 46 {
                end += 1
                let digitsStart = end
                while end < b.count, b[end] >= 48, b[end] <= 57 { end += 1 }
                guard end > digitsStart else { return nil }
            }
            return end
        }
        if b.count >= 3 && b[2] == 58 { return time(0) == b.count }
        guard let y = digits(0, 4), b.count >= 10, b[4] == 45, let m = digits(5, 2), (1...12).contains(m), b[7] == 45,
              let d = digits(8, 2), d >= 1 else { return false }
        let days = [31, y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard d <= days[m - 1] else { return false }
        if b.count == 10 { return true }
        guard b[10] == 84 || b[10] == 116 || b[10] == 32, var end = time(11) else { return false }
        if end == b.count { return true }
        if b[end] == 90 || b[end] == 122 { end += 1 } else if b[end] == 43 || b[end] == 45 {
            guard let h = digits(end + 1, 2), h <= 23, end + 3 < b.count, b[end + 3] == 58, let mm = digits(end + 4, 2), mm <= 59 else {
                return false
            }
            end += 6
        }
        return end == b.count
    }
}
