import Foundation
import Testing

/// Arguments logsplit used to accept and then fail on, or lose lines with, or trap on (issue 12): each is
/// a usage error at start (exit 1) with a message naming the value, or works as cronolog does.
@Suite struct SplitterArgumentEndToEndTests {
    static let line = Array("seq=000001 t=now \"GET /seq/000001 HTTP/1.1\" 200 512\n".utf8)

    func logsplit(_ arguments: [String], in dir: TemporaryDirectory, input: [UInt8] = line) throws -> ProcessResult {
        try DifferentialProcess.run(Executables.logsplit, arguments, input: input, currentDirectory: dir.path)
    }

    func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    // MARK: - Item 2: a link that would be the log file itself

    @Test(arguments: [
        (["-S", "r/cur"], "r/cur"), (["-l", "r/cur"], "r/cur"), (["-H", "r/cur"], "r/cur"),
        (["-S", "./r//cur"], "r/cur"), (["-S", "$DIR/r/cur"], "r/cur"),
        (["-S", "r/cur.2026"], "r/cur.%Y"), (["-S", "r/other", "-P", "r/cur.2026"], "r/cur.%Y"),
    ])
    func aLinkThatIsTheLogFileItselfIsAUsageErrorNamingBoth(options: [String], template: String) throws {
        let dir = try TemporaryDirectory("split-args")
        let arguments = options.map { $0.replacingOccurrences(of: "$DIR", with: dir.path) }
            + ["-s", "26 Nov 2026 14:00:00", template]
        let result = try logsplit(arguments, in: dir)
        #expect(result.status == 1, "\(arguments): \(result.stderrText)")
        #expect(result.stderrText.contains("itself"), "\(result.stderrText)")
        #expect(result.stderrText.contains(template), "\(result.stderrText)")
        #expect(!exists(dir.join("r")), "something was created for \(arguments)")
    }

    @Test func thePreviousLinkNamedLikeTheCurrentLinkIsAUsageError() throws {
        let dir = try TemporaryDirectory("split-args")
        let result = try logsplit(["-S", "cur", "-P", "./cur", "x.%Y%m%d%H"], in: dir)
        #expect(result.status == 1, "\(result.stderrText)")
        #expect(result.stderrText.contains("'./cur'") && result.stderrText.contains("'cur'"), "\(result.stderrText)")
    }

    // MARK: - Item 3: -s with trailing text

    @Test func aStartTimeWithLongTrailingTextIsAUsageErrorNotATrap() throws {
        let dir = try TemporaryDirectory("split-args")
        let text = "26 Nov 2026 14:00:00 " + String(repeating: "x", count: 31)
        let result = try logsplit(["--check", "-s", text, dir.join("x.%Y%m%d%H")], in: dir)
        #expect(result.status == 1, "\(result.stderrText)")
        #expect(result.stderrText.contains("'\(text)'"), "\(result.stderrText)")
    }

    @Test func aStartTimeInUTCIsAccepted() throws {
        let dir = try TemporaryDirectory("split-args")
        let result = try logsplit(["-s", "26 Nov 2026 14:00:00 UTC", "-z", "UTC", "x.%Y%m%d%H"], in: dir)
        #expect(result.status == 0, "\(result.stderrText)")
        #expect(exists(dir.join("x.2026112614")))
    }

    // MARK: - Item 7: templates resolved lexically and kept under the root

    /// cronolog writes `%Y/../x.%H` as `x.HH` (the kernel resolves the `..`); so does logsplit.
    @Test func aTemplateThroughDotDotWritesWhereCronologWrites() throws {
        let template = "sub/%Y/../x.%Y%m%d%H"
        let ours = try TemporaryDirectory("split-args")
        let result = try logsplit(["-s", "26 Nov 2026 14:00:00", "-z", "UTC", template], in: ours)
        #expect(result.status == 0, "\(result.stderrText)")
        let theirs = try TemporaryDirectory("split-args")
        _ = try DifferentialProcess.run(
            try DifferentialProgram.cronolog.executable(), ["-z", "UTC", template], input: Self.line,
            currentDirectory: theirs.path)
        let ourTree = try DifferentialTree(root: ours.path), theirTree = try DifferentialTree(root: theirs.path)
        let written = ourTree.files.keys.filter { $0.hasPrefix("sub/x.") }
        let cronologs = theirTree.files.keys.filter { $0.hasPrefix("sub/x.") }
        #expect(written == ["sub/x.2026112614"], "\(ourTree)")
        #expect(cronologs.count == 1, "cronolog: \(theirTree)")
        #expect(ourTree.files["sub/x.2026112614"] == Self.line)

        let check = try logsplit(["--check", "-s", "26 Nov 2026 14:00:00", "-z", "UTC", "/r/sub/%Y/../x.%H"], in: ours)
        #expect(check.status == 0, "\(check.stderrText)")
        #expect(check.stdoutText.contains("current file:  /r/sub/x.14"), "\(check.stdoutText)")
    }

    @Test(arguments: [false, true])
    func aTemplateOutsideTheRootIsAUsageErrorAndNothingIsCreated(check: Bool) throws {
        let dir = try TemporaryDirectory("split-args")
        let arguments = (check ? ["--check"] : []) + ["--root", dir.join("nonexist/sub"), dir.join("other/x.%Y%m%d%H")]
        let result = try logsplit(arguments, in: dir)
        #expect(result.status == 1, "\(result.stderrText)")
        #expect(result.stderrText.contains("not below the trusted root"), "\(result.stderrText)")
        #expect(result.stderrText.contains(dir.join("nonexist/sub")), "\(result.stderrText)")
        #expect(!exists(dir.join("nonexist")))
        #expect(!exists(dir.join("other")))
    }

    @Test(arguments: [false, true])
    func aTemplateWhoseDotDotLeavesItsRootIsAUsageError(check: Bool) throws {
        let dir = try TemporaryDirectory("split-args")
        let template = dir.join("r/%Y/../../x.%Y%m%d%H")
        let result = try logsplit((check ? ["--check"] : []) + [template], in: dir)
        #expect(result.status == 1, "\(result.stderrText)")
        #expect(result.stderrText.contains(template), "\(result.stderrText)")
        #expect(result.stderrText.contains("not below the trusted root"), "\(result.stderrText)")
    }

    @Test(arguments: ["x.%Y%m%d%H/", "logs/", "logs/.", "logs/.."])
    func aTemplateEndingInADirectoryIsAUsageError(template: String) throws {
        let dir = try TemporaryDirectory("split-args")
        let result = try logsplit([template], in: dir)
        #expect(result.status == 1, "\(result.stderrText)")
        #expect(result.stderrText.contains("'\(template)'") && result.stderrText.contains("file name"), "\(result.stderrText)")
    }

    // MARK: - Item 10: negative values reach the parser; {site} needs --site-field

    @Test(arguments: [
        ["-p", "-1hour"], ["-p-1hour"], ["--period=-1hour"], ["-d", "-5min"], ["-d-5min"],
        ["--drain-timeout", "-1sec"], ["--late-window", "-1min"], ["--buffer-size", "-1M"], ["--pipe-size", "-1"],
        ["--max-sites", "-5"], ["--max-open-files", "-1"],
    ])
    func aNegativeValueIsARangeErrorNamingIt(options: [String]) throws {
        let dir = try TemporaryDirectory("split-args")
        let result = try logsplit(options + ["x.%Y%m%d%H"], in: dir)
        #expect(result.status == 1, "\(options): \(result.stderrText)")
        let value = options.last!.split(separator: "=").last.map(String.init)!
        let named = value.hasPrefix("-p") || value.hasPrefix("-d") ? String(value.dropFirst(2)) : value
        #expect(result.stderrText.contains(named), "\(options): \(result.stderrText)")
        #expect(!result.stderrText.contains("Missing value"), "\(options): \(result.stderrText)")
    }

    @Test(arguments: [["--max-sites", "9223372036854775807"], ["--max-open-files", "9223372036854775807"]])
    func aHugeBoundIsARangeErrorNotATrap(options: [String]) throws {
        let dir = try TemporaryDirectory("split-args")
        let result = try logsplit(options + ["--site-field", "{site}/x.%Y%m%d%H"], in: dir)
        #expect(result.status == 1, "\(options): \(result.stderrText)")
        #expect(result.stderrText.contains(options[1]), "\(result.stderrText)")
    }

    /// `-o --line-time`: the next period of a once-only file is "never" (Int.max); adding the late window to it trapped.
    @Test func onceOnlyWithLineTimeWritesTimedLines() throws {
        let dir = try TemporaryDirectory("split-args")
        let input = Array("1.2.3.4 - - [26/Nov/2026:14:10:31 +0000] \"GET / HTTP/1.1\" 200 5\n".utf8)
        let result = try logsplit(["-o", "--line-time", "-s", "26 Nov 2026 14:20:00", "-z", "UTC", "x.%Y%m%d"], in: dir, input: input)
        #expect(result.status == 0, "\(result.stderrText)")
        #expect(try DifferentialTree(root: dir.path).files["x.20261126"] == input)
    }

    @Test(arguments: [["-S", "r/{site}/cur"], ["-S", "cur", "-P", "r/{site}/prev"], ["-H", "{site}.cur"]])
    func aSitePlaceholderInALinkWithoutSiteFieldIsAUsageError(options: [String]) throws {
        let dir = try TemporaryDirectory("split-args")
        let result = try logsplit(options + ["r/x.%Y%m%d%H"], in: dir)
        #expect(result.status == 1, "\(options): \(result.stderrText)")
        #expect(result.stderrText.contains("--site-field"), "\(result.stderrText)")
        #expect(result.stderrText.contains(options.last!), "\(result.stderrText)")
        #expect(!exists(dir.join("r")))
    }

    /// The drain deadline used whole wall-clock seconds: with lines still arriving, `--drain-timeout 1sec`
    /// ended at the next wall-clock second (after 0.3 s when the signal came at .7).
    @Test func aOneSecondDrainTimeoutDrainsForAtLeastOneSecondWhileLinesArrive() throws {
        for fraction in [0.7, 0.9, 0.2] {
            let dir = try TemporaryDirectory("split-args")
            let splitter = try PipedProcess(Executables.logsplit, ["--drain-timeout", "1sec", dir.join("out.%Y%m%d")])
            let text = String(decoding: Self.line, as: UTF8.self)
            try splitter.write(text)
            try pollUntil("the first line", timeout: 30) { (try? DifferentialTree(root: dir.path).files.count) == 1 }
            // Send the signal at a chosen point of the wall-clock second.
            let now = Date().timeIntervalSince1970
            var wait = fraction - (now - now.rounded(.down))
            if wait < 0 { wait += 1 }
            usleep(UInt32(wait * 1_000_000))
            let start = Date()
            splitter.send(SIGTERM)
            // An old Apache child still writing: input keeps coming until logsplit gives up.
            while splitter.isRunning && Date().timeIntervalSince(start) < 30 {
                try? splitter.write(text)
                usleep(20_000)
            }
            let elapsed = Date().timeIntervalSince(start)
            let status = try splitter.waitForExit(timeout: 30)
            try splitter.closeInput()
            #expect(status == 0, "\(splitter.stderrText)")
            #expect(elapsed >= 1.0, "signal at .\(Int(fraction * 10)) s: drained only \(elapsed) s")
            #expect(elapsed < 1.5, "signal at .\(Int(fraction * 10)) s: drained \(elapsed) s")
        }
    }

    // MARK: - Item 8: arguments that are not UTF-8

    /// A 0xFF byte in the template names the directory with that byte, as cronolog does (not U+FFFD).
    @Test func aTemplateWithANonUTF8ByteWritesThatByteLikeCronolog() throws {
        let ours = try TemporaryDirectory("split-args")
        let theirs = try TemporaryDirectory("split-args")
        func template(_ dir: TemporaryDirectory) -> [UInt8] { Array((dir.path + "/").utf8) + [0xFF, 0x41] + Array("/x\u{00E9}.%Y".utf8) + [0xFE] }
        let result = try runWithRawArguments(Executables.logsplit, [template(ours)], input: Self.line)
        #expect(result.status == 0, "\(result.stderr)")
        let cronolog = try runWithRawArguments(try DifferentialProgram.cronolog.executable(), [template(theirs)], input: Self.line)
        #expect(cronolog.status == 3, "\(cronolog.stderr)")

        #expect(rawDirectoryEntries(Array(ours.path.utf8)) == [[0xFF, 0x41]])
        #expect(rawDirectoryEntries(Array(ours.path.utf8)) == rawDirectoryEntries(Array(theirs.path.utf8)))
        let ourFiles = rawDirectoryEntries(Array(ours.path.utf8) + [0x2F, 0xFF, 0x41])
        #expect(ourFiles.count == 1 && ourFiles.first?.last == 0xFE, "\(ourFiles)")
        #expect(ourFiles == rawDirectoryEntries(Array(theirs.path.utf8) + [0x2F, 0xFF, 0x41]))
    }

    /// A `-S` link name and its target keep their raw bytes too.
    @Test func aSymlinkWithANonUTF8NamePointsToTheRawFileName() throws {
        let dir = try TemporaryDirectory("split-args")
        let base = Array((dir.path + "/").utf8)
        let result = try runWithRawArguments(
            Executables.logsplit, [Array("-S".utf8), base + [0x63, 0xFF], base + [0x6C, 0xFE] + Array(".%Y".utf8)], input: Self.line)
        #expect(result.status == 0, "\(result.stderr)")
        let names = rawDirectoryEntries(Array(dir.path.utf8))
        #expect(names.contains([0x63, 0xFF]), "\(names)")
        var target = [CChar](repeating: 0, count: 4096)
        let link = (base + [0x63, 0xFF]).map { CChar(bitPattern: $0) } + [0]
        let n = readlink(link, &target, 4095)
        #expect(n > 0)
        let bytes = target[0..<max(0, n)].map { UInt8(bitPattern: $0) }
        #expect(bytes.starts(with: base + [0x6C, 0xFE]), "\(bytes)")
    }
}
