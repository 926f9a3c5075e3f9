#!/usr/bin/env bash
# Forwarding throughput of logdump tail's wire (SyslogWire) against rsyslog's own file forwarder, side by side in
# one run, to the same private rsyslog receiver on loopback:
#
#   1. RELPTransport      (imrelp on the receiver; every line acknowledged by `rsp 200`)
#   2. SyslogTCPTransport (imptcp; RFC 5424, octet counting; acknowledged = the peer's TCP acked every byte)
#   3. rsyslog imfile + omfwd (TCP, octet-counted): a second rsyslogd reading the same file
#
# Each run ends when the receiver has written every line (its output file, `%msg%` and a newline per message, has
# reached the input's size; the line count is checked at the end), so all three are timed the same way; the sender's own time, CPU (user+sys) and peak RSS are reported too.
#
#   scripts/bench-tail-wire.sh [--bytes 250M] [--batch 4096] [--window 1024] [--keep]
#
# Data: scripts/gen-combined-log.py (about 250 bytes a line: 250M is about a million lines), in bench-data/tail-wire/.
# The driver is compiled here with swiftc -O straight from Sources/SyslogWire (one module, no package build).
# The receiver and the forwarder come from scripts/bench-tail-lib.sh (shared with scripts/bench-tail.sh).
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

# --- the receiver: one rsyslogd, a port and an output file per contestant (scripts/bench-tail-lib.sh) ---
. "$repo/scripts/bench-tail-lib.sh"
bench_pick_ports 3
base=$BENCH_BASE
rdir="$work/receiver"; rm -rf "$rdir"; mkdir -p "$rdir/work"
{
  bench_receiver_header "$rdir"
  bench_receiver_contestant relp imrelp $((base + 0)) "$rdir/relp.log"
  bench_receiver_contestant tcp imptcp $((base + 1)) "$rdir/tcp.log"
  bench_receiver_contestant imfile imptcp $((base + 2)) "$rdir/imfile.log"
} > "$rdir/rsyslog.conf"
receiver=""
fpid=""
cleanup() {
  [ -n "$fpid" ] && kill "$fpid" 2>/dev/null || true
  [ -n "$receiver" ] && kill "$receiver" 2>/dev/null || true
  wait 2>/dev/null || true
  [ $keep = 1 ] || rm -rf "$rdir" "$work/forwarder"
}
trap cleanup EXIT
bench_rsyslogd_start "$rdir" $base $((base + 1)) $((base + 2))
receiver=$BENCH_PID
bytes_total=$(stat -c %s "$data")
cpu_of() { bench_cpu_of "$1"; }

results=()
for wire in relp tcp; do
  port=$base; [ $wire = tcp ] && port=$((base + 1))
  start=$(date +%s.%N); rcpu0=$(cpu_of $receiver)
  out=$(/usr/bin/time -f "rss_kib=%M" "$driver" $wire 127.0.0.1 $port "$data" "$batch" "$window" 2>&1)
  total=$(bench_await_bytes "$rdir/$wire.log" "$bytes_total" "$start"); rcpu=$(echo "$(cpu_of $receiver) - $rcpu0" | bc -l)
  sender=$(echo "$out" | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p'); cpu=$(echo "$out" | sed -n 's/.*cpu=\([0-9.]*\).*/\1/p')
  rss=$(echo "$out" | sed -n 's/.*rss_kib=\([0-9]*\)$/\1/p' | tail -1)
  results+=("$(printf '%-26s %7s s %8.0f lines/s  sender %6.2f s  CPU %6.2f s (%5.2f us/line)  RSS %4d MiB  receiver CPU %6.2f s' \
    "SyslogWire $wire" "$total" "$(echo "$lines / $total" | bc -l)" "$sender" "$cpu" "$(echo "$cpu * 1000000 / $lines" | bc -l)" $((rss / 1024)) "$rcpu")")
  echo "${results[-1]}"
done

# rsyslog's own forwarder: imfile reads the same file, omfwd sends octet-counted TCP.
fdir="$work/forwarder"
start=$(date +%s.%N); rcpu0=$(cpu_of $receiver)
bench_imfile_forwarder_start "$fdir" "$data" omfwd $((base + 2))
fpid=$BENCH_PID
total=$(bench_await_bytes "$rdir/imfile.log" "$bytes_total" "$start")
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
