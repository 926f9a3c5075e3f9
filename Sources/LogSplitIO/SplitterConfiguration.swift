import LogSplitCore

/// Everything that decides where the splitter writes each line; built from the command line.
public struct SplitterConfiguration: Sendable {
    public var template: Template
    /// The rotation period: inferred from the template unless `-p` or `-o` says otherwise.
    public var period: RotationPeriod
    /// `-d`: the switch to the next period's file happens this many seconds after the period ends.
    public var delay = 0
    public var zone = CivilTimeZone(identifier: nil)
    /// `-s`: added to the real clock (the start time minus the real time at start).
    public var timeOffset = 0
    /// Below this directory nothing is followed: symlinks and special files are refused.
    public var root: String
    /// `--site-field`: the first field of each line names the site and fills `{site}`.
    public var siteField = false
    public var fallbackSite = "_other"
    public var maxSites = 1024
    public var maxOpenFiles = 256
    /// `--line-time`: split by the line's own `[%t]`.
    public var lineTime = false
    public var lateWindow = 300
    /// A line time further than this in the future is not trusted (clock skew or a forged line).
    public var futureTolerance = 300
    public var drainTimeout = 60
    /// Bound on the bytes held in memory while files cannot be written.
    public var bufferLimit = 16 << 20
    public var readBufferSize = 256 << 10
    /// Size asked for the input pipe (F_SETPIPE_SZ), so bursts do not block the writers; 0 keeps the kernel's.
    public var pipeSize = 1 << 20
    /// `-S`/`-l`/`-H` and `-P`.
    public var link: LinkSpec? = nil

    /// Lines are routed one by one (by site or by their own time) rather than written in whole reads.
    public var routesLines: Bool { siteField || lineTime }

    public init(template: Template) {
        self.template = template
        period = RotationPeriod(
            unit: template.inferredPeriodicity, multiple: 1, weeksStartOnMonday: template.weeksStartOnMonday)
        root = template.fixedDirectoryPrefix
    }
}

/// The "current file" link cronolog maintains (`-S`/`-l` symbolic, `-H` hard) and its `-P` previous link.
public struct LinkSpec: Sendable, Equatable {
    public enum Kind: Sendable { case symbolic, hard }
    public var kind: Kind
    /// May contain `{site}`.
    public var path: String
    public var previous: String?

    public init(kind: Kind, path: String, previous: String? = nil) {
        self.kind = kind
        self.path = path
        self.previous = previous
    }
}
