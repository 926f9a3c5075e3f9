// Template parsing, rendering and file-name matching with hostile names (and hostile templates).
//
// Input: `TEMPLATE \0 NAME`: a template from the input, then a file name.
// Without a NUL the whole input is a file name, matched against every template of a fixed list of real
// ones (the names logdump reads come from directories containers can write to; templates come from the
// operator, but `logsplit --check TEMPLATE` must not trap either).
// The input's length picks the zone and whether a site is given.
import LogSplitCore

let templates: [Template] = [
    "access_log.%Y%m%d%H", "%Y/%m/%d/x.%H", "{site}/access_log.%s", "access_log.%s", "log-%F-%H", "x.%y%j%H",
    "a.%b-%d-%Y.%I%p", "w.%Y-W%V", "w.%Y-W%U", "w.%G-%V", "m.%Y%m%d%H%M", "s.%Y%m%dT%T", "c.%c", "d.%e.%m.%Y",
    "{site}/%Y/%m/access.%d%H", "k.%Y%m%d%k", "l.%Y%m%d%l%P", "x.%Y%m%d%-H", "x.%D-%r", "x.%A.%B.%C%g",
].map { try! Template($0) }

let zones = ["UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Lord_Howe"]
    .map { CivilTimeZone(identifier: $0) }

/// Instants to render hostile templates at: ordinary ones, DST edges, and the extremes glibc must survive.
let instants = [0, 1_790_000_000, 1_793_340_000, -1, Int(Int32.max), Int(Int32.min), 253_402_300_799, Int.max / 4]

func exercise(_ template: Template, name: String, site: String?, zone: CivilTimeZone) {
    if let (start, matchedSite) = template.match(fileName: name, site: site, zone: zone) {
        // Whatever matched must be exactly what rendering that start gives, for the site given or matched (a `{site}`
        // may share its path component with other text: `{site}.%s`).
        if site != nil && matchedSite != site {
            fatalError("match(fileName: \(name.debugDescription), site: \(site!.debugDescription)) of '\(template)' reports the site \(String(describing: matchedSite))")
        }
        let rendered = try? template.render(periodStart: start, site: matchedSite, zone: zone)
        if let rendered, rendered != name {
            fatalError("periodStart(ofFileName: \(name.debugDescription)) of '\(template)' gave \(start), which renders as \(rendered.debugDescription)")
        }
        if template.periodStart(ofFileName: name, site: site, zone: zone) != start {
            fatalError("periodStart(ofFileName: \(name.debugDescription)) of '\(template)' differs from match(fileName:)")
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let zone = zones[size % zones.count]
    let site: String? = (size / zones.count) % 2 == 0 ? nil : "shop"

    if let nul = bytes.firstIndex(of: 0) {
        let templateText = String(decoding: bytes[..<nul], as: UTF8.self)
        let name = String(decoding: bytes[(nul + 1)...], as: UTF8.self)
        guard let template = try? Template(templateText) else { return 0 }
        _ = template.inferredPeriodicity
        _ = template.cronologPeriodicity
        _ = template.weeksStartOnMonday
        _ = template.fixedDirectoryPrefix
        _ = template.hasSitePlaceholder
        _ = template.conversions
        for t in instants {
            _ = try? template.render(periodStart: t, site: site, zone: zone)
            // A hostile site spelling is never rendered by logsplit (SiteName sanitises it first), but
            // render must not trap on it either.
            _ = try? template.render(periodStart: t, site: name, zone: zone)
        }
        exercise(template, name: name, site: site, zone: zone)
        exercise(template, name: name, site: nil, zone: zone)
    } else {
        let name = String(decoding: bytes, as: UTF8.self)
        for template in templates {
            exercise(template, name: name, site: site, zone: zone)
        }
    }
    return 0
}
