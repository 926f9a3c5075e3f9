// swift-tools-version: 6.1
// libFuzzer targets for the parsers that take untrusted text (issue 12): "no input makes either program
// trap". Kept in their own package so the main build never compiles them with sanitizers. From the
// repository root:
//
//     scripts/fuzz.sh                                  # builds every fuzzer, runs each for a bounded time
//     FUZZ_SECONDS=600 scripts/fuzz.sh TemplateFuzzer  # one target, longer
//
// Fuzz/README.md says how to run one target by hand and how to turn a crash into a regression test.
import Foundation
import PackageDescription

/// One executable per parser: `fuzz` (also exported as LLVMFuzzerTestOneInput) holds the checks, main.swift
/// hands it to libFuzzer's driver (SwiftPM executables always bring their own main).
func fuzzer(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(name: name, dependencies: ["CFuzzerDriver"] + dependencies, path: "Sources/\(name)")
}

func root(_ product: String) -> Target.Dependency { .product(name: product, package: "logsplit") }

var targets: [Target] = [
    .target(name: "CFuzzerDriver", path: "Sources/CFuzzerDriver"),
    fuzzer("TemplateFuzzer", [root("LogSplitCore")]),
    fuzzer("DurationFuzzer", [root("LogSplitCore")]),
    fuzzer("StartTimeFuzzer", [root("LogSplitCore")]),
    fuzzer("LineTimestampFuzzer", [root("LogSplitCore")]),
    fuzzer("SiteNameFuzzer", [root("LogSplitCore")]),
    fuzzer("RawBytesFuzzer", [root("LogSplitCore")]),
]

// ConfigFuzzer needs DumpConfiguration, in the LogDump module: built when the root package exports it as
// a library product (`.library(name: "LogDump", targets: ["LogDump"])`); scripts/fuzz.sh says when it is
// skipped because it does not.
let rootManifest = (try? String(contentsOfFile: Context.packageDirectory + "/../Package.swift", encoding: .utf8)) ?? ""
if rootManifest.contains(#".library(name: "LogDump""#) {
    targets.append(fuzzer("ConfigFuzzer", [root("LogDump"), root("LogSplitCore")]))
}

let package = Package(
    name: "logsplit-fuzz",
    platforms: [.macOS(.v13)],
    dependencies: [
        // The root package, whatever its checkout directory is called.
        .package(name: "logsplit", path: ".."),
    ],
    targets: targets
)
