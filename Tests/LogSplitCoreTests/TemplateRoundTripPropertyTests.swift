import LogSplitCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Properties of `Template.render` and `Template.periodStart(ofFileName:site:zone:)` over many instants,
/// zones and hostile names (issue 12). Deterministic: a fixed seed, so a failure names a case that can be
/// rerun. The fuzzers in Fuzz/ look for traps; these tests pin what the answers must be.
@Suite struct TemplateRoundTripPropertyTests {
    static let templates = [
        "access_log.%Y%m%d%H",  // hourly, the default
        "access_log.%Y%m%d",  // daily
        "access_log.%Y%m%d%H%M",  // per minute
        "access_log.%s",  // seconds since the epoch
        "access_log.%F-%H",
        "access_log.%y%j%H",
        "access_log.%b-%d-%Y.%I%p",
        "access_log.%Y-W%V",  // weekly, ISO week number with the calendar year
    ]
    /// Every template as written, and below a `{site}` directory.
    static let allTemplates = templates + templates.map { "{site}/" + $0 }
    static let zoneNames = ["UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Lord_Howe"]
    static let site = "www.example.com"

    /// 2024-01-01 to 2030-01-01 UTC.
    static let firstInstant = 1_704_067_200
    static let lastInstant = 1_893_456_000

    // MARK: - Rendered names match back to their period

    @Test(arguments: allTemplates)
    func everyPeriodsNameMatchesBackToThatPeriodsStart(pattern: String) throws {
        let template = try Template(pattern)
        var failures: [String] = []
        var checked = 0
        for zoneName in Self.zoneNames {
            let zone = CivilTimeZone(identifier: zoneName)
            let period = RotationPeriod(unit: template.inferredPeriodicity, weeksStartOnMonday: template.weeksStartOnMonday)
            var seen = Set<Int>()
            for t in Self.instants(zone: zone, seed: UInt64(truncatingIfNeeded: pattern.utf8.count &* 7919 &+ zoneName.utf8.count)) {
                let start = period.start(containing: t, in: zone)
                guard seen.insert(start).inserted else { continue }
                let renderSite = template.hasSitePlaceholder ? Self.site : nil
                let name = try template.render(periodStart: start, site: renderSite, zone: zone)
                // The periods whose names are this name: usually one; two when a name repeats (the hour a DST
                // change repeats, an ISO week the calendar year names twice).
                let sharing = try Self.periods(near: start, period: period, zone: zone, sharingName: name,
                                               template: template, site: renderSite)
                for matchSite in template.hasSitePlaceholder ? [Self.site, nil] : [nil] {
                    checked += 1
                    guard let back = template.periodStart(ofFileName: name, site: matchSite, zone: zone) else {
                        failures.append("\(zoneName): '\(name)' (period start \(start), \(Self.utc(start))) is not matched back"
                            + " (site \(matchSite ?? "free"))")
                        continue
                    }
                    if sharing.count == 1 {
                        if back != start {
                            failures.append("\(zoneName): '\(name)' matches back to \(back) (\(Self.utc(back)))"
                                + " instead of its period start \(start) (\(Self.utc(start)))")
                        }
                    } else if !sharing.contains(back) {
                        failures.append("\(zoneName): '\(name)', shared by the periods \(sharing), matches back to \(back)")
                    }
                }
            }
        }
        #expect(checked > 300)
        #expect(failures.isEmpty, "\(pattern): \(failures.count) of \(checked) names fail, e.g.\n\(failures.prefix(12).joined(separator: "\n"))")
    }

    /// An ambiguous name belongs to every period that renders it. Those can only be near `start`: its
    /// neighbours, the periods an offset change (DST, Lord Howe's half hour) repeats, and for weekly names
    /// the week a year earlier or later (an ISO week number shown with the calendar year).
    static func periods(near start: Int, period: RotationPeriod, zone: CivilTimeZone, sharingName name: String,
                        template: Template, site: String?) throws -> [Int] {
        var starts: Set<Int> = [start]
        var earlier = start
        var later = start
        for _ in 0..<3 {
            earlier = period.start(containing: earlier - 1, in: zone)
            later = period.nextStart(after: later, in: zone)
            starts.formUnion([earlier, later])
        }
        var shifts = [1800, 3600, 5400, 7200]
        if period.unit == .week { shifts += (50...54).map { $0 * 7 * 86_400 } }
        for shift in shifts {
            starts.insert(period.start(containing: start + shift, in: zone))
            starts.insert(period.start(containing: start - shift, in: zone))
        }
        return try starts.filter { try template.render(periodStart: $0, site: site, zone: zone) == name }.sorted()
    }

    /// Pseudo-random instants over six years, and instants around each of the zone's UTC-offset changes
    /// (DST, Lord Howe's half hour) in those years.
    static func instants(zone: CivilTimeZone, seed: UInt64) -> [Int] {
        var random = SplitMix64(seed: seed)
        var result = (0..<60).map { _ in Int.random(in: firstInstant..<lastInstant, using: &random) }
        for change in offsetChanges(zone: zone, from: firstInstant, to: lastInstant) {
            for delta in [-3601, -1801, -1, 0, 1, 1799, 3599, 5400] {
                result.append(change + delta)
            }
        }
        return result
    }

    /// Instants where the zone's offset from UTC changes, to the second.
    static func offsetChanges(zone: CivilTimeZone, from: Int, to: Int) -> [Int] {
        func offset(_ t: Int) -> Int { Int(zone.breakDown(t).tm_gmtoff) }
        var changes: [Int] = []
        var t = from
        var previous = offset(t)
        let step = 6 * 3600
        while t < to {
            let next = t + step
            let current = offset(next)
            if current != previous {
                var low = t, high = next  // offset(low) == previous, offset(high) == current
                while high - low > 1 {
                    let mid = (low + high) / 2
                    if offset(mid) == previous { low = mid } else { high = mid }
                }
                changes.append(high)
                previous = current
            }
            t = next
        }
        return changes
    }

    static func utc(_ t: Int) -> String {
        CivilTimeZone(identifier: "UTC").format("%Y-%m-%d %H:%M:%S UTC", at: t) ?? "\(t)"
    }

    // MARK: - Hostile names

    /// Names a container can create: random bytes, and rendered names with a byte deleted, replaced or
    /// inserted, cut short, or carrying a very long number. Checked in a child process, so that a trap
    /// fails this test instead of ending the test run.
    @Test func randomNamesNeverTrapAndMatchOnlyWhenRenderingReproducesThem() async {
        let result = await #expect(processExitsWith: .success, observing: [\.standardOutputContent]) {
            let failures = TemplateRoundTripPropertyTests.hostileNameFailures()
            for failure in failures.prefix(20) {
                print("name-failure: " + failure)
            }
            exit(failures.isEmpty ? 0 : 1)
        }
        // The child's output also carries the test library's own records: only our lines are failures.
        let output = String(decoding: result?.standardOutputContent ?? [], as: UTF8.self)
        let failures = output.split(separator: "\n").filter { $0.hasPrefix("name-failure: ") }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    /// The names that matched without rendering back to themselves (empty when the property holds).
    static func hostileNameFailures() -> [String] {
        var random = SplitMix64(seed: 12)
        var failures: [String] = []
        let zones = ["UTC", "America/New_York", "Australia/Lord_Howe"].map { CivilTimeZone(identifier: $0) }
        for pattern in allTemplates {
            guard let template = try? Template(pattern) else { return ["'\(pattern)' is not a template"] }
            let period = RotationPeriod(unit: template.inferredPeriodicity, weeksStartOnMonday: template.weeksStartOnMonday)
            for zone in zones {
                for _ in 0..<150 {
                    let start = period.start(containing: Int.random(in: firstInstant..<lastInstant, using: &random), in: zone)
                    let renderSite = template.hasSitePlaceholder ? site : nil
                    guard let valid = try? template.render(periodStart: start, site: renderSite, zone: zone) else { continue }
                    let name = hostileName(from: Array(valid.utf8), using: &random)
                    for matchSite in template.hasSitePlaceholder ? [site, nil] : [nil] {
                        guard let found = template.periodStart(ofFileName: name, site: matchSite, zone: zone) else { continue }
                        // With a free {site}, the site is the name's first component.
                        let siteOfName = matchSite ?? (template.hasSitePlaceholder
                            ? String(name.prefix(while: { $0 != "/" })) : nil)
                        let rendered = try? template.render(periodStart: found, site: siteOfName, zone: zone)
                        if rendered != name {
                            failures.append("'\(pattern)' in \(zone): \(name.debugDescription) matched \(found),"
                                + " which renders as \(rendered?.debugDescription ?? "nothing")")
                        }
                    }
                }
            }
        }
        return failures
    }

    static let hostileBytes = Array("0123456789/.-_: aAbpPMmWw{}%".utf8) + [0, 0xFF, 0xC3, 0xA9, 0x0A]

    fileprivate static func hostileName(from valid: [UInt8], using random: inout SplitMix64) -> String {
        var bytes = valid
        func anyByte() -> UInt8 {
            Bool.random(using: &random) ? hostileBytes.randomElement(using: &random)! : UInt8.random(in: 0...255, using: &random)
        }
        switch Int.random(in: 0..<8, using: &random) {
        case 0:  // random bytes
            bytes = (0..<Int.random(in: 0...40, using: &random)).map { _ in anyByte() }
        case 1:  // one byte deleted
            if !bytes.isEmpty { bytes.remove(at: Int.random(in: 0..<bytes.count, using: &random)) }
        case 2:  // one byte replaced
            if !bytes.isEmpty { bytes[Int.random(in: 0..<bytes.count, using: &random)] = anyByte() }
        case 3:  // one byte inserted
            bytes.insert(anyByte(), at: Int.random(in: 0...bytes.count, using: &random))
        case 4:  // cut short, e.g. just after the last separator
            bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &random)))
        case 5:  // a run of digits longer than any Int
            let at = bytes.lastIndex(of: UInt8(ascii: ".")).map { $0 + 1 } ?? bytes.count
            bytes = Array(bytes[..<at]) + Array(repeating: UInt8(ascii: "9"), count: Int.random(in: 18...40, using: &random))
        case 6:  // several mutations
            for _ in 0..<3 { bytes = Array(hostileName(from: bytes, using: &random).utf8) }
        default:  // digits swapped for other digits: an impossible date or hour
            for i in bytes.indices where bytes[i] >= 48 && bytes[i] <= 57 && Bool.random(using: &random) {
                bytes[i] = UInt8.random(in: 48...57, using: &random)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// SplitMix64: a small deterministic generator, so every run checks the same cases.
fileprivate struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
