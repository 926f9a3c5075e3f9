#!/usr/bin/env python3
"""Write a realistic, deterministic Apache "combined" access log for benchmarks.

    scripts/gen-combined-log.py OUT [--bytes 2G] [--seed 7] [--start 2026-11-26T00:00:00]
                                    [--span 24h] [--vhost-out OUT2] [--sites 9]

Each line is LogFormat "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-agent}i\"",
about 250 bytes on average: a pool of returning clients (IPv4 and IPv6, each with
its own user agent, a few with an authenticated user), pages, assets, API calls and
searches per site, status codes with "-" sizes for 304/204, internal and external
referers, and %t increasing evenly from --start over --span (all in UTC, +0000).

--vhost-out writes the same lines a second time with Apache's %v in front
("LogFormat \"%v %h %l ...\""), drawn from --sites virtual hosts, for
`logsplit --site-field`. One host is spelled in mixed case, as clients send it.

Next to OUT it writes OUT.meta (key=value lines: lines, bytes, vhost_bytes, first
and last time as Unix seconds) so a benchmark can check that every byte arrived.
"""
import argparse
import calendar
import random
import sys
import time

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

SITE_NAMES = [
    "www.example.com", "shop.example.com", "api.example.com", "blog.example.org",
    "static.example.net", "m.example.com", "Docs.Example.IO", "intranet.corp.example",
    "status.example.com", "media.example.net", "forum.example.org", "cdn2.example.net",
]

BROWSERS = [
    # (weight, user agent)
    (28, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"),
    (9, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.70"),
    (7, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"),
    (9, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1.1 Safari/605.1.15"),
    (5, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"),
    (4, "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"),
    (13, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1.1 Mobile/15E148 Safari/604.1"),
    (11, "Mozilla/5.0 (Linux; Android 14; Pixel 8 Pro) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36"),
    (4, "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36"),
    (2, "Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.7 Mobile/15E148 Safari/604.1"),
    (3, "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
    (2, "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"),
    (1, "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)"),
    (1, "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)"),
    (1, "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)"),
    (1, "curl/8.5.0"),
    (1, "python-requests/2.32.3"),
    (1, "Go-http-client/2.0"),
    (1, "Prometheus/2.53.0"),
    (1, "-"),
]

WORDS = ("account admin archive article basket blue books camera cart catalog checkout "
         "contact deals download events faq garden gift guide help home hotel ideas index "
         "jacket kitchen lamp laptop login music news offers order outdoor phone photos "
         "press pricing privacy profile red release report review running sale search "
         "settings shoes sitemap sport store summer support team terms travel video winter").split()
ASSET_EXTS = {
    "static/js": [".js", ".min.js", ".js.map"], "static/css": [".css"],
    "assets/img": [".png", ".jpg", ".webp", ".svg", ".gif", ".ico"],
    "wp-content/themes/main": [".css", ".js", ".png"], "fonts": [".woff2", ".woff"],
    "media/cache": [".jpg", ".webp", ".mp4"],
}
ASSET_DIRS = sorted(ASSET_EXTS)
SEARCH_ENGINES = ["https://www.google.com/", "https://www.bing.com/", "https://duckduckgo.com/",
                  "https://search.yahoo.com/", "https://www.ecosia.org/"]
EXTERNAL_REFS = ["https://t.co/", "https://www.facebook.com/", "https://news.ycombinator.com/item?id=",
                 "https://www.reddit.com/r/", "https://l.instagram.com/?u=", "android-app://com.slack/"]


def parse_size(text):
    units = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper().rstrip("B").rstrip("I")
    unit = text[-1] if text and text[-1] in units else ""
    return int(float(text[: len(text) - len(unit)]) * units[unit])


def parse_span(text):
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


class Generator:
    def __init__(self, seed, sites):
        self.rnd = random.Random(seed)
        rnd = self.rnd
        self.sites = SITE_NAMES[:sites]
        # Traffic per site is skewed, as on a real shared server.
        self.site_weights = [max(1, int(100 / (i + 1) ** 0.9)) for i in range(len(self.sites))]
        agents = [ua for _, ua in BROWSERS]
        weights = [w for w, _ in BROWSERS]
        # Returning clients: each has an address, a user agent and sometimes a login.
        self.clients = []
        for n in range(40000):
            if rnd.random() < 0.15:
                address = "2a0%x:%x:%x:%x::%x" % (rnd.randint(1, 9), rnd.randint(0x1000, 0xffff),
                                                rnd.randint(0, 0xffff), rnd.randint(0, 0xffff),
                                                rnd.randint(1, 0xffff))
                if rnd.random() < 0.4:
                    address = "2001:db8:%x:%x:%x:%x:%x:%x" % tuple(rnd.randint(0, 0xffff) for _ in range(6))
            else:
                address = "%d.%d.%d.%d" % (rnd.choice([31, 46, 62, 77, 81, 88, 93, 109, 141, 151, 176,
                                                        185, 188, 193, 194, 203, 212, 213, 217]),
                                           rnd.randint(0, 255), rnd.randint(0, 255), rnd.randint(1, 254))
            user = "-"
            if rnd.random() < 0.03:
                user = rnd.choice(["alice", "bob", "carol", "deploy", "monitor", "j.smith", "m%d" % n])
            self.clients.append((address, user, rnd.choices(agents, weights)[0]))
        self.pages = []
        for _ in range(3000):
            depth = rnd.choice([1, 2, 2, 3, 3, 4])
            page = "/" + "/".join(rnd.choice(WORDS) for _ in range(depth))
            page += rnd.choice(["", "", "/", ".html", ".php", "-%d" % rnd.randint(1, 99999)])
            self.pages.append(page)
        self.assets = []
        for _ in range(600):
            folder = rnd.choice(ASSET_DIRS)
            self.assets.append("/%s/%s%s%s" % (folder, rnd.choice(WORDS),
                                               rnd.choice(["", ".min", "-%08x" % rnd.getrandbits(32)]),
                                               rnd.choice(ASSET_EXTS[folder])))
        # Each site gets its own pool of requests and referers: real logs repeat URLs a lot,
        # and drawing from pools keeps the generator at a few seconds per 100 MB.
        self.requests = {site: [self.request(site) for _ in range(20000)] for site in self.sites}
        self.referers = {site: [self.referer(site) for _ in range(3000)] for site in self.sites}

    def request(self, site):
        rnd = self.rnd
        kind = rnd.random()
        if kind < 0.45:
            target = rnd.choice(self.assets)
            if rnd.random() < 0.3:
                target += "?v=%d" % rnd.randint(100, 9999)
        elif kind < 0.75:
            target = rnd.choice(self.pages)
            if rnd.random() < 0.2:
                target += "?utm_source=%s&utm_medium=%s&utm_campaign=%s" % (
                    rnd.choice(["newsletter", "google", "facebook", "partner"]),
                    rnd.choice(["email", "cpc", "social"]), rnd.choice(WORDS))
        elif kind < 0.9:
            target = "/api/v%d/%s/%d" % (rnd.choice([1, 2, 2]), rnd.choice(WORDS), rnd.randint(1, 2000000))
            if rnd.random() < 0.5:
                target += "?fields=%s,%s&limit=%d" % (rnd.choice(WORDS), rnd.choice(WORDS), rnd.choice([10, 20, 50, 100]))
        else:
            terms = "+".join(rnd.choice(WORDS) for _ in range(rnd.randint(1, 4)))
            target = "/search?q=%s&page=%d" % (terms, rnd.randint(1, 5))
            if rnd.random() < 0.2:
                target += "&lang=%s" % rnd.choice(["en", "de", "fr", "zh-CN", "pt-BR"])
        r = rnd.random()
        method = "GET" if r < 0.88 else "POST" if r < 0.96 else "HEAD" if r < 0.98 else rnd.choice(
            ["PUT", "DELETE", "OPTIONS", "PATCH"])
        protocol = "HTTP/2.0" if rnd.random() < 0.45 else "HTTP/1.1"
        return "%s %s %s" % (method, target, protocol), target

    def status_and_size(self, target):
        rnd = self.rnd
        r = rnd.random()
        if r < 0.74:
            status = 200
        elif r < 0.86:
            status = 304
        elif r < 0.89:
            status = 302
        elif r < 0.91:
            status = 301
        elif r < 0.96:
            status = 404
        elif r < 0.97:
            status = 206
        elif r < 0.98:
            status = 204
        elif r < 0.99:
            status = 403
        else:
            status = rnd.choice([500, 502, 503, 401, 400, 429])
        if status in (304, 204) or (status in (301, 302) and rnd.random() < 0.5):
            return status, "-"
        if target.startswith(("/static", "/assets", "/media", "/fonts")):
            return status, str(int(rnd.lognormvariate(9.5, 1.3)))
        return status, str(int(rnd.lognormvariate(8.5, 1.1)))

    def referer(self, site):
        rnd = self.rnd
        r = rnd.random()
        if r < 0.28:
            return "-"
        if r < 0.78:
            return "https://%s%s" % (site.lower(), rnd.choice(self.pages))
        if r < 0.93:
            return rnd.choice(SEARCH_ENGINES)
        return rnd.choice(EXTERNAL_REFS) + "%x" % rnd.getrandbits(40)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out")
    parser.add_argument("--bytes", default="2G", help="approximate size of OUT (K/M/G suffix, binary)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start", default="2026-11-26T00:00:00", help="%%t of the first line (UTC)")
    parser.add_argument("--span", default="24h", help="time covered by the log (s/m/h/d suffix)")
    parser.add_argument("--vhost-out", help="also write the lines with a leading %%v field here")
    parser.add_argument("--sites", type=int, default=9, help="number of virtual hosts (1-%d)" % len(SITE_NAMES))
    args = parser.parse_args()
    if not 1 <= args.sites <= len(SITE_NAMES):
        parser.error("--sites must be between 1 and %d" % len(SITE_NAMES))

    target = parse_size(args.bytes)
    start = calendar.timegm(time.strptime(args.start, "%Y-%m-%dT%H:%M:%S"))
    span = parse_span(args.span)
    estimated_lines = max(1, target // 250)
    gen = Generator(args.seed, args.sites)
    rnd = gen.rnd

    out = open(args.out, "wb", buffering=1 << 20)
    vout = open(args.vhost_out, "wb", buffering=1 << 20) if args.vhost_out else None
    written = vhost_written = lines = 0
    last_second = None
    stamp = ""
    batch, vbatch = [], []
    while written < target:
        second = start + min(span - 1, lines * span // estimated_lines) if span > 0 else start
        if second != last_second:
            tm = time.gmtime(second)
            stamp = "[%02d/%s/%04d:%02d:%02d:%02d +0000]" % (tm.tm_mday, MONTHS[tm.tm_mon - 1], tm.tm_year,
                                                            tm.tm_hour, tm.tm_min, tm.tm_sec)
            last_second = second
        # A few clients make most requests (heavy tail), as on a real server.
        address, user, agent = gen.clients[int((rnd.paretovariate(1.1) - 1.0) * 60) % len(gen.clients)]
        site = rnd.choices(gen.sites, gen.site_weights)[0]
        request, target_path = rnd.choice(gen.requests[site])
        status, size = gen.status_and_size(target_path)
        line = '%s - %s %s "%s" %d %s "%s" "%s"\n' % (address, user, stamp, request, status, size,
                                                      rnd.choice(gen.referers[site]), agent)
        data = line.encode()
        batch.append(data)
        written += len(data)
        if vout is not None:
            vdata = site.encode() + b" " + data
            vbatch.append(vdata)
            vhost_written += len(vdata)
        lines += 1
        if len(batch) >= 4096:
            out.write(b"".join(batch))
            batch.clear()
            if vout is not None:
                vout.write(b"".join(vbatch))
                vbatch.clear()
    out.write(b"".join(batch))
    out.close()
    if vout is not None:
        vout.write(b"".join(vbatch))
        vout.close()
    with open(args.out + ".meta", "w") as meta:
        meta.write("lines=%d\nbytes=%d\nvhost_bytes=%d\nfirst_time=%d\nlast_time=%d\nsites=%s\n" % (
            lines, written, vhost_written, start, last_second, ",".join(gen.sites)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
