import LogSplitCore
import Testing

@Suite struct TimeZoneNameTests {
    @Test(arguments: ["UTC", "GMT", "America/New_York", ":America/New_York", "Europe/Berlin", "Asia/Kolkata",
                      "Australia/Lord_Howe", "Etc/GMT+5", "/usr/share/zoneinfo/Europe/Paris",
                      "CET-1CEST,M3.5.0,M10.5.0/3", "EST5EDT", "<+0530>-5:30", "UTC0", "JST-9", "NZST-12NZDT,J60,300/2:30"])
    func acceptsZonesGlibcReallyKnows(name: String) {
        #expect(TimeZoneName.problem(name) == nil)
    }

    @Test(arguments: ["America/New_Yrok", "Europe/Berln", "XYZ", "foo", "", ":", "/etc/passwd", "../../etc/passwd",
                      "America/../../../etc/passwd", "EST5EDT,M3", "CET-1CEST,M13.5.0,M10.5.0", "AB5", "<AB>5", "EST99"])
    func refusesNamesGlibcWouldSilentlyTakeAsUTC(name: String) {
        let problem = TimeZoneName.problem(name)
        #expect(problem != nil, "\(name) was accepted")
    }

    @Test func theMessageNamesTheValueAndTheFix() throws {
        let problem = try #require(TimeZoneName.problem("America/New_Yrok"))
        #expect(problem.contains("'America/New_Yrok'"))
        #expect(problem.contains("America/New_York") && problem.contains("UTC"))
    }

    @Test func aZoneDirectoryWithoutTheFileRefusesTheName() {
        #expect(TimeZoneName.problem("America/New_York", zoneDirectory: "/nonexistent") != nil)
        #expect(TimeZoneName.problem("UTC", zoneDirectory: "/nonexistent") == nil)
    }
}
