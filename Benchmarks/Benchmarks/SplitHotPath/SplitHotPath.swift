import Benchmark
import Glibc
import LogSplitCore
import LogSplitIO
import MallocInterposerSwift

// The split hot path in process: framing, the period decision, routing and the writes to real files
// (in /dev/shm when it exists, so the disk does not dominate), for the three modes logsplit has.
//
// Each iteration first runs a short input (the same kind of lines, fewer of them) and then the long one,
// which is the measured part. Both open the same files, so the difference of their malloc counts divided
// by the difference of their line counts is the cost per line in steady state: "allocs/1M lines" must be 0.

/// What one mode runs on; the inputs are written once, on first use.
final class Workload: @unchecked Sendable {
    static let longLines = 240_000  // about 60 MB
    static let shortLines = 2_000
    /// %t spans the last ten minutes, as on a live server (--line-time finds each line inside its period).
    static let span = 600

    let name: String
    let withSite: Bool
    let template: String
    let configure: (inout SplitterConfiguration) -> Void
    private(set) lazy var inputs: (long: String, short: String) = {
        let now = Int(time(nil))
        let long = Workload.scratch + "/\(name)-long.log"
        let short = Workload.scratch + "/\(name)-short.log"
        SampleLog.write(path: long, lines: Workload.longLines, withSite: withSite, end: now, span: Workload.span)
        SampleLog.write(path: short, lines: Workload.shortLines, withSite: withSite, end: now, span: Workload.span)
        return (long, short)
    }()

    init(name: String, withSite: Bool, template: String, configure: @escaping (inout SplitterConfiguration) -> Void) {
        self.name = name
        self.withSite = withSite
        self.template = template
        self.configure = configure
    }

    /// Inputs live in /tmp (page cache); outputs on tmpfs when available.
    static let scratch: String = {
        let path = "/tmp/logsplit-benchmark-\(getpid())"
        mkdir(path, 0o755)
        return path
    }()
    static let outputBase: String = {
        let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        let path = base + "/logsplit-benchmark-out-\(getpid())"
        mkdir(path, 0o755)
        return path
    }()
    nonisolated(unsafe) static var runNumber = 0

    struct Run {
        var lines = 0
        var mallocs = 0
        var nanoseconds: UInt64 = 0
    }

    /// Splits `input` into a fresh directory and returns what it cost; the directory is removed afterwards.
    func run(_ input: String) -> Run {
        Workload.runNumber += 1
        let root = Workload.outputBase + "/\(name)-\(Workload.runNumber)"
        defer { removeTree(root) }
        var configuration = SplitterConfiguration(template: try! Template(root + "/" + template))
        configuration.root = root
        configure(&configuration)
        let fd = open(input, O_RDONLY | O_CLOEXEC)
        precondition(fd >= 0, "cannot open \(input)")
        defer { close(fd) }
        let splitter = Splitter(configuration: configuration, diagnostics: Discarded())
        let before = MallocInterposerSwift.getStatistics().mallocCount
        let start = clock_gettime_ns()
        let status = splitter.run(input: fd)
        let elapsed = clock_gettime_ns() - start
        let after = MallocInterposerSwift.getStatistics().mallocCount
        precondition(status == .ok, "\(name): the splitter exited with \(status)")
        return Run(lines: splitter.counters.lines, mallocs: after - before, nanoseconds: elapsed)
    }
}

/// Swallows the splitter's messages (the stats line at the end of every run).
final class Discarded: Diagnostics {
    func report(_ message: String) {}
}

func clock_gettime_ns() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// `rm -rf` for the small trees the splitter makes (site directories, hour files).
func removeTree(_ path: String) {
    if let dir = opendir(path) {
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let child = path + "/" + name
            if Int32(entry.pointee.d_type) == Int32(DT_DIR) { removeTree(child) } else { unlink(child) }
        }
        closedir(dir)
    }
    rmdir(path)
}

enum SplitMetrics {
    static let linesPerSecond = BenchmarkMetric.custom("lines/s", polarity: .prefersLarger, useScalingFactor: false)
    static let allocationsPerMillionLines = BenchmarkMetric.custom(
        "allocs/1M lines", polarity: .prefersSmaller, useScalingFactor: false)
}

let workloads = [
    Workload(name: "plain", withSite: false, template: "access_log.%Y%m%d%H") { _ in },
    Workload(name: "site-routed (9 sites)", withSite: true, template: "{site}/access_log.%Y%m%d%H") {
        $0.siteField = true
    },
    Workload(name: "line-time", withSite: false, template: "access_log.%Y%m%d%H") {
        $0.lineTime = true
    },
]

let benchmarks: @Sendable () -> Void = {
    atexit {
        removeTree(Workload.scratch)
        removeTree(Workload.outputBase)
    }
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal,
                  SplitMetrics.linesPerSecond, SplitMetrics.allocationsPerMillionLines],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(4),
        maxIterations: 15)

    for workload in workloads {
        Benchmark("split \(workload.name), \(Workload.longLines / 1000)k lines") { benchmark in
            let inputs = workload.inputs
            let short = workload.run(inputs.short)
            benchmark.startMeasurement()
            let long = workload.run(inputs.long)
            benchmark.stopMeasurement()
            benchmark.measurement(
                SplitMetrics.linesPerSecond, Int(Double(long.lines) * 1e9 / Double(max(long.nanoseconds, 1))))
            let perLine = Double(long.mallocs - short.mallocs) / Double(max(long.lines - short.lines, 1))
            // The long run may need an allocation fewer than the short one (a buffer it could reuse): that is
            // zero per line, not a negative cost (the histogram would drop a negative sample).
            benchmark.measurement(SplitMetrics.allocationsPerMillionLines, max(0, Int((perLine * 1e6).rounded())))
        }
    }

    // The period decision of --line-time alone: find and parse `[%t]` in every line of a buffer.
    Benchmark(
        "LineTimestamp.instant per line",
        configuration: .init(metrics: [.throughput, .wallClock, .mallocCountTotal], scalingFactor: .kilo)
    ) { benchmark in
        let lines = TimestampSample.lines
        var sum = 0
        var index = 0
        for _ in benchmark.scaledIterations {
            let line = lines[index]
            sum &+= LineTimestamp.instant(in: line) ?? 0
            index = index + 1 == lines.count ? 0 : index + 1
        }
        blackHole(sum)
    }
}

/// A few thousand lines in memory, each as a buffer, for the timestamp benchmark.
enum TimestampSample {
    nonisolated(unsafe) static let lines: [UnsafeRawBufferPointer] = {
        let path = Workload.scratch + "/timestamps.log"
        let size = SampleLog.write(path: path, lines: 4096, withSite: false, end: Int(time(nil)), span: 600)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        precondition(read(fd, buffer.baseAddress!, size) == size)
        var result: [UnsafeRawBufferPointer] = []
        var start = 0
        for i in 0..<size where buffer[i] == 10 {
            result.append(UnsafeRawBufferPointer(start: buffer.baseAddress! + start, count: i + 1 - start))
            start = i + 1
        }
        return result
    }()
}
