import Glibc

/// Deterministic Apache combined-log lines for the in-process benchmarks, written once to a file.
///
/// The lines look like scripts/gen-combined-log.py's (about 250 bytes, IPv4 and IPv6 clients, pages,
/// assets and API calls, referers, common user agents) but are built here so the benchmark needs no
/// generated data set. `%t` runs over the last `span` seconds before `end`, so --line-time finds every
/// line inside its period or the late window, the steady state of a live server.
struct SampleLog {
    static let sites = [
        "www.example.com", "shop.example.com", "api.example.com", "blog.example.org", "static.example.net",
        "m.example.com", "Docs.Example.IO", "intranet.corp.example", "status.example.com",
    ]
    static let agents = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8 Pro) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1.1 Safari/605.1.15",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "curl/8.5.0",
    ]
    static let words = [
        "account", "archive", "basket", "catalog", "checkout", "contact", "deals", "download", "garden",
        "guide", "help", "kitchen", "laptop", "login", "news", "offers", "order", "phone", "pricing",
        "profile", "release", "review", "search", "settings", "shoes", "store", "summer", "travel",
    ]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// xorshift64*: deterministic and allocation-free.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 2_685_821_657_736_338_717
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    /// Writes `lines` lines to `path` (with Apache's `%v` first when `withSite`); returns the byte count.
    @discardableResult
    static func write(path: String, lines: Int, withSite: Bool, end: Int, span: Int, seed: UInt64 = 7) -> Int {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        precondition(fd >= 0, "cannot create \(path): errno \(errno)")
        defer { close(fd) }
        var random = Random(state: seed)
        var chunk = ""
        chunk.reserveCapacity(1 << 20)
        var total = 0
        for n in 0..<lines {
            let second = end - span + n * span / max(lines, 1)
            var line = withSite ? sites[min(random.below(12), sites.count - 1)] + " " : ""
            if random.below(100) < 15 {
                line += "2a02:\(String(random.below(65536), radix: 16)):\(String(random.below(65536), radix: 16))::\(String(random.below(65536), radix: 16))"
            } else {
                line += "\(random.below(223) + 1).\(random.below(256)).\(random.below(256)).\(random.below(254) + 1)"
            }
            line += " - - [" + clf(second) + "] \""
            switch random.below(10) {
            case 0..<4:
                line += "GET /static/\(words[random.below(words.count)])-\(String(random.next() & 0xffff_ffff, radix: 16)).js?v=\(random.below(9000) + 100) HTTP/2.0\" 200 \(random.below(90000) + 300)"
            case 4..<7:
                line += "GET /\(words[random.below(words.count)])/\(words[random.below(words.count)])/\(words[random.below(words.count)]).html HTTP/1.1\" \(random.below(10) < 8 ? "200 \(random.below(40000) + 900)" : "304 -")"
            case 7..<9:
                line += "POST /api/v2/\(words[random.below(words.count)])/\(random.below(2_000_000))?fields=id,name&limit=20 HTTP/1.1\" 201 \(random.below(4000) + 40)"
            default:
                line += "GET /search?q=\(words[random.below(words.count)])+\(words[random.below(words.count)])&page=\(random.below(5) + 1) HTTP/2.0\" 404 \(random.below(5000) + 200)"
            }
            line += " \"https://www.example.com/\(words[random.below(words.count)])/\(words[random.below(words.count)])\" \"\(agents[random.below(agents.count)])\"\n"
            chunk += line
            if chunk.utf8.count >= 1 << 20 || n == lines - 1 {
                total += chunk.utf8.count
                chunk.withUTF8 { buffer in
                    var done = 0
                    while done < buffer.count {
                        let w = Glibc.write(fd, buffer.baseAddress! + done, buffer.count - done)
                        precondition(w > 0, "write \(path): errno \(errno)")
                        done += w
                    }
                }
                chunk.removeAll(keepingCapacity: true)
            }
        }
        return total
    }

    /// `26/Nov/2026:14:10:31 +0000` for a Unix time, in UTC.
    static func clf(_ t: Int) -> String {
        var time = time_t(t)
        var tm = tm()
        gmtime_r(&time, &tm)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(two(tm.tm_mday))/\(months[Int(tm.tm_mon)])/\(tm.tm_year + 1900):\(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec)) +0000"
    }
}
