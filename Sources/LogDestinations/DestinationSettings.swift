/// The `[destination]` section of the configuration, one case per `type`.
public enum DestinationSettings: Sendable, Equatable {
    /// `type = "directory"`: a local disk or a mounted NFS share; `path` must exist.
    case directory(path: String)

    /// The `type` values the configuration accepts.
    public static let types = ["directory"]
}

/// Builds the destination a configuration names.
public enum DestinationFactory {
    public static func make(_ settings: DestinationSettings) -> any Destination {
        switch settings {
        case let .directory(path): DirectoryDestination(root: path)
        }
    }
}
