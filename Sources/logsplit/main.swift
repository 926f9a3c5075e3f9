import ArgumentParser
import BuildInfo
import CSplitterEarlySignals
import LogSplitCore
import LogSplitIO

#if canImport(Glibc)
import Glibc
#endif

/// Entry point: parse like cronolog (usage errors exit 1), then run the splitter on stdin.
/// The signal handlers are already in place (CSplitterEarlySignals' constructor ran before main).
precondition(splitter_early_signals_installed() == 1, "logsplit's early signal handlers were not installed")
let diagnostics = StandardErrorDiagnostics()
let arguments = Array(ProcessArguments.current.dropFirst())
let command: LogSplitCommand
do {
    command = try LogSplitCommand.parse(arguments)
} catch {
    let code = LogSplitCommand.exitCode(for: error)
    let message = LogSplitCommand.fullMessage(for: error)
    if code == .success {
        print(message)
        exit(0)
    }
    diagnostics.report(message + "\nUsage: logsplit [options] TEMPLATE (see logsplit --help)")
    exit(1)
}
if command.printVersion {
    print(BuildInfo.versionLine(program: "logsplit"))
    exit(0)
}
let configuration: SplitterConfiguration
do {
    let (made, warnings) = try command.makeConfiguration(now: Int(time(nil)))
    configuration = made
    for warning in warnings { diagnostics.report(warning) }
} catch {
    diagnostics.report("\(error)\nUsage: logsplit [options] TEMPLATE (see logsplit --help)")
    exit(1)
}

if command.check {
    let now = Int(time(nil)) + configuration.timeOffset
    let start = configuration.period.start(containing: now, in: configuration.zone)
    let site = configuration.siteField ? "www" : nil
    let name = (try? configuration.template.render(periodStart: start, site: site, zone: configuration.zone))
        .map(Template.lexicallyNormalised) ?? "?"
    // Names that are not UTF-8 are printed with their own bytes.
    let report = RawBytes.bytes(of: """
        template:      \(configuration.template)
        period:        \(configuration.period)\(configuration.delay > 0 ? ", switching \(configuration.delay) s after its end" : "")
        time zone:     \(configuration.zone)
        trusted root:  \(configuration.root)
        current file:  \(name)\(site != nil ? " (for site www)" : "")
        mode:          \(configuration.siteField ? "site field, " : "")\(configuration.lineTime ? "line time (late window \(configuration.lateWindow) s)" : "arrival time")

        """)
    report.withUnsafeBytes { bytes in
        var offset = 0
        while offset < bytes.count {
            let n = write(1, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 { if errno == EINTR { continue } else { break } }
            offset += n
        }
    }
    exit(0)
}

var debug: (any Diagnostics)? = nil
if let debugFile = command.debugFile {
    if debugFile == "-" {
        debug = StandardErrorDiagnostics(prefix: "logsplit debug")
    } else {
        debug = FileDiagnostics(path: debugFile)
    }
}
SignalState.install(drainTimeout: configuration.drainTimeout)
let splitter = Splitter(configuration: configuration, diagnostics: diagnostics, debug: debug)
exit(splitter.run(input: 0).rawValue)
