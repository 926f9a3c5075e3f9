import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Mistaken configurations and hostile names: `validate` and `run` agree, `run` refuses at start with exit 1
/// and the message `validate` prints, and nothing is shipped or removed on the way.
@Suite struct DumpHostileInputTests {
    /// glibc takes an unknown zone as UTC: the New York hour cronolog is writing would look closed for hours.
    @Test(.timeLimit(.minutes(10)))
    func aMisspelledZoneNeverRemovesTheHourCronologStillWrites() throws {
        let cronolog = try Executables.system("cronolog", package: "cronolog")
        let world = try DumpWorld()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: cronolog)
        process.arguments = [world.sources + "/c1/weblogs/www/access_log.%Y%m%d%H"]
        var env = ProcessInfo.processInfo.environment
        env["TZ"] = "America/New_York"
        process.environment = env
        let input = closeOnExecPipe()
        process.standardInput = input
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        try input.fileHandleForWriting.write(contentsOf: Data("first line\n".utf8))
        var files: [String] = []
        for _ in 0..<100 where files.isEmpty {
            usleep(50_000)
            files = try world.allFiles(world.sources)
        }
        #expect(files.count == 1, "cronolog wrote \(files)")
        usleep(1_200_000)  // past quiet = 1sec

        let flags = ["--time-zone", "America/New_Yrok", "--quiet-time", "1sec"]
        let validate = try world.logdump(["validate"] + flags)
        #expect(validate.status == 1)
        #expect(validate.stderrText.contains("sources.time_zone: unknown time zone 'America/New_Yrok'"), "\(validate.stderrText)")
        let run = try world.logdump(["run"] + flags)
        #expect(run.status == 1)
        #expect(run.stderrText == validate.stderrText)
        #expect(try world.allFiles(world.destination).isEmpty)

        try input.fileHandleForWriting.write(contentsOf: Data("second line\n".utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        let written = try String(contentsOfFile: world.sources + "/" + files[0], encoding: .utf8)
        #expect(written == "first line\nsecond line\n")
    }

    /// A container can name a file anything: one absurd name must not stop the shipping of every other file.
    @Test func anEpochNameTooLargeForAnIntIsSkippedAndTheRestShips() throws {
        let world = try DumpWorld(template: "access_log.%s")
        try world.writeLog("c1", "www", "access_log.99999999999999999999", lines: 0..<3)
        let expected = try world.writeLog("c2", "shop", "access_log.1763600000", lines: 0..<50)
        let run = try world.logdump(["run"])
        #expect(run.status == 0, "\(run.stderrText)")
        try world.expectEveryLineExactlyOnce(Set(expected))
        #expect(try world.allFiles(world.sources) == ["c1/weblogs/www/access_log.99999999999999999999"])
        let status = try world.logdump(["status"])
        #expect(status.status == 0, "\(status.stderrText)")
    }

    /// tmpfs keeps any 64-bit mtime a container sets; "quiet" arithmetic on it must not overflow.
    @Test func extremeModificationTimesNeitherTrapNorStopOtherFiles() throws {
        let world = try DumpWorld()
        let disk = try FaultTmpfs(at: world.sources + "/c1", bytes: 1 << 20)
        defer { disk.unmount() }
        var expected = Set<String>()
        for (index, seconds) in [Int.min, Int.max, 0].enumerated() {
            let name = "access_log.202611200\(index)"
            expected.formUnion(try world.writeLog("c1", "www", name, lines: 0..<5))
            var times = [timespec(tv_sec: 0, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
            #expect(utimensat(AT_FDCWD, world.logPath("c1", "www", name), &times, 0) == 0)
        }
        let status = try world.logdump(["status"])
        #expect(status.status == 0, "\(status.stderrText)")
        let run = try world.logdump(["run"])
        #expect(run.status == 0, "\(run.stderrText)")
        // A file modified "in the future" is not quiet yet: it waits; the others ship.
        let future = "access_log.2026112001"
        try world.expectEveryLineExactlyOnce(expected.filter { !$0.contains(future) })
        // (Foundation's directory enumerator cannot list a file with such a time: ask the kernel.)
        #expect(access(world.logPath("c1", "www", future), F_OK) == 0, "the waiting file was removed")
        for other in ["access_log.2026112000", "access_log.2026112002"] {
            #expect(access(world.logPath("c1", "www", other), F_OK) != 0, "\(other) was shipped but not removed")
        }
    }

    @Test(arguments: [
        ("sources", "grace", "9223372036854775807", "sources.grace"),
        ("retention", "record_days", "1000000000000000000", "retention.record_days"),
        ("retention", "keep_compressed_hours", "9223372036854775807", "retention.keep_compressed_hours"),
        ("general", "host", "\"..\"", "general.host"),
        ("general", "state_directory", "\"/etc/passwd\"", "general.state_directory"),
    ])
    func valuesEveryRunWouldFailOnAreRefusedAlikeByValidateRunAndStatus(
        section: String, key: String, value: String, reported: String
    ) throws {
        let world = try DumpWorld()
        let lines = try world.writeLog("c1", "shop", "access_log.2026112001", lines: 0..<10)
        try world.setConfig(section, key, value)

        let validate = try world.logdump(["validate"])
        #expect(validate.status == 1)
        #expect(validate.stderrText.contains("config: \(reported):"), "\(validate.stderrText)")
        for command in ["run", "status"] {
            let result = try world.logdump([command])
            #expect(result.status == 1, "\(command): \(result.stderrText)")
            #expect(result.stderrText == validate.stderrText, "\(command) says something else than validate")
        }
        #expect(try world.allFiles(world.destination).isEmpty)
        #expect(try String(contentsOfFile: world.logPath("c1", "shop", "access_log.2026112001"), encoding: .utf8)
            == lines.map { $0 + "\n" }.joined())
    }

    /// `-c` names something that is not a configuration file: never fall back to the built-in defaults.
    @Test(.timeLimit(.minutes(10)))
    func aConfigPathThatIsNotARegularFileIsRefusedWithoutWaiting() throws {
        let world = try DumpWorld()
        let fifo = world.root + "/fifo.toml"
        #expect(mkfifo(fifo, 0o600) == 0)
        for (path, kind) in [(world.root, "is a directory"), ("/dev/zero", "is a character device"), (fifo, "is a fifo")] {
            for command in ["validate", "run", "status"] {
                let result = try runProcess(Executables.logdump, [command, "-c", path])
                #expect(result.status == 1, "\(command) -c \(path)")
                #expect(result.stderrText.contains("--config: \(path) \(kind), not a regular file"), "\(result.stderrText)")
            }
        }
    }

    /// Linux paths are bytes: a config whose name is not UTF-8 is opened by its real name.
    @Test func aConfigPathThatIsNotUTF8IsOpenedByItsBytes() throws {
        let world = try DumpWorld()
        let shell = """
            cp "$1" "$2/conf-$(printf '\\377\\376').toml" && exec "$3" validate -c "$2/conf-$(printf '\\377\\376').toml"
            """
        let result = try runProcess("/bin/sh", ["-c", shell, "sh", world.configPath, world.root, Executables.logdump])
        #expect(result.status == 0, "\(result.stderrText)")
        #expect(result.stdoutText.contains("configuration OK"))
    }
}
