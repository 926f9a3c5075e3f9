import LogSplitCore
import Testing

@Suite struct TemplateFileNameMatchingTests {
    let utc = CivilTimeZone(identifier: "UTC")
    let zurich = CivilTimeZone(identifier: "Europe/Zurich")
    let newYork = CivilTimeZone(identifier: "America/New_York")

    @Test func hourlyNameGivesItsHourStart() throws {
        let template = try Template("access_log.%Y%m%d%H")
        let start = try #require(template.periodStart(ofFileName: "access_log.2026112614", site: nil, zone: utc))
        #expect(try template.render(periodStart: start, site: nil, zone: utc) == "access_log.2026112614")
        #expect(start % 3600 == 0)
        #expect(utc.format("%Y-%m-%d %H:%M:%S", at: start) == "2026-11-26 14:00:00")
    }

    @Test func everyRenderedNameRoundTrips() throws {
        let patterns = ["access_log.%Y%m%d%H", "%Y/%m/%d/access.%H", "log-%F-%H%M", "x.%y%j.%H", "a.%d-%b-%Y", "b.%s",
                        "c.%Y%m%d", "d.%Y-%m", "e.%Y", "f.%Y%m%d%H%M%S", "g.%A.%Y%m%d", "h.%e.%m.%Y", "i.%Y-W%W", "j.%Y-%U",
                        "k.%I%p.%Y%m%d", "l.%B.%Y", "m.%Y%m%dT%T"]
        for zone in [utc, zurich, newYork] {
            for pattern in patterns {
                let template = try Template(pattern)
                let period = RotationPeriod(unit: template.inferredPeriodicity, weeksStartOnMonday: template.weeksStartOnMonday)
                var t = 1_790_000_000
                for _ in 0..<40 {
                    let start = period.start(containing: t, in: zone)
                    let name = try template.render(periodStart: start, site: nil, zone: zone)
                    let back = template.periodStart(ofFileName: name, site: nil, zone: zone)
                    #expect(back != nil, "\(pattern) in \(zone): \(name)")
                    if let back {
                        #expect(try template.render(periodStart: back, site: nil, zone: zone) == name)
                    }
                    t += 86_400 * 3 + 3_607
                }
            }
        }
    }

    @Test func namesThatAreNotTheTemplatesAreRefused() throws {
        let template = try Template("access_log.%Y%m%d%H")
        for name in ["access_log.2026112614.zst", "access_log.20261126", "access_log.2026113224", "access_log.2026022914",
                     "access_log.2026112614.refused-symlink-1790000000", "access_log.2026 12614", "error_log.2026112614",
                     "access_log.%Y%m%d%H", "", "current", "access_log.２026112614"] {
            #expect(template.periodStart(ofFileName: name, site: nil, zone: utc) == nil, "\(name)")
        }
    }

    @Test func siteIsMatchedWhenGivenOrFree() throws {
        let template = try Template("{site}/access_log.%Y%m%d%H")
        #expect(template.periodStart(ofFileName: "shop/access_log.2026112614", site: "shop", zone: utc) != nil)
        #expect(template.periodStart(ofFileName: "shop/access_log.2026112614", site: "other", zone: utc) == nil)
        #expect(template.periodStart(ofFileName: "shop.example.com/access_log.2026112614", site: nil, zone: utc) != nil)
        #expect(template.periodStart(ofFileName: "../access_log.2026112614", site: nil, zone: utc) == nil)
    }

    @Test func dstRepeatedHourMatchesAndSkippedHourDoesNot() throws {
        let template = try Template("access_log.%Y%m%d%H")
        // 2026-11-01 01:00 happens twice in New York; 2026-03-08 02:00 never happens.
        let start = try #require(template.periodStart(ofFileName: "access_log.2026110101", site: nil, zone: newYork))
        #expect(try template.render(periodStart: start, site: nil, zone: newYork) == "access_log.2026110101")
        #expect(template.periodStart(ofFileName: "access_log.2026030802", site: nil, zone: newYork) == nil)
    }

    @Test func aTemplateWithoutTimeHasNoPeriod() throws {
        let template = try Template("access_log")
        #expect(template.periodStart(ofFileName: "access_log", site: nil, zone: utc) == nil)
    }
}
