import LogSplitCore
import Testing

/// Names in the weblogs folders are written from inside containers: whatever they are, matching them back
/// through the template never traps and never accepts a name the template would not render.
@Suite struct TemplateHostileFileNameTests {
    let utc = CivilTimeZone(identifier: "UTC")

    @Test(arguments: ["access_log.99999999999999999999", "access_log.9223372036854775807", "access_log.9223372036854775808",
                      "access_log.18446744073709551616", "access_log.253402300800", "access_log.00000000000000000001"])
    func epochNamesTooLargeForTheCalendarAreNotOurs(name: String) throws {
        let template = try Template("access_log.%s")
        #expect(template.periodStart(ofFileName: name, site: nil, zone: utc) == nil)
    }

    @Test func anEpochNameStillMatchesItsOwnSecond() throws {
        let template = try Template("access_log.%s")
        #expect(template.periodStart(ofFileName: "access_log.1790000000", site: nil, zone: utc) == 1_790_000_000)
    }

    @Test(arguments: ["access_log.99999999999", "access_log.0000010100", "access_log.2026133099", "access_log.\u{FF}",
                      "access_log." + String(repeating: "9", count: 5000)])
    func calendarNamesOutOfRangeAreNotOurs(name: String) throws {
        let template = try Template("access_log.%Y%m%d%H")
        #expect(template.periodStart(ofFileName: name, site: nil, zone: utc) == nil)
    }
}
