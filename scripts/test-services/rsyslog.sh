#!/usr/bin/env bash
# A private rsyslogd on free loopback ports, for the syslog wire's tests (logdump tail). Run as root or not.
#
#   rsyslog.sh start DIR [--owner-pid PID] [--port-base N]   # prints KEY=VALUE lines once every port is ready
#   rsyslog.sh kill DIR      # SIGKILL the receiver (what a crash looks like to a sender); DIR is kept
#   rsyslog.sh restart DIR   # start it again on the same ports with the same config, wait until ready
#   rsyslog.sh stop DIR      # SIGTERM, then SIGKILL after 5 s
#
# Ports (127.0.0.1 only): base+0 TCP (imptcp, octet counting), base+1 TLS (imtcp + gtls, server auth only),
# base+2 mutual TLS (imtcp + gtls, x509/certvalid: a client certificate signed by the CA), base+3 RELP (imrelp),
# base+4 RELP over TLS (imrelp tls, client certificate named ci-client required). Without --port-base a free
# base between 20000 and 60000 is chosen. Certificates come from openssl: DIR/tls/ca.pem signed server.pem
# (SAN IP:127.0.0.1, DNS:localhost) and client.pem; other-ca.pem signed nothing here (a "wrong CA").
#
# Every message is written as its raw RFC 5424 text, one per line, to DIR/received.log (control characters are
# not escaped, so a test compares bytes). The rulesets run with a direct queue: a RELP `rsp 200` is sent only
# after omfile wrote the message, so an acknowledged message survives a SIGKILL of the receiver.
#
# With --owner-pid, a watchdog stops the receiver and removes DIR when that process is gone.
# Prints: SYSLOG_TCP_PORT SYSLOG_TLS_PORT SYSLOG_MTLS_PORT SYSLOG_RELP_PORT SYSLOG_RELP_TLS_PORT SYSLOG_CA
#         SYSLOG_OTHER_CA SYSLOG_CLIENT_CERT SYSLOG_CLIENT_KEY SYSLOG_RECEIVED RSYSLOG_PID
# Exit status: 0 ready, 1 failed to start (log on stderr), 2 usage, 3 not installed, 4 a port is taken.
# Install: apt-get install -y --no-install-recommends rsyslog rsyslog-relp rsyslog-gnutls openssl
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/inherited-descriptors.sh"
close_inherited_descriptors

usage() { echo "usage: $0 start DIR [--owner-pid PID] [--port-base N] | kill DIR | restart DIR | stop DIR" >&2; exit 2; }

need() {
  command -v rsyslogd >/dev/null 2>&1 || { echo "rsyslogd is not installed: run \`apt-get install -y --no-install-recommends rsyslog rsyslog-relp rsyslog-gnutls\`" >&2; exit 3; }
  command -v openssl >/dev/null 2>&1 || { echo "openssl is not installed: run \`apt-get install -y openssl\`" >&2; exit 3; }
  local m
  for m in imrelp lmnsd_gtls imptcp; do
    compgen -G "/usr/lib/*/rsyslog/$m.so" >/dev/null || compgen -G "/usr/lib/rsyslog/$m.so" >/dev/null \
      || { echo "rsyslog module $m is missing: run \`apt-get install -y --no-install-recommends rsyslog-relp rsyslog-gnutls\`" >&2; exit 3; }
  done
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

make_tls() {
  local d="$1" n eku
  mkdir -p "$d"
  for n in ca other-ca; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -days 3 -subj "/CN=logsplit test $n" \
      -keyout "$d/$n.key" -out "$d/$n.pem" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  done
  for n in server client; do
    if [ $n = server ]; then eku="serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost"; else eku="clientAuth
subjectAltName=DNS:ci-client"; fi
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -subj "/CN=ci-$n" -keyout "$d/$n.key" -out "$d/$n.csr" 2>/dev/null
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\nextendedKeyUsage=%s\n' "$eku" > "$d/$n.ext"
    openssl x509 -req -sha256 -days 3 -in "$d/$n.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
      -CAcreateserial -extfile "$d/$n.ext" -out "$d/$n.pem" 2>/dev/null
  done
}

write_config() {
  local dir="$1" base="$2" T="$1/tls"
  cat > "$dir/rsyslog.conf" <<EOF
global(workDirectory="$dir/work" maxMessageSize="256k"
       parser.escapeControlCharactersOnReceive="off"
       DefaultNetstreamDriver="gtls"
       DefaultNetstreamDriverCAFile="$T/ca.pem"
       DefaultNetstreamDriverCertFile="$T/server.pem"
       DefaultNetstreamDriverKeyFile="$T/server.key")
module(load="imptcp")
module(load="imtcp")
module(load="imrelp")
template(name="test_raw" type="string" string="%rawmsg%\n")
ruleset(name="test_remote" queue.type="direct") {
  if \$app-name == "ci-readiness" then {
    action(type="omfile" file="$dir/ready.log" template="test_raw")
    stop
  }
  action(type="omfile" file="$dir/received.log" template="test_raw")
}
input(type="imptcp" address="127.0.0.1" port="$base" ruleset="test_remote")
input(type="imtcp" address="127.0.0.1" port="$((base + 1))" ruleset="test_remote"
      streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")
input(type="imtcp" address="127.0.0.1" port="$((base + 2))" ruleset="test_remote"
      streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="x509/certvalid")
input(type="imrelp" address="127.0.0.1" port="$((base + 3))" ruleset="test_remote")
input(type="imrelp" address="127.0.0.1" port="$((base + 4))" ruleset="test_remote" tls="on"
      tls.caCert="$T/ca.pem" tls.myCert="$T/server.pem" tls.myPrivKey="$T/server.key" tls.authMode="name"
      tls.permittedPeer=["ci-client"])
EOF
  echo "$base" > "$dir/port-base"
}

# Starts rsyslogd from DIR's config and waits until every port answers (a probe message through TCP and RELP,
# the listeners for the TLS ports).
launch() {
  local dir="$1" base i p
  base=$(cat "$dir/port-base")
  rsyslogd -n -f "$dir/rsyslog.conf" -i "$dir/rsyslogd.pid.internal" >>"$dir/rsyslogd.out" 2>&1 </dev/null &
  echo $! > "$dir/rsyslogd.pid"
  local pid; pid=$(cat "$dir/rsyslogd.pid")
  for i in $(seq 1 200); do
    kill -0 "$pid" 2>/dev/null || { echo "rsyslogd exited; its output:" >&2; tail -20 "$dir/rsyslogd.out" >&2; return 1; }
    local listening=0
    for p in "$base" $((base + 1)) $((base + 2)) $((base + 3)) $((base + 4)); do
      ss -Hltn "sport = :$p" 2>/dev/null | grep -q LISTEN && listening=$((listening + 1))
    done
    [ $listening = 5 ] && break
    sleep 0.05
  done
  [ "${listening:-0}" = 5 ] || { echo "rsyslogd did not listen on ports $base..$((base + 4)); its output:" >&2; tail -20 "$dir/rsyslogd.out" >&2; return 1; }
  # TCP: one octet-counted probe must reach ready.log (end to end through the ruleset).
  local msg="<14>1 - localhost ci-readiness - - - probe $pid"
  for i in $(seq 1 100); do
    if [ $((i % 20)) = 1 ]; then
      ( exec 3<>"/dev/tcp/127.0.0.1/$base" && printf '%d %s' "${#msg}" "$msg" >&3 ) 2>/dev/null || true
    fi
    grep -q "probe $pid\$" "$dir/ready.log" 2>/dev/null && break
    sleep 0.05
  done
  grep -q "probe $pid\$" "$dir/ready.log" 2>/dev/null || { echo "rsyslogd TCP probe not received; its output:" >&2; tail -20 "$dir/rsyslogd.out" >&2; return 1; }
  # RELP: open a session, one message answered 200.
  local relp="<14>1 - localhost ci-readiness - - - relp probe" line="" answered=0
  local open="relp_version=0
relp_software=rsyslog.sh
commands=syslog"
  if exec 3<>"/dev/tcp/127.0.0.1/$((base + 3))"; then
    printf '1 open %d %s\n2 syslog %d %s\n' "${#open}" "$open" "${#relp}" "$relp" >&3
    while IFS= read -r -t 5 line <&3; do
      case "$line" in "2 rsp 6 200 OK"*) answered=1; break;; esac
    done
    printf '3 close 0\n' >&3 2>/dev/null || true
    exec 3>&-
  fi 2>/dev/null
  [ $answered = 1 ] || { echo "rsyslogd RELP probe not answered with 200 on port $((base + 3))" >&2; return 1; }
  return 0
}

stop_server() {
  local dir="$1" pid i
  pid=$(cat "$dir/rsyslogd.pid" 2>/dev/null) || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$dir/rsyslogd.pid"
}

print_values() {
  local dir="$1" base; base=$(cat "$dir/port-base")
  echo "SYSLOG_TCP_PORT=$base"
  echo "SYSLOG_TLS_PORT=$((base + 1))"
  echo "SYSLOG_MTLS_PORT=$((base + 2))"
  echo "SYSLOG_RELP_PORT=$((base + 3))"
  echo "SYSLOG_RELP_TLS_PORT=$((base + 4))"
  echo "SYSLOG_CA=$dir/tls/ca.pem"
  echo "SYSLOG_OTHER_CA=$dir/tls/other-ca.pem"
  echo "SYSLOG_CLIENT_CERT=$dir/tls/client.pem"
  echo "SYSLOG_CLIENT_KEY=$dir/tls/client.key"
  echo "SYSLOG_RECEIVED=$dir/received.log"
  echo "RSYSLOG_PID=$(cat "$dir/rsyslogd.pid")"
}

start() {
  local dir="$1"; shift
  local owner="" base="" p attempt
  while [ $# -gt 0 ]; do
    case "$1" in
      --owner-pid) owner="${2:?}"; shift 2;;
      --port-base) base="${2:?}"; shift 2;;
      *) usage;;
    esac
  done
  need
  [ -d "$dir" ] && stop_server "$dir"
  rm -rf "$dir"; mkdir -p "$dir/work"
  make_tls "$dir/tls" || { echo "certificate generation with openssl failed" >&2; exit 1; }
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    local chosen="$base"
    [ -n "$chosen" ] || chosen=$(( 20000 + (RANDOM * 32768 + RANDOM) % 8000 * 5 ))
    local free=1
    for p in "$chosen" $((chosen + 1)) $((chosen + 2)) $((chosen + 3)) $((chosen + 4)); do port_free "$p" || free=0; done
    if [ $free = 0 ]; then
      [ -n "$base" ] && { echo "a port in $base..$((base + 4)) is taken" >&2; exit 4; }
      continue
    fi
    write_config "$dir" "$chosen"
    rsyslogd -N1 -f "$dir/rsyslog.conf" >"$dir/check.out" 2>&1 || { cat "$dir/check.out" >&2; exit 1; }
    if launch "$dir"; then
      if [ -n "$owner" ]; then
        # Stops the receiver (whichever pid it has after restarts) and removes DIR once the owner is gone.
        setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done
                        pid=$(cat "$2/rsyslogd.pid" 2>/dev/null) && kill -TERM "$pid" 2>/dev/null
                        sleep 1; [ -n "${pid:-}" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$2"; exit 0' \
          watchdog "$owner" "$dir" >/dev/null 2>&1 </dev/null &
      fi
      print_values "$dir"
      return 0
    fi
    stop_server "$dir"
    [ -n "$base" ] && exit 1
    grep -qi "address already in use" "$dir/rsyslogd.out" 2>/dev/null || exit 1
  done
  echo "no free ports for rsyslogd after 10 tries" >&2
  exit 4
}

case "${1:-}" in
  start) [ $# -ge 2 ] || usage; start "${@:2}";;
  kill) [ $# = 2 ] || usage; pid=$(cat "$2/rsyslogd.pid") && kill -KILL "$pid" && for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done;;
  restart) [ $# = 2 ] || usage; stop_server "$2"; launch "$2" && print_values "$2";;
  stop) [ $# = 2 ] || usage; stop_server "$2";;
  *) usage;;
esac
