import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Config/docker, followed to the letter without a Docker daemon: the image tree its Dockerfile snippet
/// describes is built in a folder, the snippet's RUN check runs there, the bind mount of run-web-container.sh
/// is a path mapping, and the image's CustomLog line writes the host layout logdump ships from.
@Suite struct PackagingDockerSampleTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func sample(_ name: String) throws -> String {
        try String(contentsOfFile: packageRoot + "/Config/docker/" + name, encoding: .utf8)
    }

    /// Dockerfile instructions with their continuation lines joined, comments dropped.
    static func instructions(_ dockerfile: String) -> [(verb: String, words: [String])] {
        var joined: [String] = []
        var pending = ""
        for line in dockerfile.split(separator: "\n", omittingEmptySubsequences: false) {
            let text = line.trimmingCharacters(in: .whitespaces)
            if pending.isEmpty && (text.isEmpty || text.hasPrefix("#")) { continue }
            if text.hasSuffix("\\") {
                pending += text.dropLast() + " "
            } else {
                joined.append(pending + text)
                pending = ""
            }
        }
        return joined.map { line in
            let words = line.split(separator: " ").map(String.init)
            return (words[0], Array(words.dropFirst()))
        }
    }

    /// The command of the first `CustomLog "|..."` line, split into words as httpd's piped-log spawn does.
    static func customLogCommand(_ config: String) -> [String]? {
        for line in config.split(separator: "\n") where line.hasPrefix("CustomLog \"|") {
            let command = line.dropFirst("CustomLog \"|".count).prefix { $0 != "\"" }
            return command.split(separator: " ").map(String.init)
        }
        return nil
    }

    @Test func webImageSnippetBuildsATreeWhoseLoggerWritesTheHostLayoutLogdumpShips() throws {
        let dir = try TemporaryDirectory("docker-sample")
        let image = dir.join("image"), host = dir.join("host")

        // The bind mount of run-web-container.sh, for a container named web1.
        let run = try Self.sample("run-web-container.sh")
        let mount = try #require(run.split(separator: "\n").first { $0.contains("-v \"") })
        let volume = mount.split(separator: "\"")[1].replacingOccurrences(of: "$name", with: "web1")
        let sides = volume.split(separator: ":").map(String.init)
        try #require(sides.count == 2, "run-web-container.sh mounts '\(volume)', expected HOST:CONTAINER")
        let (hostWeblogs, containerWeblogs) = (host + sides[0], sides[1])
        #expect(sides[0] == "/data/containers/web1/weblogs")
        try FileManager.default.createDirectory(atPath: hostWeblogs, withIntermediateDirectories: true)
        /// A path as a process in the container sees it, mapped to this test's folders.
        func mapped(_ word: String) -> String {
            if word.hasPrefix(containerWeblogs + "/") || word == containerWeblogs {
                return hostWeblogs + word.dropFirst(containerWeblogs.count)
            }
            return word.hasPrefix("/") ? image + word : word
        }

        // The image tree: COPY the release binary and the httpd snippet, then the RUN check, in order.
        let steps = Self.instructions(try Self.sample("Dockerfile.snippet"))
        #expect(steps.map(\.verb) == ["COPY", "COPY", "RUN"], "\(steps.map(\.verb))")
        for step in steps {
            switch step.verb {
            case "COPY":
                let (source, destination) = (step.words[0], mapped(step.words[1]))
                let from = source == "logsplit" ? Executables.logsplit : Self.packageRoot + "/Config/docker/" + source
                try FileManager.default.createDirectory(
                    atPath: URL(fileURLWithPath: destination).deletingLastPathComponent().path,
                    withIntermediateDirectories: true)
                try FileManager.default.copyItem(atPath: from, toPath: destination)
            case "RUN":
                let commands = step.words.split(separator: "&&").map { $0.map(mapped) }
                for command in commands {
                    let program = command[0] == "chmod" ? "/bin/chmod" : command[0]
                    let result = try runProcess(program, Array(command.dropFirst()))
                    #expect(result.status == 0, "RUN \(command.joined(separator: " ")): \(result.stderrText)")
                }
            default:
                Issue.record("Dockerfile.snippet: unexpected instruction \(step.verb)")
            }
        }

        // Apache in the container runs the CustomLog command; three hours ago, two sites.
        let config = try String(contentsOfFile: image + "/etc/httpd/conf.d/logsplit.conf", encoding: .utf8)
        let command = try #require(Self.customLogCommand(config), "no CustomLog \"|...\" line in the image's logsplit.conf")
        let start = Int(Date().timeIntervalSince1970) / 3600 * 3600 - 3 * 3600
        let startText = Self.utc(start, "%d %b %Y %H:%M:%S")
        let lines = (0..<20).map { i in
            "\(i % 2 == 0 ? "www.example.com" : "shop.example.com") 203.0.113.\(i) - - [\(Self.utc(start, "%d/%b/%Y:%H:%M:%S")) +0000] \"GET /\(i) HTTP/1.1\" 200 5 \"-\" \"curl\"\n"
        }.joined()
        let logger = try runProcess(mapped(command[0]), ["-z", "UTC", "-s", startText] + command.dropFirst().map(mapped),
                                    input: Data(lines.utf8))
        #expect(logger.status == 0, "\(logger.stderrText)")
        let hour = "access_log." + Self.utc(start, "%Y%m%d%H")
        for site in ["www.example.com", "shop.example.com"] {
            let file = hostWeblogs + "/" + site + "/" + hour
            let written = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            #expect(written.split(separator: "\n").count == 10, "\(file): \(written)")
            // The file is old enough to be closed (quiet time) for the shipping run below.
            _ = try runProcess("/usr/bin/touch", ["-d", "@\(start)", file])
        }

        // logdump on the host, with the roots of the shipped configuration, ships both sites of container web1.
        let toml = try String(contentsOfFile: Self.packageRoot + "/Config/logdump.toml", encoding: .utf8)
        let rootsLine = try #require(toml.split(separator: "\n").first { $0.hasPrefix("roots = [\"") })
        let root = String(rootsLine.split(separator: "\"")[1])
        #expect(root == "/data/containers/{container}/weblogs/{site}")
        let archive = dir.join("archive")
        try FileManager.default.createDirectory(atPath: archive, withIntermediateDirectories: true)
        let dump = try runProcess(Executables.logdump, [
            "run", "-c", Self.packageRoot + "/Config/logdump.toml", "--root", host + root, "--destination", archive,
            "--state-directory", dir.join("state"), "--host", "web01", "--time-zone", "UTC", "--no-progress",
        ])
        #expect(dump.status == 0, "\(dump.stderrText)")
        let day = Self.utc(start, "%Y/%m/%d")
        for site in ["www.example.com", "shop.example.com"] {
            let key = "\(archive)/web01/web1/\(site)/\(day)/\(hour).zst"
            #expect(FileManager.default.fileExists(atPath: key), "not shipped: \(key)")
        }
    }

    static func utc(_ epoch: Int, _ format: String) -> String {
        var seconds = time_t(epoch)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var buffer = [Int8](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, format, &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
