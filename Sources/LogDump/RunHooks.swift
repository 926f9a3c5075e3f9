import LogDestinations

/// The seams a test may use to land faults in a run (a damaged copy, a kill in the middle of a step);
/// production runs use `.none`. The fault-injecting pieces themselves live in the tests' own target
/// (`Tests/Support/LogDumpFaults`), never in the shipped binary.
public struct RunHooks: Sendable {
    /// Wraps the destination the configuration names.
    public var wrapDestination: @Sendable (any Destination) -> any Destination
    /// Called after every step of every file.
    public var afterStep: @Sendable () -> Void
    /// Slows compression down: a pause after each 64 KiB read.
    public var compressionReadDelayMicroseconds: UInt32

    public init(wrapDestination: @escaping @Sendable (any Destination) -> any Destination = { $0 },
                afterStep: @escaping @Sendable () -> Void = {}, compressionReadDelayMicroseconds: UInt32 = 0) {
        self.wrapDestination = wrapDestination
        self.afterStep = afterStep
        self.compressionReadDelayMicroseconds = compressionReadDelayMicroseconds
    }

    public static let none = RunHooks()
}
