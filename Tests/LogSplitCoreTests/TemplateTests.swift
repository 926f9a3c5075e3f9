import LogSplitCore
import Testing

@Suite struct TemplateTests {
    @Test(arguments: [
        ("access_log.%Y%m%d%H", Periodicity.hour),
        ("access_log.%Y%m%d", .day),
        ("access_log.%Y%m%d%H%M", .minute),
        ("access.%Y-W%U", .week),
        ("access.%Y-W%W", .week),
        ("access.%Y%m", .month),
        ("access.%Y", .year),
        ("%Y/%m/%d/access.%H", .hour),
        ("access.%S", .second),
        ("access.%p", .hour),
        ("access.log", .once),
        ("access.%%H", .once),
    ])
    func infersThePeriodCronologInfers(pattern: String, expected: Periodicity) throws {
        let template = try Template(pattern)
        #expect(template.cronologPeriodicity == expected)
        #expect(template.inferredPeriodicity == expected)
    }

    @Test(arguments: [
        ("access.%F", Periodicity.day),
        ("access.%Y%m%d%k", .hour),
        ("access.%Y%m%d%l%P", .hour),
        ("access.%G-%V", .week),
        ("access.%Y%m%d-%u", .day),
        ("access.%Y%m%d%-H", .hour),
        ("access.%Y%m%d%_H", .hour),
        ("access.%Y%m%d%R", .minute),
        ("access.%X", .second),
        ("access.%s", .second),
    ])
    func infersPeriodsFromConversionsCronologIgnores(pattern: String, expected: Periodicity) throws {
        #expect(try Template(pattern).inferredPeriodicity == expected)
    }

    @Test func cronologIgnoresFAndModifiedConversions() throws {
        #expect(try Template("access.%F").cronologPeriodicity == .once)
        #expect(try Template("access.%Y%m%d%-H").cronologPeriodicity == .day)
    }

    @Test func weeksStartOnMondayFollowsTheFirstWeeklyConversion() throws {
        #expect(try Template("a.%Y-%W").weeksStartOnMonday)
        #expect(try Template("a.%Y-%V").weeksStartOnMonday)
        #expect(try !Template("a.%Y-%U").weeksStartOnMonday)
    }

    @Test(arguments: [
        ("/data/weblogs/{site}/access_log.%Y%m%d%H", "/data/weblogs"),
        ("/data/weblogs/www/access_log.%Y%m%d%H", "/data/weblogs/www"),
        ("/data/weblogs/www/%Y/%m/access.%H", "/data/weblogs/www"),
        ("access.%H", "."),
        ("logs/access.%H", "logs"),
        ("/access.%H", "/"),
    ])
    func trustedRootDefaultsToTheFixedDirectoryPrefix(pattern: String, root: String) throws {
        #expect(try Template(pattern).fixedDirectoryPrefix == root)
    }

    @Test func rendersTheNameOfAPeriodInItsZone() throws {
        let utc = CivilTimeZone(identifier: "UTC")
        let template = try Template("/logs/{site}/access_log.%Y%m%d%H")
        // 2026-11-26 14:00:00 UTC
        #expect(try template.render(periodStart: 1_795_701_600, site: "www", zone: utc) == "/logs/www/access_log.2026112614")
        let kolkata = CivilTimeZone(identifier: "Asia/Kolkata")
        #expect(try template.render(periodStart: 1_795_701_600, site: "www", zone: kolkata) == "/logs/www/access_log.2026112619")
    }

    @Test func anOverLongNameIsAnErrorNotACrash() throws {
        let template = try Template(String(repeating: "x", count: 5000) + "%H")
        #expect(throws: TemplateError.self) {
            try template.render(periodStart: 0, site: nil, zone: CivilTimeZone(identifier: "UTC"))
        }
    }

    @Test func rejectsAnEmptyTemplate() {
        #expect(throws: TemplateError.empty) { try Template("") }
    }
}

/// Rendered names are resolved lexically before use, the way the kernel resolves cronolog's names.
@Suite struct TemplatePathNormalisationTests {
    @Test(arguments: [
        ("/r/sub/2026/../x.14", "/r/sub/x.14"), ("/r//x.14", "/r/x.14"), ("/r/./x.14", "/r/x.14"),
        ("./x.14", "x.14"), ("x.14", "x.14"), ("/r/x.14", "/r/x.14"), ("../x.14", "../x.14"),
        ("a/../../x.14", "../x.14"), ("/../x.14", "/x.14"), ("/", "/"), (".", "."), ("a/..", "."),
        ("/r/sub/", "/r/sub"), ("11/26/26/../x", "11/26/x"), ("//r/x", "/r/x"),
    ])
    func resolvesDotDotAndDropsEmptyAndDotComponents(path: String, expected: String) {
        #expect(Template.lexicallyNormalised(path) == expected)
    }

    @Test(arguments: ["/r/x.%H/", "/r/x/.", "/r/x/..", "x/", "/"])
    func aTemplateEndingInADirectoryHasNoFileName(pattern: String) throws {
        #expect(try Template(pattern).endsInFileName == false)
    }

    @Test func aTemplateEndingInAFileNameHasOne() throws {
        #expect(try Template("/r/%Y/../x.%H").endsInFileName)
        #expect(try Template("x.%H").endsInFileName)
    }
}
