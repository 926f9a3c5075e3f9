/// A log file found under a root whose name matches the template: what the scan saw, as plain values.
public struct SourceFile: Sendable, Equatable {
    public var path: SafePath
    public var container: String?
    public var site: String?
    /// The start of the (first) period the name stands for, and the end of the last one
    /// (a DST fall-back gives one name to two hours).
    public var periodStart: Int
    public var periodEnd: Int
    public var device: UInt64
    public var inode: UInt64
    public var size: Int
    /// Seconds since the epoch, clamped by the scanner to a range the arithmetic can take.
    public var modified: Int

    public init(path: SafePath, container: String?, site: String?, periodStart: Int, periodEnd: Int,
                device: UInt64, inode: UInt64, size: Int, modified: Int) {
        self.path = path
        self.container = container
        self.site = site
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.device = device
        self.inode = inode
        self.size = size
        self.modified = modified
    }
}
