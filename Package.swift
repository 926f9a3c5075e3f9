// swift-tools-version: 6.1
import PackageDescription

/// Settings every Swift target shares: Swift 6 language mode, strict concurrency.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "logsplit",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "logsplit", targets: ["logsplit"]),
        .executable(name: "logdump", targets: ["logdump"]),
        .library(name: "LogSplitCore", targets: ["LogSplitCore"]),
        .library(name: "LogSplitIO", targets: ["LogSplitIO"]),
        .library(name: "LogCompression", targets: ["LogCompression"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // C libraries from Debian, and the GNU-only bits Swift's Glibc module hides.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .target(name: "CLinuxShim"),

        // Pure logic: templates, periods, framing, decisions. No file descriptors, no clock reads.
        .target(name: "LogSplitCore", dependencies: ["CLinuxShim"], swiftSettings: strict),
        // Streaming gzip/zstd codecs: the only module that touches the compression C libraries.
        .target(name: "LogCompression", dependencies: ["CZlib", "CZstd"], swiftSettings: strict),
        // Linux I/O for the splitter: safe directory walking, append files, the split loop.
        .target(name: "LogSplitIO", dependencies: ["LogSplitCore", "CLinuxShim"], swiftSettings: strict),
        // The dumper: find closed files, compress, ship, verify, record, remove.
        .target(
            name: "LogDump",
            dependencies: [
                "LogSplitCore", "LogCompression", "CLinuxShim",
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: strict),

        .executableTarget(
            name: "logsplit",
            dependencies: ["LogSplitCore", "LogSplitIO", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),
        .executableTarget(
            name: "logdump",
            dependencies: ["LogDump", "LogSplitCore", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),

        .testTarget(name: "LogSplitCoreTests", dependencies: ["LogSplitCore"], swiftSettings: strict),
        .testTarget(name: "LogSplitIOTests", dependencies: ["LogSplitIO", "LogSplitCore"], swiftSettings: strict),
        .testTarget(name: "LogCompressionTests", dependencies: ["LogCompression"], swiftSettings: strict),
        .testTarget(name: "LogDumpTests", dependencies: ["LogDump", "LogCompression", "LogSplitCore"], swiftSettings: strict),
        // Runs the built executables against real cronolog, Apache httpd and friends.
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["logsplit", "logdump", "LogCompression", "LogSplitCore"],
            swiftSettings: strict),
    ]
)
