import CBuildInfo

/// The release and the git commit a binary was built from, as `--version` prints them.
public enum BuildInfo {
    /// The release, e.g. `0.1.0`.
    public static let release = String(cString: logsplit_build_release())

    /// The abbreviated git commit (`-dirty` when the sources differed from it), or `unknown` for a build
    /// made without the Makefile (`swift build`).
    public static let commit = String(cString: logsplit_build_commit())

    /// `logsplit version 0.1.0 (commit 1a341ea)`: the line `--version` prints for `program`.
    public static func versionLine(program: String) -> String {
        "\(program) version \(release) (commit \(commit))"
    }
}
