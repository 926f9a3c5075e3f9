// swift-tools-version: 6.1
import PackageDescription

/// This manifest's directory: linker search paths must be absolute.
let packageDirectory = String(#filePath.dropLast("/Package.swift".count))

/// Settings every Swift target shares: Swift 6 language mode, strict concurrency.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

// Linux only: the code is built on glibc, flock, openat/O_NOFOLLOW, renameat2 and /proc. The platforms line
// below only names the macOS version SwiftPM resolves dependencies against; nothing here builds on macOS.
let package = Package(
    name: "logsplit",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "logsplit", targets: ["logsplit"]),
        .executable(name: "logdump", targets: ["logdump"]),
        .library(name: "LogSplitCore", targets: ["LogSplitCore"]),
        .library(name: "LogSplitIO", targets: ["LogSplitIO"]),
        .library(name: "LogCompression", targets: ["LogCompression"]),
        .library(name: "LogShipCore", targets: ["LogShipCore"]),
        .library(name: "LogDump", targets: ["LogDump"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // C libraries from Debian, and the GNU-only bits Swift's Glibc module hides.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // HTTP(S) for the S3 destination: libcurl's synchronous easy API (logdump calls destinations from worker threads).
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // TLS for `logdump tail` (RELP over TLS, syslog over TLS): OpenSSL's libssl, verified peers only.
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .target(name: "CLinuxShim"),
        // The release and the git commit `--version` prints (the Makefile supplies the commit; see build_info.c).
        .target(name: "CBuildInfo"),
        .target(name: "BuildInfo", dependencies: ["CBuildInfo"], swiftSettings: strict),
        // logsplit's async-signal-safe handlers (flags read by the split loop), and the constructor that installs
        // them before main runs: only the logsplit executable links the second, whatever name it runs under.
        .target(name: "CSplitterSignals"),
        .target(name: "CSplitterEarlySignals", dependencies: ["CSplitterSignals"]),

        // Pure logic of the splitter: templates, periods, framing, decisions. No file descriptors, no clock reads.
        .target(name: "LogSplitCore", dependencies: ["CLinuxShim"], swiftSettings: strict),
        // Linux system calls for both programs: errors, EINTR, descriptors, no-follow walking, atomic files, locks, workers.
        .target(name: "LinuxSystem", dependencies: ["LogSplitCore"], swiftSettings: strict),
        // Streaming gzip/zstd codecs: the only module that touches the compression C libraries.
        .target(name: "LogCompression", dependencies: ["CZlib", "CZstd"], swiftSettings: strict),
        // Linux I/O for the splitter: safe directory walking, append files, the split loop.
        .target(name: "LogSplitIO", dependencies: ["LogSplitCore", "LinuxSystem", "CLinuxShim", "CSplitterSignals"],
                swiftSettings: strict),
        // Pure logic of the shipper: file records and steps, job planning, the closed-file rule, keys, roots.
        .target(
            name: "LogShipCore",
            dependencies: ["LogSplitCore", "LogCompression", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        // Where compressed files go: the Destination protocol, its factory, and each backend.
        .target(
            name: "LogDestinations",
            dependencies: ["LogShipCore", "LinuxSystem", "CLinuxShim", "CCurl", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        // The wire of `logdump tail`: RFC 5424 messages, RFC 6587 octet counting, RELP, TCP and TLS clients.
        .target(name: "SyslogWire", dependencies: ["LinuxSystem", "CLinuxShim", "COpenSSL"], swiftSettings: strict),
        // `logdump tail`: inotify discovery, followers of the hour files, checkpoints advanced on acknowledgement.
        .target(
            name: "LogTail",
            dependencies: ["SyslogWire", "LogShipCore", "LinuxSystem", "LogSplitCore", "CLinuxShim", "LogDump",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        // The shipper's I/O: configuration, scanning, state, the stages and the run that drives them.
        .target(
            name: "LogDump",
            dependencies: [
                "LogShipCore", "LogDestinations", "LogCompression", "LinuxSystem", "LogSplitCore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // logdump's command line (argument parsing, exit codes), shared by the binary and the tests' fault binary.
        .target(
            name: "LogDumpCLI",
            dependencies: ["LogDump", "LogTail", "LogDestinations", "LogShipCore", "LogCompression", "LogSplitCore", "BuildInfo",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),

        .executableTarget(
            name: "logsplit",
            dependencies: ["LogSplitCore", "LogSplitIO", "CSplitterEarlySignals", "BuildInfo",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            exclude: ["link"],
            swiftSettings: strict,
            // Release: non-PIE, since a position-independent executable writes its relocated pointers (300 KiB of
            // Swift metadata and witness tables) at start-up, private to every logger, where fixed addresses leave
            // them shared with the file; libstdc++ linked statically, libpthread.so.0 and libdl.so.2 named (linker
            // scripts in Sources/logsplit/link, found before the system's) for the glibc floor of
            // Sources/CSplitterEarlySignals/glibc_floor.c. README "Footprint" and "Which glibc logsplit needs".
            linkerSettings: [.unsafeFlags(["-Xclang-linker", "-no-pie", "-L", packageDirectory + "/Sources/logsplit/link", "-lstdc++"],
                                          .when(configuration: .release))]),
        .executableTarget(name: "logdump", dependencies: ["LogDumpCLI"], swiftSettings: strict),

        // Test-only: fault injection for logdump (a destination wrapper, run hooks) and a logdump binary using it.
        .target(name: "LogDumpFaults", dependencies: ["LogDump", "LogDestinations"], path: "Tests/Support/LogDumpFaults",
                swiftSettings: strict),
        .executableTarget(name: "logdump-faults", dependencies: ["LogDumpCLI", "LogDumpFaults"],
                          path: "Tests/Support/logdump-faults", swiftSettings: strict),
        // Test-only: the private rsyslogd of scripts/test-services/rsyslog.sh and a parser of what it received,
        // shared by the wire's tests and logdump tail's end-to-end tests.
        .target(name: "RsyslogTestSupport", dependencies: ["SyslogWire"], path: "Tests/Support/RsyslogTestSupport",
                swiftSettings: strict),

        .testTarget(name: "LogSplitCoreTests", dependencies: ["LogSplitCore"], swiftSettings: strict),
        .testTarget(name: "LogSplitIOTests", dependencies: ["LogSplitIO", "LogSplitCore"], swiftSettings: strict),
        .testTarget(name: "LogCompressionTests", dependencies: ["LogCompression"], swiftSettings: strict),
        .testTarget(name: "LinuxSystemTests", dependencies: ["LinuxSystem"], swiftSettings: strict),
        .testTarget(name: "LogShipCoreTests", dependencies: ["LogShipCore", "LogSplitCore"], swiftSettings: strict),
        .testTarget(name: "LogDestinationsTests", dependencies: ["LogDestinations", "LogShipCore", "LinuxSystem"],
                    swiftSettings: strict),
        .testTarget(name: "SyslogWireTests", dependencies: ["SyslogWire", "LinuxSystem", "RsyslogTestSupport"], swiftSettings: strict),
        .testTarget(name: "LogTailTests", dependencies: ["LogTail", "SyslogWire", "LogShipCore", "LinuxSystem", "LogDump"],
                    swiftSettings: strict),
        .testTarget(
            name: "LogDumpTests",
            dependencies: ["LogDump", "LogDumpFaults", "LogShipCore", "LogDestinations", "LogCompression", "LogSplitCore"],
            swiftSettings: strict),
        // Runs the built executables against real cronolog, Apache httpd and friends. It does not depend on the
        // executable targets: that would link logsplit's module, and with it its early signal handlers, into the
        // test runner. `make test` builds every product first (`swift build --build-tests`).
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["LogCompression", "LogSplitCore", "SyslogWire", "RsyslogTestSupport"],
            swiftSettings: strict),
    ]
)
