import Foundation
import LogSplitCore
import LogSplitIO

/// Input for the split loop that is fed step by step, each step at its own fake time: lets tests
/// drip-feed bytes, cross period boundaries exactly, and wake the loop with no input (as SIGALRM would).
final class ScriptedInput: @unchecked Sendable {
    enum Step {
        case data(at: Int, bytes: [UInt8], perRead: Int)
        /// The loop wakes up with no input at this time (a read interrupted by the timer).
        case tick(at: Int)
        /// Runs between reads, for checks while the splitter still runs.
        case check(() -> Void)
    }

    private var steps: [Step]
    private var offset = 0
    private(set) var now: Int

    init(startingAt start: Int, _ steps: [Step]) {
        self.steps = steps
        now = start
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        while let step = steps.first {
            switch step {
            case let .data(at, bytes, perRead):
                now = at
                let n = min(perRead, bytes.count - offset, buffer.count)
                if n <= 0 {
                    steps.removeFirst()
                    offset = 0
                    continue
                }
                bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
                offset += n
                if offset == bytes.count {
                    steps.removeFirst()
                    offset = 0
                }
                return n
            case let .tick(at):
                now = at
                steps.removeFirst()
                errno = EINTR
                return -1
            case let .check(body):
                steps.removeFirst()
                body()
            }
        }
        return 0
    }
}

/// Runs a splitter over scripted input in a fresh directory; returns the splitter and the directory.
func split(
    _ template: String, in directory: String, configure: (inout SplitterConfiguration) -> Void = { _ in },
    startingAt start: Int, _ steps: [ScriptedInput.Step]
) throws -> (Splitter, Splitter.ExitStatus, CollectingDiagnostics) {
    var configuration = SplitterConfiguration(template: try Template(directory + "/" + template))
    configuration.zone = CivilTimeZone(identifier: "UTC")
    configure(&configuration)
    let input = ScriptedInput(startingAt: start, steps)
    let diagnostics = CollectingDiagnostics()
    let splitter = Splitter(configuration: configuration, diagnostics: diagnostics, clock: { input.now })
    let status = splitter.run { input.read(into: $0) }
    return (splitter, status, diagnostics)
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

func contents(_ path: String) -> String? {
    FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
}

func files(under directory: String) -> [String] {
    let enumerator = FileManager.default.enumerator(atPath: directory)
    var result: [String] = []
    while let item = enumerator?.nextObject() as? String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory + "/" + item, isDirectory: &isDirectory), !isDirectory.boolValue {
            result.append(item)
        }
    }
    return result.sorted()
}

func makeTemporaryDirectory() -> String {
    var template = Array("/tmp/logsplit-io.XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }!
    return String(cString: made)
}

/// 2026-11-26 14:00:00 UTC.
let fourteenHundred = 1_795_701_600
