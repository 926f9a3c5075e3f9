#!/usr/bin/env bash
# The whole `logdump tail` (release build), measured against rsyslog's own file forwarder in one run, to one private
# rsyslog receiver on loopback (issue 10). Phases (--phases, comma-separated, in this order):
#
#   throughput  Closed hour files (--bytes, default 250M, about a million combined-log lines, cut into --files 24
#               hour files of 2026-11-26 under <root>/c1/weblogs/www/access_log.YYYYMMDDHH) sent by:
#                 1. logdump tail over RELP  (imrelp on the receiver; every line answered `rsp 200`)
#                 2. logdump tail over TCP   (imptcp; RFC 5424, octet counting)
#                 3. rsyslog imfile + omfwd  (a second rsyslogd reading the same files; TCP, octet-counted)
#                 4. rsyslog imfile + omrelp (the same, RELP, with --lag-forwarder-params: RELP against RELP)
#               Each is timed from its start (fresh state, process start-up included) until the receiver has
#               written every line: its output (`%msg%` and a newline per message) reaches the input's size, and
#               the line count is checked afterwards. Reported per contestant: wall, lines/s, sender CPU
#               (user+sys from /proc at that moment) per line, sender peak RSS (VmHWM), receiver CPU; and the
#               ratios of lines/s to rsyslog's forwarder (> 1.0x: faster). --rounds N repeats, order rotated.
#               --receiver-queue main (default: rsyslog's in-memory main queue, as in bench-tail-wire.sh; imrelp
#               answers once a message is queued) or direct (as Config/rsyslog/logsplit-receiver.conf: the input
#               thread writes the message before imrelp answers, no hand-off between threads).
#   lag         Live lag: scripts/pacedfeed.c writes --lag-rate lines/s (default 20000) for --lag-seconds (40),
#               one write(2) per line, each stamped with its write time (" wt=<unix us>" appended), into logsplit
#               (release) writing <root>/c1/weblogs/www/access_log.%Y%m%d%H. Following that file at the same time:
#               logdump tail over RELP, and rsyslog imfile + --lag-forwarder (omrelp, omfwd or none) with
#               --lag-forwarder-params (default 'windowSize="1024"'; with its defaults, window 128, omrelp forwarded
#               about 2,000 lines/s here, its sessions breaking again and again, and its lag grew without bound;
#               pass '' for the defaults). The receiver's lag rulesets run with a direct queue (answered = written)
#               and record the receipt time (%timegenerated%, microseconds) and the message's TIMESTAMP (both
#               forwarders stamp their read time there): lag = receipt - wt, split into write -> read and
#               read -> receipt. Reported: lines received (a line sent twice counts once, at its first receipt),
#               p50/p95/p99/p99.9/max over every line written (a line that never arrived is "missing"), the worst
#               seconds of the run, the CPU of each process. --lag-fault (comma-separated; default restart,disk;
#               none for the clean run only) adds runs with a fault: restart kills the receiver (SIGKILL) halfway
#               and starts it again 2 s later (the bench then waits up to 30 s for tail and 75 s for rsyslog
#               without a new line before it reports what arrived); disk writes 3 x 1.5 GB with fsync to the disk
#               of bench-data/ from a quarter of the run on (another busy writer on the machine).
#               logsplit writes under bench-data/ (the disk, as in production) unless --lag-dir DIR: on this VM's
#               ext4 (commit=5), logsplit's write(2) to the hour file stalled for 200-230 ms about every 5 s while
#               other builds wrote to the same disk, and both forwarders saw those lines that late; --lag-dir
#               /dev/shm takes the file system out (tail's checkpoints stay on the disk).
#   backlog     Peak RSS with a backlog: --backlog (default 10G) of closed hour files (copies of the generated
#               file, made once, each last modified at its hour's end), tail over TCP to a receiver that discards
#               (`stop`). Timed until tail's checkpoint file (saved at most once a second) says every byte of every
#               file was acknowledged; the time until every file is also marked finished is printed too.
#               Reported: wall, MB/s, lines/s, CPU per line, VmHWM. The files are deleted at the end unless --keep.
#               They are fresh, so mostly in the page cache (23 GiB RAM here): this measures tail, not the disk.
#   profile     Where imrelp's time goes: one more RELP run of the throughput files; the receiver's CPU per
#               thread, then 5 s of `perf record -g` and 3 s of `strace -c -f` on the receiver (system calls per
#               message written meanwhile). Not in the default --phases.
#
#   scripts/bench-tail.sh [--phases throughput,lag,backlog,profile] [--bytes 250M] [--files 24] [--rounds 1]
#                         [--lag-rate 20000] [--lag-seconds 40] [--lag-forwarder omrelp|omfwd|none]
#                         [--lag-forwarder-params 'windowSize="1024"'] [--lag-fault restart,disk|none]
#                         [--lag-dir DIR] [--backlog 10G] [--receiver-queue main|direct]
#                         [--logdump PATH --logsplit PATH]
#                         [--tree DIR] [--keep]
#
# Build: unless --logdump and --logsplit are given, both are built in release from a snapshot of HEAD (a git
# worktree, --tree, default /tmp/bench-tail-tree, moved to HEAD when it is elsewhere) into .build-bench-tail, so
# that uncommitted edits in the working tree are neither measured nor compiled. Data and outputs go to
# bench-data/tail/ (never committed). A full default run takes about 12 minutes on 2 cores (the 10 GB are copied
# once per run, in about 30 s, and removed at the end). The machine may be shared: the one-minute load average is printed with
# every figure; compare ratios from the same run. Needs: rsyslog rsyslog-relp, python3, gcc, bc, jq, swift;
# perf or strace for --phases profile.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
phases=throughput,lag,backlog bytes=250M files=24 rounds=1
lag_rate=20000 lag_seconds=40 lag_forwarder=omrelp lag_params='windowSize="1024"' lag_fault=restart,disk
backlog=10G receiver_queue=main lag_dir="" lag_dir_made=""
logdump="" logsplit="" tree=/tmp/bench-tail-tree keep=0
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --phases) phases=$2; shift 2;;
    --bytes) bytes=$2; shift 2;;
    --files) files=$2; shift 2;;
    --rounds) rounds=$2; shift 2;;
    --lag-rate) lag_rate=$2; shift 2;;
    --lag-seconds) lag_seconds=$2; shift 2;;
    --lag-forwarder) lag_forwarder=$2; shift 2;;
    --lag-forwarder-params) lag_params=$2; shift 2;;
    --lag-fault) lag_fault=$2; shift 2;;
    --receiver-queue) receiver_queue=$2; shift 2;;
    --lag-dir) lag_dir=$2; shift 2;;
    --backlog) backlog=$2; shift 2;;
    --logdump) logdump=$2; shift 2;;
    --logsplit) logsplit=$2; shift 2;;
    --tree) tree=$2; shift 2;;
    --keep) keep=1; shift;;
    -h|--help) usage; exit 0;;
    *) usage >&2; exit 2;;
  esac
done
has_phase() { case ",$phases," in *",$1,"*) return 0;; *) return 1;; esac; }
. "$repo/scripts/bench-tail-lib.sh"
work="$repo/bench-data/tail"
mkdir -p "$work"
note() { echo "[$(date -u +%H:%M:%S) load $(bench_load)] $*" >&2; }

# --- binaries ---------------------------------------------------------------------------------------------------
if [ -z "$logdump" ] || [ -z "$logsplit" ]; then
  head=$(git -C "$repo" rev-parse HEAD)
  if [ ! -d "$tree" ]; then
    git -C "$repo" worktree add --detach "$tree" "$head" >/dev/null
  elif [ "$(git -C "$tree" rev-parse HEAD)" != "$head" ]; then
    git -C "$tree" checkout --detach -q "$head"
  fi
  note "building logdump and logsplit (release) from $tree at ${head:0:7}..."
  for product in logdump logsplit; do
    swift build -c release --product $product --package-path "$tree" --scratch-path "$repo/.build-bench-tail" >"$work/build-$product.log" 2>&1 \
      || { tail -30 "$work/build-$product.log" >&2; exit 1; }
  done
  bin=$(swift build -c release --package-path "$tree" --scratch-path "$repo/.build-bench-tail" --show-bin-path)
  logdump=${logdump:-$bin/logdump}; logsplit=${logsplit:-$bin/logsplit}
  built_from="release build of ${head:0:7}"
fi
feeder="$work/pacedfeed"
if [ ! -x "$feeder" ] || [ "$repo/scripts/pacedfeed.c" -nt "$feeder" ]; then cc -O2 -o "$feeder" "$repo/scripts/pacedfeed.c"; fi

# --- data -------------------------------------------------------------------------------------------------------
source_log="$work/combined-$bytes.log"
bench_generate "$source_log" "$bytes"
day="$work/day-$bytes-$files"          # <day>/c1/weblogs/www/access_log.2026112600 ...
if [ ! -s "$day/lines" ]; then
  rm -rf "$day"; mkdir -p "$day/c1/weblogs/www"
  (cd "$day/c1/weblogs/www" && split -n "l/$files" -d -a 2 "$source_log" access_log.20261126)
  for f in "$day"/c1/weblogs/www/access_log.*; do   # a closed hour file was last written at its hour's end
    h=${f##*.}; touch -d "${h:0:4}-${h:4:2}-${h:6:2} ${h:8:2}:59:59 UTC" "$f"
  done
  wc -l < "$source_log" > "$day/lines"
fi
day_lines=$(cat "$day/lines")
day_bytes=$(du -cb "$day"/c1/weblogs/www/access_log.* | tail -1 | cut -f1)

# --- the receiver -----------------------------------------------------------------------------------------------
bench_pick_ports 8
base=$BENCH_BASE
p_relp=$base p_tcp=$((base + 1)) p_imfile=$((base + 2)) p_lag_tail=$((base + 3)) p_lag_relp=$((base + 4))
p_lag_tcp=$((base + 5)) p_discard=$((base + 6)) p_omrelp=$((base + 7))
rdir="$work/receiver"; rm -rf "$rdir"; mkdir -p "$rdir/work"
{
  bench_receiver_header "$rdir"
  queue=""; [ "$receiver_queue" = direct ] && queue='queue.type="direct"'
  bench_receiver_contestant relp imrelp $p_relp "$rdir/relp.log" bench_msg "$queue"
  bench_receiver_contestant tcp imptcp $p_tcp "$rdir/tcp.log" bench_msg "$queue"
  bench_receiver_contestant imfile imptcp $p_imfile "$rdir/imfile.log" bench_msg "$queue"
  bench_receiver_contestant omrelp imrelp $p_omrelp "$rdir/omrelp.log" bench_msg "$queue"
  direct='queue.type="direct"'   # lag: a RELP answer means written, so a receiver killed mid-run loses nothing answered
  bench_receiver_contestant lag_tail imrelp $p_lag_tail "$rdir/lag-tail.log" bench_lag "$direct"
  bench_receiver_contestant lag_rsyslog_relp imrelp $p_lag_relp "$rdir/lag-rsyslog.log" bench_lag "$direct"
  bench_receiver_contestant lag_rsyslog_tcp imptcp $p_lag_tcp "$rdir/lag-rsyslog.log" bench_lag "$direct"
  bench_receiver_contestant discard imptcp $p_discard discard
} > "$rdir/rsyslog.conf"
receiver="" pids=()
# Stops PIDs this script started and waits for them; only those still listed in pids are signalled, so a pid the
# system gave to another process after ours ended is never touched.
finish() {
  local p q keep_list=()
  for p in "$@"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "$@"; do wait "$p" 2>/dev/null || true; done
  for q in "${pids[@]}"; do
    local ended=0
    for p in "$@"; do [ "$p" = "$q" ] && ended=1; done
    [ $ended = 1 ] || keep_list+=("$q")
  done
  pids=("${keep_list[@]}")
}
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "$receiver" ] && kill "$receiver" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ $keep = 0 ]; then
    rm -rf "$rdir" "$work/run" "$work/backlog-root" ${lag_dir:+"$lag_dir/lag-root"}
    [ -n "$lag_dir_made" ] && rmdir "$lag_dir" 2>/dev/null || true
  fi
}
trap cleanup EXIT
start_receiver() {
  bench_rsyslogd_start "$rdir" $p_relp $p_tcp $p_imfile $p_lag_tail $p_lag_relp $p_lag_tcp $p_discard $p_omrelp
  receiver=$BENCH_PID
}
start_receiver
# The receiver's output files are reopened after a SIGHUP: removed between runs, they start empty again.
reset_outputs() { rm -f "$@"; kill -HUP "$receiver"; sleep 0.5; }

# Writes a logdump configuration for NAME (state in $work/run/NAME) following ROOT, sending to RECEIVER.
tail_config() {
  local name=$1 root=$2 receiver_url=$3 dir="$work/run/$1"
  rm -rf "$dir"; mkdir -p "$dir/state" "$dir/dest"
  cat > "$dir/logdump.toml" <<EOF
[general]
host = "bench"
state_directory = "$dir/state"
[sources]
roots = ["$root/{container}/weblogs/{site}"]
template = "access_log.%Y%m%d%H"
time_zone = "UTC"
[destination]
path = "$dir/dest"
[tail]
receiver = "$receiver_url"
EOF
  echo "$dir/logdump.toml"
}

results=()
row() { results+=("$*"); echo "$*"; }

# --- 1. throughput ----------------------------------------------------------------------------------------------
if has_phase throughput; then
  note "throughput: $day_lines lines, $day_bytes bytes in $files closed hour files; receiver queue: $receiver_queue"
  order=(relp tcp imfile omrelp)
  declare -A lps
  for round in $(seq 1 "$rounds"); do
    for contestant in "${order[@]}"; do
      out="$rdir/$contestant.log"
      reset_outputs "$out"
      load=$(bench_load); rcpu0=$(bench_cpu_of "$receiver")
      start=$EPOCHREALTIME
      if [ "$contestant" = imfile ]; then
        bench_imfile_forwarder_start "$work/run/imfile" "$day/c1/weblogs/www/access_log.*" omfwd $p_imfile
        pid=$BENCH_PID; name="rsyslog imfile+omfwd tcp"
      elif [ "$contestant" = omrelp ]; then
        bench_imfile_forwarder_start "$work/run/omrelp" "$day/c1/weblogs/www/access_log.*" omrelp $p_omrelp "$lag_params"
        pid=$BENCH_PID; name="rsyslog imfile+omrelp"
      else
        port=$p_relp; [ "$contestant" = tcp ] && port=$p_tcp
        cfg=$(tail_config "$contestant" "$day" "$contestant://127.0.0.1:$port")
        "$logdump" tail -c "$cfg" 2>"$work/run/$contestant/tail.log" </dev/null &
        pid=$!; name="logdump tail $contestant"
      fi
      pids+=("$pid")
      wall=$(bench_await_bytes "$out" "$day_bytes" "$start" 30) || { echo "$name: $wall" >&2; exit 1; }
      cpu=$(bench_cpu_of "$pid"); rss=$(bench_hwm_mib "$pid"); rcpu=$(echo "$(bench_cpu_of "$receiver") - $rcpu0" | bc -l)
      finish "$pid"
      got=$(wc -l < "$out")
      [ "$got" = "$day_lines" ] || echo "warning: the receiver wrote $got lines for $name (expected $day_lines)" >&2
      lps[$round.$contestant]=$(echo "$day_lines / $wall" | bc -l)
      row "$(printf '| %d | %-26s | %6.2f s | %7.0f | %5.2f s | %5.2f µs | %5.1f MiB | %5.2f s | %s |' "$round" "$name" "$wall" \
        "${lps[$round.$contestant]}" "$cpu" "$(echo "$cpu * 1000000 / $day_lines" | bc -l)" "$rss" "$rcpu" "$load")"
    done
    row "$(printf '| %d | ratios to imfile+omfwd (lines/s) | tail RELP %.2fx | tail TCP %.2fx | imfile+omrelp %.2fx | tail RELP / imfile+omrelp %.2fx |' "$round" \
      "$(echo "${lps[$round.relp]} / ${lps[$round.imfile]}" | bc -l)" "$(echo "${lps[$round.tcp]} / ${lps[$round.imfile]}" | bc -l)" \
      "$(echo "${lps[$round.omrelp]} / ${lps[$round.imfile]}" | bc -l)" "$(echo "${lps[$round.relp]} / ${lps[$round.omrelp]}" | bc -l)")"
    order=("${order[@]:1}" "${order[0]}")
  done
fi

# --- 2. live lag ------------------------------------------------------------------------------------------------
# One lag run; FAULT "restart": the receiver is killed (SIGKILL) halfway through and started again 2 s later.
lag_run() {
  local fault=$1 tail_pid rs_pid load0 load1 tcpu0 tcpu fcpu0 fcpu trss frss rcpu0 rcpu expected start fault_pid="" disk_pid=""
  [ -n "$lag_dir" ] && [ ! -d "$lag_dir" ] && lag_dir_made=1
  lag_root="${lag_dir:-$work/run}/lag-root"; rm -rf "$lag_root"; mkdir -p "$lag_root/c1/weblogs/www"
  reset_outputs "$rdir/lag-tail.log" "$rdir/lag-rsyslog.log"
  cfg=$(tail_config lag "$lag_root" "relp://127.0.0.1:$p_lag_tail")
  "$logdump" tail -c "$cfg" 2>"$work/run/lag/tail.log" </dev/null &
  tail_pid=$!; pids+=("$tail_pid")
  rs_pid=""
  case "$lag_forwarder" in
    omrelp) bench_imfile_forwarder_start "$work/run/lag-rsyslog" "$lag_root/c1/weblogs/www/access_log.*" omrelp $p_lag_relp "$lag_params";;
    omfwd) bench_imfile_forwarder_start "$work/run/lag-rsyslog" "$lag_root/c1/weblogs/www/access_log.*" omfwd $p_lag_tcp "$lag_params";;
  esac
  [ "$lag_forwarder" = none ] || { rs_pid=$BENCH_PID; pids+=("$rs_pid"); }
  sleep 2
  note "lag ($fault): $lag_rate lines/s for $lag_seconds s through logsplit; tail over RELP, rsyslog imfile+$lag_forwarder ($lag_params) beside it"
  load0=$(bench_load); tcpu0=$(bench_cpu_of "$tail_pid"); rcpu0=$(bench_cpu_of "$receiver")
  fcpu0=0; [ -n "$rs_pid" ] && fcpu0=$(bench_cpu_of "$rs_pid")
  if [ "$fault" = disk ]; then
    # Another writer on the disk (think: a build, a backup): 3 x 1.5 GB with fsync into bench-data/, from a quarter
    # of the run on. The followed file can be elsewhere (--lag-dir); tail's checkpoints stay on this disk.
    ( sleep "$(echo "$lag_seconds / 4" | bc -l)"
      for i in 1 2 3; do
        dd if=/dev/zero of="$work/run/lag/disk-load" bs=1M count=1500 conv=fsync 2>&1 | tail -1
      done
      rm -f "$work/run/lag/disk-load" ) > "$work/run/lag/disk-load.out" 2>&1 &
    disk_pid=$!
  fi
  if [ "$fault" = restart ]; then
    ( sleep "$(echo "$lag_seconds / 2" | bc -l)"; kill -KILL "$receiver"; echo "receiver killed at $(date -u +%T.%N)"
      sleep 2; start_receiver; echo "receiver started again at $(date -u +%T.%N), pid $receiver" ) \
      > "$work/run/lag/fault.out" 2>&1 &
    fault_pid=$!
  fi
  "$feeder" "$source_log" "$lag_rate" "$lag_seconds" 2>"$work/run/lag/feeder.out" \
    | /usr/bin/time -f '%U %S %M' -o "$work/run/lag/logsplit.time" "$logsplit" -z UTC "$lag_root/c1/weblogs/www/access_log.%Y%m%d%H"
  load1=$(bench_load)
  if [ -n "$disk_pid" ]; then wait "$disk_pid" || true; note "disk load: $(tr '\n' ';' < "$work/run/lag/disk-load.out")"; fi
  if [ -n "$fault_pid" ]; then
    wait "$fault_pid" || true; wait "$receiver" 2>/dev/null || true
    receiver=$(sed -n 's/.*, pid \([0-9]*\)$/\1/p' "$work/run/lag/fault.out")
    [ -n "$receiver" ] || { echo "the receiver did not start again:" >&2; cat "$work/run/lag/fault.out" >&2; exit 1; }
    note "$(tr '\n' ';' < "$work/run/lag/fault.out")"
    rcpu0=$(bench_cpu_of "$receiver")
  fi
  expected=$(awk '{for(i=1;i<=NF;i++) if ($i ~ /^lines=/) {sub("lines=","",$i); print $i}}' "$work/run/lag/feeder.out")
  start=$EPOCHREALTIME
  [ "$fault" = restart ] && sleep 5   # lines sent again arrive twice: the count may reach the total early
  bench_await_lines "$rdir/lag-tail.log" "$expected" "$start" 30 >/dev/null || echo "warning: tail delivered $(wc -l < "$rdir/lag-tail.log") of $expected lines" >&2
  # after a fault, rsyslog retries a suspended action only every action.resumeInterval (30 s by default)
  [ -n "$rs_pid" ] && { bench_await_lines "$rdir/lag-rsyslog.log" "$expected" "$start" 75 >/dev/null \
    || echo "warning: rsyslog imfile+$lag_forwarder delivered $(wc -l < "$rdir/lag-rsyslog.log") of $expected lines" >&2; }
  tcpu=$(echo "$(bench_cpu_of "$tail_pid") - $tcpu0" | bc -l); trss=$(bench_hwm_mib "$tail_pid")
  fcpu=0; frss=0; [ -n "$rs_pid" ] && { fcpu=$(echo "$(bench_cpu_of "$rs_pid") - $fcpu0" | bc -l); frss=$(bench_hwm_mib "$rs_pid"); }
  rcpu=$(echo "$(bench_cpu_of "$receiver") - $rcpu0" | bc -l)
  finish "$tail_pid" ${rs_pid:+"$rs_pid"}
  note "feeder: $(cat "$work/run/lag/feeder.out"); logsplit user/sys/maxrss(KiB): $(cat "$work/run/lag/logsplit.time")"
  note "CPU during the run: tail $tcpu s (RSS $trss MiB), rsyslog forwarder $fcpu s (RSS $frss MiB), receiver $rcpu s; load $load0 -> $load1"
  lag_files=("logdump tail relp=$rdir/lag-tail.log")
  [ "$fault" = restart ] && rcpu="(restarted)"
  [ -n "$rs_pid" ] && lag_files+=("rsyslog imfile+$lag_forwarder=$rdir/lag-rsyslog.log")
  lag_report=$(python3 - "$expected" "$lag_rate" "${lag_files[@]}" <<'EOF'
import sys
expected, rate = int(sys.argv[1]), float(sys.argv[2])
def pct(v, p):
    return v[min(len(v) - 1, int(p / 100 * len(v)))]
for spec in sys.argv[3:]:
    name, path = spec.split("=", 1)
    lags, reads, deliveries, per_second, seen, duplicates = [], [], [], {}, set(), 0
    with open(path, "rb") as f:
        for line in f:
            parts = line.rstrip(b"\n").split(b" ")
            key = hash(b" ".join(parts[4:]))   # a line sent again after a fault counts once, at its first receipt
            if key in seen:
                duplicates += 1
                continue
            seen.add(key)
            try:
                received = int(parts[0]) * 1_000_000 + int(parts[1])
                stamped = int(parts[2]) * 1_000_000 + int(parts[3].ljust(6, b"0")[:6])
                written = int(parts[-1][3:]) if parts[-1].startswith(b"wt=") else None
            except (ValueError, IndexError):
                continue
            if written is None:
                continue
            lag = (received - written) / 1000.0
            lags.append(lag)
            reads.append((stamped - written) / 1000.0)
            deliveries.append((received - stamped) / 1000.0)
            second = written // 1_000_000
            per_second[second] = max(per_second.get(second, 0.0), lag)
    received = len(lags)
    if not lags:
        print(f"| {name} | no lines |")
        continue
    # A line that never arrived (by the end of the wait) is later than every line that did: percentiles are over
    # every line written, and print "missing" where they fall on such a line.
    lags.sort()
    lags += [float("inf")] * max(0, expected - received)
    show = lambda v: "missing" if v == float("inf") else f"{v:.1f}"
    over = sum(1 for l in lags if l > 100) / len(lags) * 100
    print(f"| {name} | {received} of {expected} (+{duplicates} again) | {show(pct(lags, 50))} | {show(pct(lags, 95))} | "
          f"{show(pct(lags, 99))} | {show(pct(lags, 99.9))} | {show(lags[-1])} | {over:.2f} % |")
    # The message's TIMESTAMP is when the forwarder read the line (tail: the batch's read time; imfile: its read
    # time): the lag splits into write -> read (noticing the line) and read -> receipt (the wire and the receiver).
    reads.sort(); deliveries.sort()
    print(f"|   of which write -> read | | {pct(reads, 50):.1f} | {pct(reads, 95):.1f} | {pct(reads, 99):.1f} | "
          f"{pct(reads, 99.9):.1f} | {reads[-1]:.1f} | |")
    print(f"|   of which read -> receipt | | {pct(deliveries, 50):.1f} | {pct(deliveries, 95):.1f} | {pct(deliveries, 99):.1f} | "
          f"{pct(deliveries, 99.9):.1f} | {deliveries[-1]:.1f} | |")
    first = min(per_second)
    worst = sorted(per_second.items(), key=lambda kv: -kv[1])[:5]
    print(f"|   worst seconds (s after the first line: max lag ms) | " + ", ".join(f"{s - first}: {l:.0f}" for s, l in sorted(worst)) + " |")
EOF
  )
  echo "| forwarder | lines received | p50 ms | p95 ms | p99 ms | p99.9 ms | max ms | over 100 ms |"
  echo "$lag_report"
  results+=("lag at $lag_rate lines/s for $lag_seconds s, $fault (load $load0 -> $load1):" "$lag_report"
            "CPU: tail $tcpu s (peak RSS $trss MiB), rsyslog imfile+$lag_forwarder $fcpu s ($frss MiB), receiver $rcpu s")
}
if has_phase lag; then
  lag_run "no fault"
  for fault in ${lag_fault//,/ }; do
    case "$fault" in
      restart|disk) lag_run "$fault";;
      none) ;;
      *) echo "unknown --lag-fault $fault (restart, disk, none)" >&2; exit 2;;
    esac
  done
fi

# --- 3. backlog -------------------------------------------------------------------------------------------------
if has_phase backlog; then
  want=$(numfmt --from=iec "$backlog")
  per=$(stat -c %s "$source_log")
  count=$(( (want + per - 1) / per ))
  broot="$work/backlog-root"; bdir="$broot/c1/weblogs/www"
  mkdir -p "$bdir"
  have=$(find "$bdir" -name 'access_log.*' | wc -l)
  if [ "$have" != "$count" ]; then
    note "backlog: copying $count files of $per bytes..."
    rm -f "$bdir"/access_log.*
    for i in $(seq 0 $((count - 1))); do
      name=$(date -u -d "2026-11-01 00:00 UTC + $i hour" +%Y%m%d%H)
      cp "$source_log" "$bdir/access_log.$name"
      touch -d "${name:0:4}-${name:4:2}-${name:6:2} ${name:8:2}:59:59 UTC" "$bdir/access_log.$name"
    done
  fi
  source_lines=$(wc -l < "$source_log")
  total_bytes=$((count * per)) total_lines=$((count * source_lines))
  cfg=$(tail_config backlog "$broot" "tcp://127.0.0.1:$p_discard")
  state="$work/run/backlog/state/v1/tail/checkpoints.json"
  note "backlog: $count closed files, $total_bytes bytes, $total_lines lines, tail over TCP to a receiver that discards"
  load0=$(bench_load); start=$EPOCHREALTIME
  "$logdump" tail -c "$cfg" 2>"$work/run/backlog/tail.log" </dev/null &
  pid=$!; pids+=("$pid")
  acked=0 done_files=0 wall=""
  while [ "$done_files" -lt "$count" ]; do
    sleep 1
    kill -0 "$pid" 2>/dev/null || { echo "tail exited; its log:" >&2; tail -5 "$work/run/backlog/tail.log" >&2; exit 1; }
    read -r acked done_files < <( (jq -r '[([.files[].offset] | add // 0), ([.files[] | select(.finished)] | length)] | @tsv' "$state") 2>/dev/null || echo "0 0")
    if [ -z "$wall" ] && [ "${acked:-0}" -ge "$total_bytes" ]; then
      wall=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}')
    fi
  done
  finished=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}')
  cpu=$(bench_cpu_of "$pid"); hwm=$(bench_hwm_mib "$pid"); load1=$(bench_load)
  finish "$pid"
  row "$(printf 'backlog %s (%d files, %d lines): every byte acknowledged after %.1f s (every file finished after %s s), %.0f MB/s, %.0f lines/s, tail CPU %.1f s (%.2f µs/line), VmHWM %s MiB (load %s -> %s)' \
    "$backlog" "$count" "$total_lines" "$wall" "$finished" "$(echo "$total_bytes / $wall / 1000000" | bc -l)" "$(echo "$total_lines / $wall" | bc -l)" \
    "$cpu" "$(echo "$cpu * 1000000 / $total_lines" | bc -l)" "$hwm" "$load0" "$load1")"
  [ $keep = 1 ] || rm -rf "$broot"
fi

# --- 4. where imrelp's time goes --------------------------------------------------------------------------------
if has_phase profile; then
  out="$rdir/relp.log"; reset_outputs "$out"
  cfg=$(tail_config profile "$day" "relp://127.0.0.1:$p_relp")
  tids=$(ls /proc/$receiver/task | tr '\n' ' ')
  note "profile: receiver threads: $(for t in $tids; do printf '%s=%s ' "$t" "$(cat /proc/$receiver/task/$t/comm)"; done)"
  declare -A thread_cpu0; for t in $tids; do thread_cpu0[$t]=$(awk '{print $14+$15}' /proc/$receiver/task/$t/stat); done
  start=$EPOCHREALTIME
  "$logdump" tail -c "$cfg" 2>"$work/run/profile/tail.log" </dev/null &
  pid=$!; pids+=("$pid")
  # perf for 5 s, then strace -c for 3 s (it slows the receiver: its counts, per message, are what matters)
  ( sleep 1
    if command -v perf >/dev/null; then
      perf record -q -g -F 499 -p "$receiver" -o "$work/run/profile/perf.data" -- sleep 5 >/dev/null 2>&1 || true
    fi
    if command -v strace >/dev/null; then
      before=$(wc -l < "$out")
      timeout -s INT 3 strace -c -f -p "$receiver" -o "$work/run/profile/strace.txt" 2>/dev/null || true
      echo "$(( $(wc -l < "$out") - before ))" > "$work/run/profile/strace.messages"
    fi ) &
  profiler=$!
  wall=$(bench_await_bytes "$out" "$day_bytes" "$start" 60) || true
  wait "$profiler" || true
  finish "$pid"
  echo "profile run: $wall s; receiver CPU by thread (s):"
  for t in $(ls /proc/$receiver/task); do   # threads started during the run (queue workers) count from 0
    printf '  %-16s %6.2f\n' "$(cat /proc/$receiver/task/$t/comm)" "$(awk -v b="${thread_cpu0[$t]:-0}" '{print ($14+$15-b)/100}' /proc/$receiver/task/$t/stat)"
  done
  if [ -s "$work/run/profile/perf.data" ]; then
    echo "perf, 5 s of the receiver (self time by library and symbol):"
    perf report -i "$work/run/profile/perf.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null \
      | grep -v '^#' | grep '%' | sed -n '1,25p' || true
    echo "perf, the same, with callers of the kernel's context switch and wake-ups:"
    perf report -i "$work/run/profile/perf.data" --no-children --sort sym --stdio -g caller,0.5,callee --percent-limit 5 2>/dev/null \
      | grep -v '^#' | grep -v '^$' | sed -n '1,40p' || true
  fi
  if [ -s "$work/run/profile/strace.txt" ]; then
    messages=$(cat "$work/run/profile/strace.messages")
    echo "strace -c -f, 3 s of the receiver, $messages messages written meanwhile (calls per message in the last column):"
    awk -v m="$messages" '$1 ~ /^[0-9.]+$/ && NF >= 5 { printf "%s  %8.2f\n", $0, $4 / (m > 0 ? m : 1); next } { print }' \
      "$work/run/profile/strace.txt" | sed -n '1,20p'
  fi
fi

echo
echo "logdump tail against rsyslog $(rsyslogd -v | sed -n '1s/^rsyslogd *\([^ ]*\).*/\1/p'), $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC'), logdump ${built_from:-$logdump}"
if has_phase throughput; then
  echo "| round | forwarder | wall | lines/s | sender CPU | CPU per line | sender peak RSS | receiver CPU | load |"
  echo "|---|---|---|---|---|---|---|---|---|"
fi
printf '%s\n' "${results[@]}"
