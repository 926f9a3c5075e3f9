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
