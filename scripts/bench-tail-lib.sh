# Shared parts of the logdump tail benchmarks (scripts/bench-tail-wire.sh, scripts/bench-tail.sh); sourced, not run.
#
# A private rsyslogd receiver on loopback (no TLS, the ruleset's default in-memory queue: imrelp answers `rsp 200`
# once a message is queued, as in the wire bench), each contestant on its own port and ruleset writing `%msg%\n` to
# its own file, so the output of a contestant is byte for byte the lines it was given; rsyslog's own forwarder
# (imfile + omfwd or omrelp) as a second rsyslogd; waiting for a receiver's output to be complete; CPU of a process.
#
# Functions set globals rather than print pids, since a process started inside $(...) would belong to a subshell.
# Needs: rsyslog rsyslog-relp (imrelp, omrelp), python3 (the data generator), bc.

bench_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

bench_port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Sets BENCH_BASE to a port with COUNT free ports from it on (127.0.0.1).
bench_pick_ports() {
  local count=$1 try p free
  for try in $(seq 1 20); do
    BENCH_BASE=$(( 30000 + RANDOM % 3000 * 10 ))
    free=1
    for p in $(seq "$BENCH_BASE" $((BENCH_BASE + count - 1))); do bench_port_free "$p" || { free=0; break; }; done
    [ $free = 1 ] && return 0
  done
  echo "no $count free loopback ports found after 20 tries" >&2
  return 1
}

# Generates FILE of BYTES (e.g. 250M) with scripts/gen-combined-log.py unless it is there already.
bench_generate() {
  local file=$1 bytes=$2
  [ -s "$file" ] && return 0
  mkdir -p "$(dirname "$file")"
  echo "generating $file ($bytes)..." >&2
  python3 "$bench_lib_dir/gen-combined-log.py" "$file" --bytes "$bytes" >/dev/null
}

# Prints the start of a receiver configuration for DIR: globals, the input modules, template bench_msg (the
# message's MSG and a newline) and bench_lag ("S US S US MSG": the receipt time, then the message's own TIMESTAMP,
# each as Unix seconds and microseconds; a sender stamping the time it read the line lets the lag be split).
bench_receiver_header() {
  local dir=$1
  cat <<EOF
global(workDirectory="$dir/work" maxMessageSize="64k")
module(load="imptcp")
module(load="imrelp")
template(name="bench_msg" type="string" string="%msg%\n")
template(name="bench_lag" type="string" string="%timegenerated:::date-unixtimestamp% %timegenerated:::date-subseconds% %timereported:::date-unixtimestamp% %timereported:::date-subseconds% %msg%\n")
EOF
}

# Prints a ruleset NAME writing every message with TEMPLATE (default bench_msg) to FILE, and an input of TYPE
# (imrelp or imptcp) on PORT feeding it. FILE "discard" drops every message instead. RULESET_PARAMS (optional) are
# added to the ruleset, e.g. 'queue.type="direct"' (imrelp then answers once omfile wrote the message).
bench_receiver_contestant() {
  local name=$1 type=$2 port=$3 file=$4 template=${5:-bench_msg} params=${6:-}
  if [ "$file" = discard ]; then
    echo "ruleset(name=\"$name\" $params) { stop }"
  else
    echo "ruleset(name=\"$name\" $params) { action(type=\"omfile\" file=\"$file\" template=\"$template\") }"
  fi
  echo "input(type=\"$type\" address=\"127.0.0.1\" port=\"$port\" ruleset=\"$name\")"
}

# Starts rsyslogd on DIR/rsyslog.conf (checked first with -N1) and waits until every PORT listens.
# Sets BENCH_PID. The caller kills it.
bench_rsyslogd_start() {
  local dir=$1; shift
  local i p listening
  mkdir -p "$dir/work"
  rsyslogd -N1 -f "$dir/rsyslog.conf" >"$dir/check.out" 2>&1 || { cat "$dir/check.out" >&2; return 1; }
  rsyslogd -n -f "$dir/rsyslog.conf" -i "$dir/pid" >"$dir/out" 2>&1 </dev/null &
  BENCH_PID=$!
  for i in $(seq 1 200); do
    kill -0 "$BENCH_PID" 2>/dev/null || { echo "rsyslogd ($dir) exited:" >&2; tail -5 "$dir/out" >&2; return 1; }
    listening=0
    for p in "$@"; do ss -Hltn "sport = :$p" 2>/dev/null | grep -q LISTEN && listening=$((listening + 1)); done
    [ $listening = $# ] && return 0
    sleep 0.05
  done
  echo "rsyslogd ($dir) did not listen on $* within 10 s" >&2
  return 1
}

# Starts a second rsyslogd in DIR as rsyslog's own file forwarder: imfile following FILES (a path or an imfile
# wildcard) from their start, forwarding with ACTION (omfwd: RFC 5424, TCP, octet-counted; omrelp: RELP with the
# module's defaults) to 127.0.0.1:PORT; EXTRA (optional) is added to the action's parameters, e.g.
# 'windowSize="1024"'. Sets BENCH_PID.
bench_imfile_forwarder_start() {
  local dir=$1 files=$2 action=$3 port=$4 extra=${5:-} out
  rm -rf "$dir"; mkdir -p "$dir/work"
  case "$action" in
    omfwd) out="action(type=\"omfwd\" target=\"127.0.0.1\" port=\"$port\" protocol=\"tcp\" TCP_Framing=\"octet-counted\" template=\"RSYSLOG_SyslogProtocol23Format\" $extra)";;
    omrelp) out="action(type=\"omrelp\" target=\"127.0.0.1\" port=\"$port\" template=\"RSYSLOG_SyslogProtocol23Format\" $extra)";;
    *) echo "bench_imfile_forwarder_start: unknown action $action" >&2; return 1;;
  esac
  {
    echo "global(workDirectory=\"$dir/work\" maxMessageSize=\"64k\")"
    echo "module(load=\"imfile\")"
    [ "$action" = omrelp ] && echo "module(load=\"omrelp\")"
    echo "input(type=\"imfile\" File=\"$files\" Tag=\"access\" ruleset=\"fwd\" freshStartTail=\"off\")"
    echo "ruleset(name=\"fwd\") {"
    echo "  $out"
    echo "}"
  } > "$dir/rsyslog.conf"
  rsyslogd -N1 -f "$dir/rsyslog.conf" >"$dir/check.out" 2>&1 || { cat "$dir/check.out" >&2; return 1; }
  rsyslogd -n -f "$dir/rsyslog.conf" -i "$dir/pid" >"$dir/out" 2>&1 </dev/null &
  BENCH_PID=$!
}

# bench_await MEASURE UNIT INTERVAL FILE WANT START [STALL]: waits until `MEASURE FILE` (a function printing a
# number) reaches WANT, looking every INTERVAL seconds, and prints the seconds since START ($EPOCHREALTIME or
# date +%s.%N). If the number stays the same for STALL seconds (default 20) short of WANT, prints
# "stalled at N of WANT UNIT" and returns 1.
bench_await() {
  local measure=$1 unit=$2 interval=$3 file=$4 want=$5 start=$6 stall=${7:-20} got last=-1 since=$EPOCHSECONDS
  while true; do
    got=$("$measure" "$file")
    [ "$got" -ge "$want" ] && break
    if [ "$got" != "$last" ]; then last=$got; since=$EPOCHSECONDS; fi
    if [ $(( EPOCHSECONDS - since )) -ge "$stall" ]; then echo "stalled at $got of $want $unit"; return 1; fi
    sleep "$interval"
  done
  awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.2f", b-a}'
}
bench_size_of() { stat -c %s "$1" 2>/dev/null || echo 0; }
bench_lines_of() { (wc -l < "$1") 2>/dev/null || echo 0; }

# bench_await_bytes FILE BYTES START [STALL]: a contestant's output is its input byte for byte, so its size says
# when it is done. Reading the size costs nothing, where counting lines of a 250 MB file every 50 ms took CPU from
# the contestants: every 20 ms.
bench_await_bytes() { bench_await bench_size_of bytes 0.02 "$@"; }
# bench_await_lines FILE LINES START [STALL]: for outputs that are not byte for byte (lag markers): once a second.
bench_await_lines() { bench_await bench_lines_of lines 1 "$@"; }

# CPU seconds (user+system) of PID so far, and its peak RSS in MiB.
bench_cpu_of() { awk '{printf "%.2f", ($14+$15)/100}' "/proc/$1/stat"; }
bench_hwm_mib() { awk '/VmHWM/{printf "%.1f", $2/1024}' "/proc/$1/status"; }

# The one-minute load average now.
bench_load() { cut -d' ' -f1 /proc/loadavg; }
