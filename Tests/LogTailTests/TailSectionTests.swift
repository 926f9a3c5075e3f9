import Foundation
import LogDump
import LogShipCore
import Testing

@Suite struct TailSectionTests {
    @Test func aFullTailSectionIsReadKeyByKey() {
        let (config, problems) = DumpConfiguration.parse(toml: """
            [tail]
            receiver = "relps://logs.example.org:2515"
            ca_file = "/etc/logdump/ca.pem"
            client_cert = "/etc/logdump/client.pem"
            client_key = "/etc/logdump/client.key"
            facility = "local3"
            severity = "notice"
            max_message_bytes = "32K"
            rescan_seconds = 5
            gate_removal = false
            """)
        #expect(problems == [])
        let tail = config.tail
        #expect(tail?.endpoint == (try? ReceiverEndpoint("relps://logs.example.org:2515")))
        #expect(tail?.endpoint?.wire == .relp && tail?.endpoint?.tls == true && tail?.endpoint?.port == 2515)
        #expect(tail?.facilityCode == 19 && tail?.severityCode == 5)
        #expect(tail?.maxMessageBytes == 32_768 && tail?.rescanSeconds == 5 && tail?.gateRemoval == false)
    }

    @Test func withoutATailSectionThereIsNoTailAndNoGate() {
        let (config, problems) = DumpConfiguration.parse(toml: "[general]\nworkers = 1\n")
        #expect(problems == [] && config.tail == nil)
    }

    @Test func everyBadValueIsNamedByItsKey() {
        let (config, parseProblems) = DumpConfiguration.parse(toml: """
            [tail]
            receiver = "http://logs:80"
            facility = "local9"
            severity = "loud"
            max_message_bytes = 10
            rescan_seconds = 0
            client_cert = "/c.pem"
            gate_removal = "yes"
            colour = "blue"
            """)
        let keys = Set((parseProblems + config.problems()).map(\.key))
        #expect(keys == ["tail.receiver", "tail.facility", "tail.severity", "tail.max_message_bytes", "tail.rescan_seconds",
                         "tail.client_cert", "tail.gate_removal", "tail.colour"])
    }

    @Test func receiversNeedAKnownSchemeAHostAndAPort() {
        #expect((try? ReceiverEndpoint("tcp://10.0.0.5:514"))?.description == "tcp://10.0.0.5:514")
        #expect((try? ReceiverEndpoint("tls://[::1]:6514"))?.host == "::1")
        for bad in ["", "relp://logs", "relp://:2514", "relp://logs:0", "relp://logs:70000", "udp://logs:514", "logs:514"] {
            #expect(throws: ConfigProblem.self, "\(bad)") { try ReceiverEndpoint(bad) }
        }
    }

    @Test func tlsFilesOnAPlainReceiverAreAProblem() {
        var tail = TailSection()
        tail.receiver = "tcp://logs:514"
        tail.caFile = "/etc/ca.pem"
        #expect(tail.problems().map(\.key) == ["tail.ca_file"])
    }

    @Test func theCommentedTailExampleInTheSampleConfigParsesToTheDefaultsOnceUncommented() throws {
        let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Config/logdump.toml").path
        let text = try String(contentsOfFile: sample, encoding: .utf8)
        let tailPart = try #require(text.range(of: "# [tail]\n")).lowerBound
        let uncommented = text[tailPart...].split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("# [tail]") || line.range(of: #"^# [a-z_]+ = "#, options: .regularExpression) != nil else { return nil }
            return String(line.dropFirst(2))
        }.joined(separator: "\n")
        let (config, problems) = DumpConfiguration.parse(toml: uncommented)
        #expect(problems == [] && config.problems() == [], "\(uncommented)")
        var expected = TailSection()
        expected.receiver = "relp://logs.example.org:2514"
        #expect(config.tail == expected)
    }
}
