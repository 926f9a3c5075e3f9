/// The path of a file below a trusted directory, as its components: `base` is the administrator's (followed),
/// every component below it is walked without following links (`LinuxSystem.SafeDirectory`).
public struct SafePath: Sendable, Hashable, Codable, CustomStringConvertible {
    public var base: String
    public var components: [String]

    public init(base: String, components: [String]) {
        self.base = base
        self.components = components
    }

    public var description: String {
        (base == "/" ? "" : base) + "/" + components.joined(separator: "/")
    }

    /// The file's own name (the last component).
    public var name: String { components.last ?? "" }

    /// True when the component is a plain name: not empty, no `/`, not `.` or `..`, no NUL.
    public static func isPlainComponent(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.utf8.contains(UInt8(ascii: "/")) && !name.utf8.contains(0)
    }
}
