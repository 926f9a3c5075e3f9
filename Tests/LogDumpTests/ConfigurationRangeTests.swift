import LogDump
import LogShipCore
import Testing

/// Values `validate` accepts must be values `run` and `status` can compute with: every number is bounded,
/// the zone resolves and the host is one key component.
@Suite struct ConfigurationRangeTests {
    func problems(_ toml: String) -> [ConfigProblem] {
        let (config, parsed) = DumpConfiguration.parse(toml: toml)
        return parsed + config.problems()
    }

    @Test(arguments: [
        ("[sources]\ngrace = 9223372036854775807", "sources.grace"),
        ("[sources]\nquiet = 9223372036854775807", "sources.quiet"),
        ("[sources]\ngrace = \"999999999months\"", "sources.grace"),
        ("[sources]\nquiet = -1", "sources.quiet"),
        ("[retention]\nrecord_days = 1000000000000000000", "retention.record_days"),
        ("[retention]\nrecord_days = 0", "retention.record_days"),
        ("[retention]\nkeep_compressed_hours = 9223372036854775807", "retention.keep_compressed_hours"),
        ("[retention]\nkeep_compressed_hours = -1", "retention.keep_compressed_hours"),
        ("[sources]\ntime_zone = \"America/New_Yrok\"", "sources.time_zone"),
        ("[general]\nhost = \"..\"", "general.host"),
        ("[general]\nhost = \".\"", "general.host"),
        ("[general]\nhost = \"{site}\"", "general.host"),
        ("[general]\nhost = \"web 1\"", "general.host"),
        ("[general]\nhost = \"\(String(repeating: "h", count: 256))\"", "general.host"),
    ])
    func outOfRangeValuesAreNamedByTheirKey(toml: String, key: String) {
        let found = problems(toml)
        #expect(found.map(\.key) == [key], "\(found)")
    }

    @Test func theLargestAcceptedValuesAreUsable() {
        let found = problems("""
            [general]
            host = "web08.example.org"
            [sources]
            grace = 31622400
            quiet = "366days"
            time_zone = "America/New_York"
            [retention]
            record_days = 3650
            keep_compressed_hours = 87600
            """)
        #expect(found.isEmpty, "\(found)")
    }

    @Test func aStateDirectoryThatIsAFileIsAProblemOfThisHost() {
        var config = DumpConfiguration()
        config.stateDirectory = "/etc/passwd"
        #expect(config.hostProblems().map(\.key) == ["general.state_directory"])
        config.stateDirectory = "/etc/passwd/sub"
        #expect(config.hostProblems().first?.message.contains("/etc/passwd is a regular file") == true)
        config.stateDirectory = "/tmp/does-not-exist-yet/state"
        #expect(config.hostProblems().isEmpty)
    }
}

/// The `[destination]` keys of the s3 and rsync types: what cannot work is named by its key before anything runs.
@Suite struct DestinationSectionTests {
    func problems(_ toml: String) -> [String] {
        let (config, parsed) = DumpConfiguration.parse(toml: toml)
        return (parsed + config.problems()).map(\.key)
    }

    let s3 = "[destination]\ntype = \"s3\"\nendpoint = \"https://s3.eu-west-1.amazonaws.com\"\nbucket = \"weblogs\"\n"
    let rsync = "[destination]\ntype = \"rsync\"\nhost = \"logs.example.org\"\npath = \"/srv/weblogs\"\n"

    @Test func concurrentRequestsReachTheS3DestinationAndDefaultToFour() {
        for (text, expected) in [(s3, 4), (s3 + "concurrent_requests = 1\n", 1), (s3 + "concurrent_requests = 32\n", 32)] {
            let (config, parsed) = DumpConfiguration.parse(toml: text)
            #expect(parsed.isEmpty && config.problems().isEmpty, "\(parsed) \(config.problems())")
            guard case let .s3(settings) = config.destinationSettings else { Issue.record("not s3"); continue }
            #expect(settings.concurrentRequests == expected)
        }
    }

    @Test func goodSectionsHaveNoProblems() {
        #expect(problems(s3).isEmpty)
        #expect(problems(s3 + "endpoint_unused = 1\n") == ["destination.endpoint_unused"])
        #expect(problems(rsync + "user = \"logship\"\nport = 2222\nknown_hosts = \"/etc/logdump/known_hosts\"\n").isEmpty)
        #expect(problems(s3.replacingOccurrences(of: "https://s3.eu-west-1.amazonaws.com", with: "http://127.0.0.1:8333")).isEmpty)
    }

    @Test(arguments: [
        ("endpoint", "\"s3.amazonaws.com\""), ("endpoint", "\"ftp://host\""), ("endpoint", "\"https://host/path\""),
        ("endpoint", "\"http://s3.example.org\""), ("endpoint", "\"https://user@host\""), ("endpoint", "\"https://host:99999\""),
        ("bucket", "\"Bad_Bucket\""), ("bucket", "\"ab\""), ("bucket", "\"-weblogs\""), ("prefix", "\"../escape/\""),
        ("prefix", "\"/absolute/\""), ("prefix", "\"a//b/\""), ("part_size", "\"1M\""), ("verify", "\"trust-me\""),
        ("retries", "0"), ("concurrent_requests", "0"), ("concurrent_requests", "33"), ("request_timeout", "0"), ("credentials_file", "\"relative/file\""), ("region", "\"EU WEST\""),
    ])
    func s3KeysThatCannotWorkAreNamed(key: String, value: String) {
        let text = s3.replacingOccurrences(of: "\(key) = ", with: "# \(key) = ") + "\(key) = \(value)\n"
        #expect(problems(text) == ["destination.\(key)"], "\(key) = \(value)")
    }

    @Test(arguments: [
        ("host", "\"-oProxyCommand=x\""), ("host", "\"user@host\""), ("host", "\"\""), ("user", "\"-l\""), ("port", "0"),
        ("port", "70000"), ("path", "\"relative\""), ("path", "\"/srv/../etc\""), ("identity_file", "\"id_ed25519\""),
    ])
    func rsyncKeysThatCannotWorkAreNamed(key: String, value: String) {
        let text = rsync.replacingOccurrences(of: "\(key) = ", with: "# \(key) = ") + "\(key) = \(value)\n"
        #expect(problems(text) == ["destination.\(key)"], "\(key) = \(value)")
    }
}
