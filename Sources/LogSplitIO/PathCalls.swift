import LogSplitCore

/// Every path given to a system call goes through here: names are bytes on Linux, and a name that is not
/// UTF-8 (from the command line, a symlink) travels through `String` with its invalid bytes escaped
/// (`RawBytes`); this gives the system call the original bytes, as cronolog would use them.
@inline(__always)
func withPath<R>(_ path: String, _ body: (UnsafePointer<CChar>) -> R) -> R {
    RawBytes.withCString(path, body)
}

@inline(__always)
func withPaths<R>(_ first: String, _ second: String, _ body: (UnsafePointer<CChar>, UnsafePointer<CChar>) -> R) -> R {
    withPath(first) { a in withPath(second) { b in body(a, b) } }
}
