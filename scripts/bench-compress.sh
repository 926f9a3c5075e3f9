#!/usr/bin/env bash
# Side-by-side compression benchmark: `logdump compress` (libzstd / zlib in-process, files in parallel)
# against the command-line tools on the same day of hourly files, in the same rounds:
#   zstd -3 -T0    vs  logdump compress --format zstd --level 3
#   pigz -6        vs  logdump compress --format gzip --level 6     (gzip -6 shown as well)
# Prints per tool the median wall time, MB/s, CPU seconds, compression ratio (output/input), and the
# median of per-round speed ratios (tool time / logdump time: >= 1.0 means logdump is as fast or faster).
#
#   scripts/bench-compress.sh               # ~500 MB in 24 hourly files, 3 rounds
#   scripts/bench-compress.sh --quick       # ~100 MB, 2 rounds
#   options: --bytes N (e.g. 1G) --rounds N --logdump PATH (skip the release build) --data DIR
#
# The data is generated once by scripts/gen-combined-log.py into bench-data/ (git-ignored) and split into
# 24 files named access_log.2026112600 ... 23. Outputs are written next to them and deleted after each run;
# every output is checked once with `zstd -t` / `gzip -t`.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bytes=500M
rounds=3
logdump=""
data_dir="$repo/bench-data/compress"

while [ $# -gt 0 ]; do
    case "$1" in
        --quick) bytes=100M; rounds=2 ;;
        --bytes) bytes=$2; shift ;;
        --rounds) rounds=$2; shift ;;
        --logdump) logdump=$2; shift ;;
        --data) data_dir=$2; shift ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 1 ;;
    esac
    shift
done

for tool in zstd pigz gzip python3; do
    command -v "$tool" >/dev/null || { echo "bench-compress: $tool is missing (apt-get install -y $tool)" >&2; exit 1; }
done

if [ -z "$logdump" ]; then
    echo "building logdump (release)..." >&2
    (cd "$repo" && swift build -c release --product logdump --scratch-path "${SCRATCH:-$repo/.build-bench}" >&2)
    logdump="${SCRATCH:-$repo/.build-bench}/release/logdump"
fi

day="$data_dir/$bytes"
if [ ! -f "$day/done" ]; then
    echo "generating $bytes of access log into $day..." >&2
    rm -rf "$day" && mkdir -p "$day"
    python3 "$repo/scripts/gen-combined-log.py" "$day/all.log" --bytes "$bytes" >&2
    (cd "$day" && split -n l/24 -d -a 2 all.log access_log.20261126 && rm -f all.log all.log.meta)
    touch "$day/done"
fi
files=("$day"/access_log.20261126??)
input_bytes=$(cat "${files[@]}" | wc -c)
cores=$(nproc)
echo "input: ${#files[@]} files, $input_bytes bytes; $cores cores; $rounds rounds; logdump: $logdump"

clean() { rm -f "$day"/*.zst "$day"/*.gz; }

# name | output extension | command
tools=(
    "zstd -3 -T0|zst|zstd -3 -T0 -q -f ${files[*]}"
    "logdump zstd -3|zst|$logdump compress --format zstd --level 3 ${files[*]}"
    "logdump zstd -3 +verify|zst|$logdump compress --format zstd --level 3 --verify ${files[*]}"
    "pigz -6|gz|pigz -6 -k -f ${files[*]}"
    "logdump gzip -6|gz|$logdump compress --format gzip --level 6 ${files[*]}"
    "logdump gzip -6 +verify|gz|$logdump compress --format gzip --level 6 --verify ${files[*]}"
    "gzip -6|gz|gzip -6 -k -f ${files[*]}"
)

results=$(mktemp)
trap 'rm -f "$results"; clean' EXIT
clean
for round in $(seq 1 "$rounds"); do
    for entry in "${tools[@]}"; do
        IFS='|' read -r name ext command <<<"$entry"
        clean
        start=$(date +%s.%N)
        cpu=$( { /usr/bin/time -f "%U %S" bash -c "$command" >/dev/null; } 2>&1 | tail -1)
        end=$(date +%s.%N)
        out=$(cat "$day"/*."$ext" | wc -c)
        if [ "$round" = 1 ]; then
            for f in "$day"/*."$ext"; do
                if [ "$ext" = zst ]; then zstd -tq "$f"; else gzip -t "$f"; fi || { echo "$name: $f does not test OK" >&2; exit 1; }
            done
        fi
        echo "$round|$name|$(echo "$end - $start" | bc -l)|$cpu|$out" >>"$results"
        echo "  round $round: $name $(echo "$end - $start" | bc -l | cut -c1-6)s" >&2
    done
done

python3 - "$results" "$input_bytes" <<'PY'
import sys, statistics
rows = [l.strip().split("|") for l in open(sys.argv[1]) if l.strip()]
inp = int(sys.argv[2])
by = {}
for rnd, name, wall, cpu, out in rows:
    u, s = (float(x) for x in cpu.split())
    by.setdefault(name, []).append((int(rnd), float(wall), u + s, int(out)))
def per_round(name, i=1):
    return {v[0]: v[i] for v in by[name]}
pairs = {"zstd -3 -T0": ["logdump zstd -3", "logdump zstd -3 +verify"],
         "pigz -6": ["logdump gzip -6", "logdump gzip -6 +verify"],
         "gzip -6": ["logdump gzip -6"]}
print(f"{'tool':26} {'median s':>9} {'MB/s':>8} {'CPU s':>7} {'ratio':>7}")
for name, vals in by.items():
    wall = statistics.median(v[1] for v in vals)
    cpu = statistics.median(v[2] for v in vals)
    out = vals[0][3]
    print(f"{name:26} {wall:9.3f} {inp / wall / 1e6:8.1f} {cpu:7.2f} {out / inp:7.4f}")
print()
print("speed ratio = reference time / logdump time in the same round (median over rounds); >= 1.0 is as fast or faster")
for ref, ours in pairs.items():
    for o in ours:
        r, l = per_round(ref), per_round(o)
        ratios = [r[k] / l[k] for k in r if k in l]
        rc, lc = per_round(ref, 2), per_round(o, 2)
        cpu = [rc[k] / lc[k] for k in rc if k in lc]
        print(f"  {o:26} vs {ref:12}: {statistics.median(ratios):.2f}x wall, {statistics.median(cpu):.2f}x CPU")
print("(on a machine shared with other work, wall ratios are noisy: CPU ratios show the work done per byte)")
PY
