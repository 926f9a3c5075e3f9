// swift-tools-version: 6.1
// The in-process benchmarks (logsplit's split hot path, logdump's verify path), kept in their own package so the main
// build never resolves or compiles package-benchmark. Run from the repository root:
//
//     swift package --package-path Benchmarks --scratch-path .build-bench benchmark
//
// (../scripts/bench-split.sh times the whole executables against cat and cronolog instead.)
import PackageDescription

let package = Package(
    name: "logsplit-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        // The root package, whatever its checkout directory is called.
        .package(name: "logsplit", path: ".."),
        // Swift 6.3 on Linux: the default "RuntimeInterposer" trait needs a package that is not
        // available here; MallocInterposer alone gives the malloc counters.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        // Read the same malloc counters directly, to compute allocations per line.
        .package(url: "https://github.com/ordo-one/malloc-interposer.git", from: "1.5.0"),
    ],
    targets: [
        .executableTarget(
            name: "SplitHotPath",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
                .product(name: "LogSplitCore", package: "logsplit"),
                .product(name: "LogSplitIO", package: "logsplit"),
            ],
            path: "Benchmarks/SplitHotPath",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The dumper's verify path: SHA-256 throughput and the whole decompress-and-hash check.
        .executableTarget(
            name: "VerifyPath",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "LogShipCore", package: "logsplit"),
                .product(name: "LogDump", package: "logsplit"),
                .product(name: "LogCompression", package: "logsplit"),
            ],
            path: "Benchmarks/VerifyPath",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
