#!/usr/bin/env bash
# The main job on a built-in sample: Apache-style traffic for two containers and four sites goes through
# logsplit (three past hours and the current one), then logdump ships the closed hours to a local
# "central storage" directory, verifies them and removes the originals. The tree is printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(swift build --show-bin-path)
out=${DEMO_OUT:-$PWD/demo-out}
rm -rf "$out"
mkdir -p "$out/central" "$out/state"

# Apache "vcombined" lines: %v first, then the combined format, with a sequence number in the URL.
traffic() {  # traffic COUNT FIRST_SEQUENCE EPOCH
  local count=$1 seq=$2 epoch=$3 sites=(www tuan static event)
  local stamp
  stamp=$(date -u -d "@$epoch" '+%d/%b/%Y:%H:%M:%S +0000')
  for ((i = 0; i < count; i++)); do
    local site=${sites[$(( (seq + i) % 4 ))]}
    printf '%s 203.0.113.%d - - [%s] "GET /%s/item/%d HTTP/1.1" 200 %d "https://%s.example.com/" "Mozilla/5.0 (demo)"\n' \
      "$site" $(( (seq + i) % 250 + 1 )) "$stamp" "$site" $(( seq + i )) $(( 200 + (seq + i) % 5000 )) "$site"
  done
}

now=$(date -u +%s)
sequence=0
for container in web1 web2; do
  for hours_ago in 3 2 1 0; do
    epoch=$(( now - hours_ago * 3600 ))
    start=$(date -u -d "@$epoch" '+%d %b %Y %H:%M:%S')
    traffic 250 $sequence "$epoch" | "$bin/logsplit" -z UTC -s "$start" --site-field \
      "$out/containers/$container/weblogs/{site}/access_log.%Y%m%d%H" 2>>"$out/logsplit.stderr"
    sequence=$(( sequence + 250 ))
  done
done
echo "logsplit wrote $sequence lines:"
find "$out/containers" -type f | sort | sed "s|^$out/||"

cat > "$out/logdump.toml" <<TOML
[general]
host = "demo-host"
state_directory = "$out/state"

[sources]
roots = ["$out/containers/{container}/weblogs/{site}"]
template = "access_log.%Y%m%d%H"
time_zone = "UTC"
grace = "1min"
quiet = "0sec"

[compression]
format = "zstd"

[destination]
type = "directory"
path = "$out/central"
key = "{host}/{container}/{site}/%Y/%m/%d/{name}.{ext}"
TOML

echo
echo "logdump run (ships the closed hours; the current hour stays until it closes):"
"$bin/logdump" run --config "$out/logdump.toml"
echo
"$bin/logdump" status --config "$out/logdump.toml" || true
echo
echo "Tree after the run:"
( cd "$out" && find containers central -type f -printf '%p  %s bytes\n' | sort )
echo
shipped=$(find "$out/central" -name '*.zst' -exec zstd -dc {} + 2>/dev/null | wc -l || true)
echo "lines in central storage (decompressed): $shipped; the current hour's lines are still local."
