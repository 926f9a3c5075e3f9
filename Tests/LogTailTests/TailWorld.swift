import Foundation
import LinuxSystem
import LogDump
import LogShipCore
import LogTail
import Logging
import Synchronization
import Testing

/// A scratch tree for the followers' tests: `containers/<c>/weblogs/<s>/` sources, a state directory, and a
/// configuration with a `[tail]` section; runs a `TailService` on a thread with a recording transport.
final class TailWorld: @unchecked Sendable {
    let root: String
    var sources: String { root + "/containers" }
    var state: String { root + "/state" }
    var configuration: DumpConfiguration
    let messages = LogLines()

    init(rescanSeconds: Int = 1, maxMessageBytes: Int = 65_536) throws {
        var template = Array("/tmp/logtail-test.XXXXXX".utf8CString)
        root = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        try FileManager.default.createDirectory(atPath: root + "/containers", withIntermediateDirectories: true)
        configuration = DumpConfiguration()
        configuration.host = "test"
        configuration.stateDirectory = root + "/state"
        configuration.roots = [root + "/containers/{container}/weblogs/{site}"]
        configuration.timeZone = "UTC"
        configuration.graceSeconds = 0
        configuration.quietSeconds = 0
        var tail = TailSection()
        tail.receiver = "relp://127.0.0.1:2514"
        tail.rescanSeconds = rescanSeconds
        tail.maxMessageBytes = maxMessageBytes
        configuration.tail = tail
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func path(_ container: String, _ site: String, _ name: String) -> String {
        "\(sources)/\(container)/weblogs/\(site)/\(name)"
    }

    /// Appends `text` to the file (created with its folders when missing).
    func append(_ container: String, _ site: String, _ name: String, _ text: String) throws {
        let file = path(container, site, name)
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: file) { FileManager.default.createFile(atPath: file, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    /// Numbered lines "<tag> seq=N".
    static func lines(_ tag: String, _ range: Range<Int>) -> [String] { range.map { "\(tag) seq=\($0)" } }
    static func text(_ lines: [String]) -> String { lines.map { $0 + "\n" }.joined() }

    /// The name of the current hour's file (open: its period is not over).
    static var currentHourName: String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        return String(format: "access_log.%04d%02d%02d%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour))
    }

    /// Starts a service on a thread; `stop()` of the returned handle stops it and gives its exit status.
    /// `made` sees the `[tail]` section of every transport the service makes (a reload makes a new one).
    func start(_ transport: RecordingTransport, random: @escaping () -> Double = { 0 },
               reload: (() -> (DumpConfiguration, [ConfigProblem]))? = nil, configPath: String? = nil,
               clock: @escaping () -> Int64 = WallClock.microseconds,
               made: @escaping @Sendable (TailSection) -> Void = { _ in }) throws -> Running {
        let control = TailControl()
        let sink = messages
        let log = Logger(label: "test") { _ in CollectingLogHandler(sink: sink) }
        let service = try TailService(configuration: configuration, makeTransport: { section, _ in made(section); return transport },
                                      control: control, reload: reload, configPath: configPath, log: log, clock: clock,
                                      random: random)
        return Running(service: service, control: control)
    }

    /// The world's configuration as a TOML file (what `logdump tail -c` would read), with `tailExtra` lines
    /// added to `[tail]`.
    func configText(tailExtra: String = "") -> String {
        let tail = configuration.tail!
        return """
            [general]
            host = "\(configuration.host)"
            state_directory = "\(state)"
            [sources]
            roots = ["\(sources)/{container}/weblogs/{site}"]
            time_zone = "UTC"
            grace = "0"
            quiet = "0"
            [destination]
            path = "\(root)"
            [metrics]
            textfile = "\(configuration.metricsTextfile)"
            [tail]
            receiver = "\(tail.receiver)"
            rescan_seconds = \(tail.rescanSeconds)
            max_message_bytes = \(tail.maxMessageBytes)
            \(tailExtra)

            """
    }

    /// Reads the configuration file at `path` the way `logdump tail` does on a reload.
    static func load(_ path: String) -> (DumpConfiguration, [ConfigProblem]) {
        do throws(ConfigProblem) {
            guard let text = try ConfigFile.read(path, explicit: true) else { return (DumpConfiguration(), []) }
            var (configuration, problems) = DumpConfiguration.parse(toml: text)
            problems += configuration.problems()
            return (configuration, problems)
        } catch {
            return (DumpConfiguration(), [error])
        }
    }

    var logText: String { messages.text }

    func checkpoints() throws -> [String: TailCheckpoint] {
        let document = try TailCheckpointFile.load(stateDirectory: state)
        return Dictionary(uniqueKeysWithValues: (document?.files ?? []).map { ($0.path, $0) })
    }

    /// Waits until `condition` holds, at most `seconds`.
    @discardableResult
    static func waitUntil(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    /// `count` lines in the current hour of c1/www, a transport set up by `breaking` (to fail or refuse), a
    /// service run until all of them arrived, then stopped (exit status checked).
    static func deliver(_ count: Int, breaking: (RecordingTransport) -> Void) throws
        -> (world: TailWorld, lines: [String], transport: RecordingTransport) {
        let world = try TailWorld()
        let lines = TailWorld.lines("c1 www", 0..<count)
        try world.append("c1", "www", TailWorld.currentHourName, TailWorld.text(lines))
        let transport = RecordingTransport()
        breaking(transport)
        let running = try world.start(transport)
        TailWorld.waitUntil(10) { transport.messages.count >= count }
        #expect(running.stop() == 0)
        return (world, lines, transport)
    }

    /// The interrupted delivery several suites look at: 100 lines, the connection breaks after 30 acknowledged.
    static func interruptedDelivery() throws -> (world: TailWorld, lines: [String], transport: RecordingTransport) {
        try deliver(100) { $0.failAfter(30) }
    }

    /// A receiver that refuses three attempts, then takes 10 lines.
    static func refusedThreeTimes() throws -> (world: TailWorld, lines: [String], transport: RecordingTransport) {
        try deliver(10) { $0.refuse(3) }
    }
}

/// A service running on its own thread.
final class Running: @unchecked Sendable {
    let control: TailControl
    private let done = ExitBox()

    init(service: TailService, control: TailControl) {
        self.control = control
        nonisolated(unsafe) let unsafeService = service
        let box = done
        let thread = Thread {
            box.set(unsafeService.run())
        }
        thread.start()
    }

    var exitStatus: Int32? { done.value }

    func stop() -> Int32? {
        control.requestStop()
        TailWorld.waitUntil(10) { exitStatus != nil }
        return exitStatus
    }
}

/// Keeps every message the service logs, for the tests to read.
struct CollectingLogHandler: LogHandler {
    let sink: LogLines
    var logLevel: Logger.Level = .debug
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
             function: String, line: UInt) {
        sink.append("\(level): \(message)")
    }
}

/// The lines a service logged.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var text: String { lines.withLock { $0.joined(separator: "\n") } }
}

/// The exit status of a service run on a thread, once it returned.
final class ExitBox: Sendable {
    private let status = Mutex<Int32?>(nil)
    func set(_ value: Int32) { status.withLock { $0 = value } }
    var value: Int32? { status.withLock { $0 } }
}
