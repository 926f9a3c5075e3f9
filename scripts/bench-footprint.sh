#!/usr/bin/env bash
# Memory per idle piped logger, side by side: N loggers of each tool (the real cronolog, logsplit and any
# other logsplit build given with --logsplit), each on its own pipe, as Apache runs one per CustomLog line.
# One line goes into every logger; once every line is on disk the loggers sit idle in read(2), and
# /proc/PID/smaps_rollup of each is read. Prints per tool the median RSS, PSS and private dirty memory per
# process (PSS shares each shared page among the processes mapping it, so the sum of PSS is what the N
# loggers cost together) and how many such loggers fit in 1 GiB (1024 MiB / median PSS).
#
#   scripts/bench-footprint.sh                       # 20 loggers each: cronolog and logsplit (release, static stdlib)
#   scripts/bench-footprint.sh --loggers 50 --logsplit before=/tmp/old/logsplit --logsplit after=.build-fp/release/logsplit
#   scripts/bench-footprint.sh --maps                # also: where one logsplit's memory goes, mapping by mapping
#   scripts/bench-footprint.sh --help
#
# The loggers of all tools run at the same time, interleaved, so they see the same machine. Output goes to
# a private directory under /dev/shm (or /tmp) that is removed at exit; the loggers are ended by their ids.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
loggers=20
cronolog=/usr/bin/cronolog
builds=()
maps=0
extra_args=()
settle=1
lines=1

usage() {
    cat <<EOF
usage: scripts/bench-footprint.sh [options]
  --loggers N          loggers per tool (default $loggers)
  --logsplit [NAME=]PATH  a logsplit binary to measure (repeatable; default: build release with
                       --static-swift-stdlib into .build-footprint and measure it as "logsplit")
  --cronolog PATH      the cronolog to compare with (default $cronolog; "none" to skip)
  --args "ARGS"        extra logsplit options, e.g. "--site-field" (the template then gets {site})
  --settle S           seconds to wait after the last line is on disk before reading smaps (default $settle)
  --lines N            lines written into each logger, one write each, 10 ms apart (default $lines): more
                       than one shows a logger that keeps working, not one that got a single line
  --maps               also print one logsplit's memory mapping by mapping (the first --logsplit)
EOF
}

while [ $# -gt 0 ]; do
    case "$1" in
        --loggers) loggers=$2; shift 2 ;;
        --logsplit) builds+=("$2"); shift 2 ;;
        --cronolog) cronolog=$2; shift 2 ;;
        --args) read -r -a extra_args <<<"$2"; shift 2 ;;
        --settle) settle=$2; shift 2 ;;
        --lines) lines=$2; shift 2 ;;
        --maps) maps=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench-footprint: unknown option '$1'" >&2; usage >&2; exit 1 ;;
    esac
done

die() { echo "bench-footprint: $*" >&2; exit 1; }
command -v python3 >/dev/null || die "python3 is missing: apt-get install -y python3"
if [ "$cronolog" != none ]; then
    [ -x "$cronolog" ] || die "no cronolog at $cronolog: apt-get install -y cronolog"
fi
if [ ${#builds[@]} -eq 0 ]; then
    echo "building logsplit (release, --static-swift-stdlib, scratch path .build-footprint)..." >&2
    (cd "$repo" && swift build -c release --static-swift-stdlib --product logsplit --scratch-path .build-footprint >&2)
    builds=("logsplit=$repo/.build-footprint/release/logsplit")
fi

if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] && [ -w /dev/shm ]; then base=/dev/shm; else base=/tmp; fi
work=$(mktemp -d "$base/logsplit-footprint.XXXXXX")
pids=()
fds=()
cleanup() {
    local pid fd
    # Closing the write ends is EOF for every logger: logsplit then exits at once (after SIGTERM it would
    # keep reading until EOF, up to its drain timeout).
    for fd in "${fds[@]}"; do exec {fd}>&- 2>/dev/null || true; done
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# tools: NAME<TAB>PATH
tools=()
[ "$cronolog" = none ] || tools+=("cronolog	$cronolog")
for b in "${builds[@]}"; do
    if [[ "$b" == *=* ]]; then name=${b%%=*}; path=${b#*=}; else name=$(basename "$(dirname "$b")")/logsplit; path=$b; fi
    [ -x "$path" ] || die "no logsplit binary at $path"
    tools+=("$name	$path")
done

# A binary written moments ago has dirty page-cache pages, which smaps counts as private dirty in the one
# process that maps them: write it back first.
for t in "${tools[@]}"; do sync "${t#*	}" 2>/dev/null || true; done

site=0
for a in "${extra_args[@]}"; do [ "$a" = --site-field ] && site=1; done

table="$work/pids.tsv"
: >"$table"
# Start the loggers interleaved: logger i of every tool, then logger i+1.
for ((i = 0; i < loggers; i++)); do
    for t in "${tools[@]}"; do
        name=${t%%	*}; path=${t#*	}
        dir="$work/out/${name//\//_}/$i"
        mkdir -p "$dir"
        fifo="$work/fifo.${name//\//_}.$i"
        mkfifo "$fifo"
        if [ "$name" = cronolog ]; then
            "$path" "$dir/access_log.%Y%m%d%H" <"$fifo" 2>/dev/null &
        elif [ "$site" = 1 ]; then
            "$path" "${extra_args[@]}" "$dir/{site}/access_log.%Y%m%d%H" <"$fifo" 2>/dev/null &
        else
            "$path" "${extra_args[@]}" "$dir/access_log.%Y%m%d%H" <"$fifo" 2>/dev/null &
        fi
        pid=$!
        pids+=("$pid")
        exec {fd}>"$fifo"   # the write end stays open: the logger stays idle in read(2)
        fds+=("$fd")
        printf '%s\t%s\t%s\t%s\n' "$name" "$pid" "$fd" "$dir" >>"$table"
    done
done

line='www.example.com 192.0.2.7 - - [26/Nov/2026:10:00:00 +0000] "GET /index.html HTTP/1.1" 200 512 "-" "curl/8.5.0"'
for ((n = 0; n < lines; n++)); do
    while IFS=$'\t' read -r name pid fd dir; do
        if [ "$site" = 1 ]; then printf '%s\n' "$line" >&"$fd"; else printf '%s\n' "${line#* }" >&"$fd"; fi
    done <"$table"
    [ "$lines" = 1 ] || sleep 0.01
done

# Wait until every logger has written its line.
deadline=$((SECONDS + 30))
while :; do
    missing=0
    while IFS=$'\t' read -r name pid fd dir; do
        n=$(find "$dir" -type f -name 'access_log.*' -exec cat {} + 2>/dev/null | wc -l)
        [ "$n" -ge "$lines" ] || missing=$((missing + 1))
    done <"$table"
    [ "$missing" = 0 ] && break
    [ $SECONDS -lt $deadline ] || die "$missing loggers did not write their line within 30 s"
    sleep 0.2
done
sleep "$settle"

load=$(cut -d' ' -f1-3 /proc/loadavg)
MAPS=$maps LOAD=$load LOGGERS=$loggers LINES=$lines python3 - "$table" <<'EOF'
import collections, os, statistics, sys

def rollup(pid):
    values = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and parts[0].endswith(":") and parts[1].isdigit():
                values[parts[0][:-1]] = int(parts[1])
    return values

rows = collections.OrderedDict()
first_pid = {}
for line in open(sys.argv[1]):
    name, pid, fd, out = line.rstrip("\n").split("\t")
    rows.setdefault(name, []).append(rollup(pid))
    first_pid.setdefault(name, pid)

print(f"\n{os.environ['LOGGERS']} idle loggers per tool, {os.environ['LINES']} line(s) each; load average {os.environ['LOAD']}\n")
print("| tool | RSS MiB | PSS MiB | private dirty MiB (KiB) | loggers per GiB (by PSS) |")
print("|---|---|---|---|---|")
for name, rs in rows.items():
    med = lambda k: statistics.median(r[k] for r in rs) / 1024
    pss = med("Pss")
    dirty = med("Private_Dirty")
    print(f"| {name} | {med('Rss'):.2f} | {pss:.2f} | {dirty:.2f} ({dirty * 1024:.0f}) | {1024 / pss:,.0f} |")

if os.environ.get("MAPS") == "1":
    names = [n for n in rows if n != "cronolog"]
    for name in names[:1]:
        pid = first_pid[name]
        exe = os.path.realpath(f"/proc/{pid}/exe")
        print(f"\nWhere one `{name}` logger's memory goes (pid {pid}; KiB; shared pages counted in PSS by share):\n")
        print("| mapping | perms | size | RSS | PSS | private dirty |")
        print("|---|---|---|---|---|---|")
        cur = None
        maps = []
        with open(f"/proc/{pid}/smaps") as f:
            for line in f:
                parts = line.split()
                if "-" in parts[0] and len(parts) >= 5 and not parts[0].endswith(":"):
                    lo, hi = (int(x, 16) for x in parts[0].split("-"))
                    path = parts[5] if len(parts) > 5 else "[anon]"
                    cur = {"path": path, "perms": parts[1], "size": (hi - lo) // 1024, "Rss": 0, "Pss": 0, "Private_Dirty": 0}
                    maps.append(cur)
                elif parts[0].rstrip(":") in ("Rss", "Pss", "Private_Dirty") and cur is not None:
                    cur[parts[0].rstrip(":")] = int(parts[1])
        total = collections.Counter()
        for m in maps:
            if m["Rss"] == 0:
                continue
            label = m["path"]
            if os.path.realpath(label) == exe:
                label = "logsplit binary"
            else:
                label = os.path.basename(label)
            print(f"| {label} | {m['perms']} | {m['size']} | {m['Rss']} | {m['Pss']} | {m['Private_Dirty']} |")
            for k in ("Rss", "Pss", "Private_Dirty"):
                total[k] += m[k]
        print(f"| total | | | {total['Rss']} | {total['Pss']} | {total['Private_Dirty']} |")
EOF
