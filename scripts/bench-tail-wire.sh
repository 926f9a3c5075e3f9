#!/usr/bin/env bash
# Forwarding throughput of logdump tail's wire (SyslogWire) against rsyslog's own file forwarder, side by side in
# one run, to the same private rsyslog receiver on loopback:
#
#   1. RELPTransport      (imrelp on the receiver; every line acknowledged by `rsp 200`)
#   2. SyslogTCPTransport (imptcp; RFC 5424, octet counting; acknowledged = the peer's TCP acked every byte)
#   3. rsyslog imfile + omfwd (TCP, octet-counted): a second rsyslogd reading the same file
#
# Each run ends when the receiver has written every line (counted in its output file), so all three are timed the
# same way; the sender's own time, CPU (user+sys) and peak RSS are reported too.
#
#   scripts/bench-tail-wire.sh [--bytes 250M] [--batch 4096] [--window 1024] [--keep]
#
# Data: scripts/gen-combined-log.py (about 250 bytes a line: 250M is about a million lines), in bench-data/tail-wire/.
# The driver is compiled here with swiftc -O straight from Sources/SyslogWire (one module, no package build).
# Needs: rsyslog rsyslog-relp, openssl headers (libssl-dev), python3, swiftc. Run on a quiet machine.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bytes=250M batch=4096 window=1024 keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --bytes) bytes=$2; shift 2;;
    --batch) batch=$2; shift 2;;
    --window) window=$2; shift 2;;
    --keep) keep=1; shift;;
    *) echo "usage: $0 [--bytes 250M] [--batch N] [--window N] [--keep]" >&2; exit 2;;
  esac
done
work="$repo/bench-data/tail-wire"
mkdir -p "$work"
data="$work/access_log.$bytes"
if [ ! -s "$data" ]; then
  echo "generating $data ($bytes)..."
  python3 "$repo/scripts/gen-combined-log.py" "$data" --bytes "$bytes" >/dev/null
fi
lines=$(wc -l < "$data")
echo "data: $data, $lines lines, $(stat -c %s "$data") bytes"

# --- the driver: reads the file like a follower (1 MiB reads, whole lines, batches), delivers, waits for acks ---
driver="$work/wire-bench"
src="$work/driver"
mkdir -p "$src"
cat > "$src/main.swift" <<'EOF'
import Glibc

// wire-bench relp|tcp HOST PORT FILE BATCH WINDOW: delivers FILE line by line, prints seconds, CPU, RSS.
let arguments = CommandLine.arguments
guard arguments.count == 7, let port = Int(arguments[3]), let batchLines = Int(arguments[5]), let window = Int(arguments[6]) else {
    fputs("usage: wire-bench relp|tcp HOST PORT FILE BATCH WINDOW\n", stderr); exit(2)
}
let endpoint = SyslogEndpoint(host: arguments[2], port: port, connectTimeoutSeconds: 5, ioTimeoutSeconds: 60)
let format = try! SyslogMessageFormat(hostname: "bench-host", msgID: "ACCESS")
let transport: any SyslogTransport = arguments[1] == "relp"
    ? RELPTransport(endpoint: endpoint, format: format, window: window) : SyslogTCPTransport(endpoint: endpoint, format: format)
let fd = open(arguments[4], O_RDONLY)
guard fd >= 0 else { fputs("cannot open \(arguments[4])\n", stderr); exit(1) }
func now() -> Double { var t = timespec(); clock_gettime(CLOCK_MONOTONIC, &t); return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9 }
let started = now()
var pending: [UInt8] = []
var buffer = [UInt8](repeating: 0, count: 1 << 20)
var fileOffset: Int64 = 0
var sent = 0
var batch = LineBatch(origin: LineOrigin(container: "bench", site: "www", file: "access_log.bench"), readAtMicroseconds: 0)
func flush() {
    guard !batch.lines.isEmpty else { return }
    var t = timespec(); clock_gettime(CLOCK_REALTIME, &t)
    batch.readAtMicroseconds = Int64(t.tv_sec) * 1_000_000 + Int64(t.tv_nsec) / 1000
    do { try transport.deliver(batch) } catch { fputs("delivery failed: \(error)\n", stderr); exit(1) }
    sent += batch.lines.count
    batch.bytes.removeAll(keepingCapacity: true)
    batch.lines.removeAll(keepingCapacity: true)
}
while true {
    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    if n <= 0 { break }
    pending.append(contentsOf: buffer[0..<n])
    var start = 0
    while let newline = pending[start...].firstIndex(of: 10) {
        let lineStart = batch.bytes.count
        batch.bytes.append(contentsOf: pending[start..<newline])
        batch.lines.append(LineBatch.Line(start: lineStart, end: batch.bytes.count, fileOffset: fileOffset))
        fileOffset += Int64(newline - start + 1)
        start = newline + 1
        if batch.lines.count == batchLines { flush() }
    }
    pending.removeFirst(start)
}
flush()
let elapsed = now() - started
transport.close()
var usage = rusage(); getrusage(RUSAGE_SELF.rawValue, &usage)
let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
print("sent=\(sent) seconds=\(elapsed) cpu=\(cpu) rss_kib=\(usage.ru_maxrss)")
EOF
if [ ! -x "$driver" ] || [ -n "$(find "$repo/Sources/SyslogWire" "$src/main.swift" -newer "$driver" 2>/dev/null | head -1)" ]; then
  echo "compiling the driver (swiftc -O)..."
  swiftc -O -module-name WireBench -I "$repo/Sources/COpenSSL" "$repo"/Sources/SyslogWire/*.swift "$src/main.swift" \
    -lssl -lcrypto -o "$driver"
fi

# --- the receiver: one rsyslogd, a port and an output file per contestant ---
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
base=$(( 30000 + RANDOM % 3000 * 5 ))
for p in $base $((base + 1)) $((base + 2)); do port_free $p || { echo "port $p taken, run again" >&2; exit 1; }; done
rdir="$work/receiver"; rm -rf "$rdir"; mkdir -p "$rdir/work"
cat > "$rdir/rsyslog.conf" <<EOF
global(workDirectory="$rdir/work" maxMessageSize="64k")
module(load="imptcp")
module(load="imrelp")
template(name="bench_msg" type="string" string="%msg%\n")
ruleset(name="relp") { action(type="omfile" file="$rdir/relp.log" template="bench_msg") }
ruleset(name="tcp") { action(type="omfile" file="$rdir/tcp.log" template="bench_msg") }
ruleset(name="imfile") { action(type="omfile" file="$rdir/imfile.log" template="bench_msg") }
input(type="imrelp" address="127.0.0.1" port="$((base + 0))" ruleset="relp")
input(type="imptcp" address="127.0.0.1" port="$((base + 1))" ruleset="tcp")
input(type="imptcp" address="127.0.0.1" port="$((base + 2))" ruleset="imfile")
EOF
rsyslogd -N1 -f "$rdir/rsyslog.conf" >/dev/null
rsyslogd -n -f "$rdir/rsyslog.conf" -i "$rdir/pid" >"$rdir/out" 2>&1 </dev/null &
receiver=$!
fpid=""
cleanup() {
  [ -n "$fpid" ] && kill "$fpid" 2>/dev/null || true
  kill "$receiver" 2>/dev/null || true
  wait 2>/dev/null || true
  [ $keep = 1 ] || rm -rf "$rdir" "$work/forwarder"
}
trap cleanup EXIT
for i in $(seq 1 100); do port_free $((base + 2)) || break; sleep 0.05; done
sleep 0.3

# Waits until FILE has N lines; prints the seconds since START.
await_lines() {
  local file=$1 n=$2 start=$3 got=0
  while true; do
    got=$( (wc -l < "$file") 2>/dev/null || echo 0)
    [ "$got" -ge "$n" ] && break
    sleep 0.05
  done
  awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b-a}'
}
cpu_of() { awk '{printf "%.2f", ($14+$15)/100}' "/proc/$1/stat"; }   # utime+stime in clock ticks (100 Hz)

results=()
for wire in relp tcp; do
  port=$base; [ $wire = tcp ] && port=$((base + 1))
  start=$(date +%s.%N); rcpu0=$(cpu_of $receiver)
  out=$(/usr/bin/time -f "rss_kib=%M" "$driver" $wire 127.0.0.1 $port "$data" "$batch" "$window" 2>&1)
  total=$(await_lines "$rdir/$wire.log" "$lines" "$start"); rcpu=$(echo "$(cpu_of $receiver) - $rcpu0" | bc -l)
  sender=$(echo "$out" | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p'); cpu=$(echo "$out" | sed -n 's/.*cpu=\([0-9.]*\).*/\1/p')
  rss=$(echo "$out" | sed -n 's/.*rss_kib=\([0-9]*\)$/\1/p' | tail -1)
  results+=("$(printf '%-26s %7s s %8.0f lines/s  sender %6.2f s  CPU %6.2f s (%5.2f us/line)  RSS %4d MiB  receiver CPU %6.2f s' \
    "SyslogWire $wire" "$total" "$(echo "$lines / $total" | bc -l)" "$sender" "$cpu" "$(echo "$cpu * 1000000 / $lines" | bc -l)" $((rss / 1024)) "$rcpu")")
  echo "${results[-1]}"
done

# rsyslog's own forwarder: imfile reads the same file, omfwd sends octet-counted TCP.
fdir="$work/forwarder"; rm -rf "$fdir"; mkdir -p "$fdir/work"
cat > "$fdir/rsyslog.conf" <<EOF
global(workDirectory="$fdir/work" maxMessageSize="64k")
module(load="imfile")
input(type="imfile" File="$data" Tag="access" ruleset="fwd" freshStartTail="off")
ruleset(name="fwd") {
  action(type="omfwd" target="127.0.0.1" port="$((base + 2))" protocol="tcp" TCP_Framing="octet-counted"
         template="RSYSLOG_SyslogProtocol23Format")
}
EOF
start=$(date +%s.%N); rcpu0=$(cpu_of $receiver)
rsyslogd -n -f "$fdir/rsyslog.conf" -i "$fdir/pid" >"$fdir/out" 2>&1 </dev/null &
fpid=$!
total=$(await_lines "$rdir/imfile.log" "$lines" "$start")
rcpu=$(echo "$(cpu_of $receiver) - $rcpu0" | bc -l); cpu=$(cpu_of $fpid); rss=$(awk '/VmHWM/{print int($2/1024)}' /proc/$fpid/status)
results+=("$(printf '%-26s %7s s %8.0f lines/s  sender %6s    CPU %6.2f s (%5.2f us/line)  RSS %4d MiB  receiver CPU %6.2f s' \
  "rsyslog imfile+omfwd tcp" "$total" "$(echo "$lines / $total" | bc -l)" "-" "$cpu" "$(echo "$cpu * 1000000 / $lines" | bc -l)" "$rss" "$rcpu")")
echo "${results[-1]}"
kill $fpid; wait $fpid 2>/dev/null || true; fpid=""

echo
echo "$lines lines, $(stat -c %s "$data") bytes, batch $batch, RELP window $window, $(nproc) cores:"
printf '%s\n' "${results[@]}"
for f in relp tcp imfile; do
  got=$(wc -l < "$rdir/$f.log")
  [ "$got" = "$lines" ] || echo "warning: the receiver wrote $got lines for $f (expected $lines)"
done
