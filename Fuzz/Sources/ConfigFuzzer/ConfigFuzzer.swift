// logdump's TOML configuration: parsed, checked, and (when it has no problems) turned into the values a
// run uses. Nothing here touches the state directory, the destination or the roots.
//
// A configuration that `problems()` accepts must also be safe for the run's arithmetic: DumpRunner and
// StatusReport compute `now - record_days * 86400`, `now + keep_compressed_hours * 3600` and
// `period end + grace`; a value that overflows those would trap every run, so it must be a problem.
import LogDump
import LogSplitCore

/// Generous bounds for the instants the run combines with the configured values (the year 2200).
let latestInstant = 7_258_118_400

func overflows(_ parts: [(Int, Int)], plus base: Int) -> Bool {
    var total = base
    for (value, unit) in parts {
        let (product, o1) = value.multipliedReportingOverflow(by: unit)
        let (sum, o2) = total.addingReportingOverflow(product)
        if o1 || o2 { return true }
        total = sum
    }
    let (_, o3) = base.subtractingReportingOverflow(total - base)
    return o3
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? DumpConfiguration.parseDuration(text)
    let (config, parseProblems) = DumpConfiguration.parse(toml: text)
    let problems = config.problems()
    guard parseProblems.isEmpty, problems.isEmpty else { return 0 }

    _ = try? config.rotationPeriod()
    _ = config.effectiveLevel
    _ = config.effectiveWorkers
    _ = config.zone.identifier
    _ = config.zone.description

    for (key, value, unit) in [("retention.record_days", config.recordDays, 86_400),
                               ("retention.keep_compressed_hours", config.keepCompressedHours, 3600),
                               ("sources.grace", config.graceSeconds, 1), ("sources.quiet", config.quietSeconds, 1)] {
        if overflows([(value, unit)], plus: latestInstant) {
            fatalError("\(key) = \(value) has no problem, but a run's arithmetic with it (value * \(unit) +/- now) overflows")
        }
    }
    return 0
}
