#!/usr/bin/env bash
# A private sshd on a free loopback port, for the rsync destination's tests (run as root).
#
#   sshd-rsync.sh start DIR   # prints the port; DIR holds everything (keys, config, log, pid)
#   sshd-rsync.sh stop DIR    # stops that sshd and every connection it still serves
#
# Or source it and call start_sshd_rsync DIR / stop_sshd_rsync DIR.
#
# What `start` leaves in DIR (mode 0755, so the test account can read its authorized_keys):
#   port             the TCP port on 127.0.0.1 (never 22)
#   user             the account ssh logs in as (a system account made once, no password, not locked)
#   client_key       its private key (root only); client_key.pub is in authorized_keys
#   known_hosts      "[127.0.0.1]:PORT <host key>": the server's own host key, pinned
#   other_known_hosts the same line with a different key (a "changed host key" for the tests)
#   sshd.pid         the listener's pid; sshd.log its log (LogLevel VERBOSE: one "Accepted publickey"
#                    line per ssh connection)
#
# Needs: openssh-server openssh-client rsync (apt-get install -y --no-install-recommends openssh-server
# openssh-client rsync). Nothing listens beyond 127.0.0.1; no system sshd is started or changed.
set -u

SSHD_RSYNC_USER="${SSHD_RSYNC_USER:-logdumpci}"

_sshd_rsync_need() {
  local tool
  for tool in /usr/sbin/sshd ssh ssh-keygen rsync; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "$tool is not installed: run \`apt-get install -y --no-install-recommends openssh-server openssh-client rsync\`" >&2
      return 1
    fi
  done
}

# The test account: a system account with a home (so sessions start without complaint) and a POSIX shell.
# With UsePAM no, sshd refuses a locked account ('!' in shadow): '*' means no password but not locked.
_sshd_rsync_account() {
  mkdir -p /run/lock || return 1
  (
    flock 9
    if ! id "$SSHD_RSYNC_USER" >/dev/null 2>&1; then
      useradd --system --create-home --home-dir "/home/$SSHD_RSYNC_USER" --shell /bin/sh "$SSHD_RSYNC_USER" || exit 1
    fi
    usermod -p '*' "$SSHD_RSYNC_USER" || exit 1
  ) 9>/run/lock/logdump-sshd-rsync-account.lock
}

_sshd_rsync_port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start_sshd_rsync() {
  local dir="${1:?usage: start_sshd_rsync DIR}" attempt port pid i
  _sshd_rsync_need || return 1
  _sshd_rsync_account || { echo "cannot create the test account $SSHD_RSYNC_USER" >&2; return 1; }
  mkdir -p "$dir" && chmod 0755 "$dir" || return 1
  rm -f "$dir"/host_ed25519* "$dir"/client_key* "$dir"/other_host*
  ssh-keygen -q -t ed25519 -N '' -C logdump-test-host -f "$dir/host_ed25519" || return 1
  ssh-keygen -q -t ed25519 -N '' -C logdump-test-other-host -f "$dir/other_host_ed25519" || return 1
  ssh-keygen -q -t ed25519 -N '' -C logdump-test-client -f "$dir/client_key" || return 1
  install -m 0644 "$dir/client_key.pub" "$dir/authorized_keys"
  echo "$SSHD_RSYNC_USER" > "$dir/user"
  mkdir -p -m 0755 /run/sshd   # privilege separation directory; absent until a system sshd ever ran

  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    _sshd_rsync_port_free "$port" || continue
    cat > "$dir/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host_ed25519
PidFile none
AuthorizedKeysFile $dir/authorized_keys
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
AllowUsers $SSHD_RSYNC_USER
UsePAM no
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
PermitTunnel no
PrintMotd no
PrintLastLog no
UseDNS no
MaxSessions 32
LogLevel VERBOSE
EOF
    /usr/sbin/sshd -t -f "$dir/sshd_config" || return 1
    # Absolute path: sshd re-executes itself. -D foreground (so $! is the listener), -e log to stderr.
    /usr/sbin/sshd -D -e -f "$dir/sshd_config" 2>"$dir/sshd.log" </dev/null >/dev/null &
    pid=$!
    for i in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      grep -q "Server listening on 127.0.0.1 port $port" "$dir/sshd.log" 2>/dev/null && break
      sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null && grep -q "Server listening" "$dir/sshd.log"; then
      echo "$pid" > "$dir/sshd.pid"
      echo "$port" > "$dir/port"
      echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$dir/host_ed25519.pub")" > "$dir/known_hosts"
      echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$dir/other_host_ed25519.pub")" > "$dir/other_known_hosts"
      echo "$port"
      return 0
    fi
    # Lost a race for the port (another test started a server): try another one.
    kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  done
  echo "sshd did not start:" >&2
  cat "$dir/sshd.log" >&2
  return 1
}

stop_sshd_rsync() {
  local dir="${1:?usage: stop_sshd_rsync DIR}" pid children i
  pid=$(cat "$dir/sshd.pid" 2>/dev/null) || return 0
  # The listener first (no new connections), then the per-connection processes it forked (they start
  # their own sessions, so only their parent pid finds them).
  children=$(ps -o pid= --ppid "$pid" 2>/dev/null)
  kill -TERM "$pid" 2>/dev/null
  for i in $children; do kill -TERM "$i" 2>/dev/null; done
  for i in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  kill -KILL "$pid" 2>/dev/null
  for i in $children; do kill -KILL "$i" 2>/dev/null; done
  rm -f "$dir/sshd.pid"
  return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-}" in
    start) start_sshd_rsync "${2:?usage: $0 start DIR}" ;;
    stop) stop_sshd_rsync "${2:?usage: $0 stop DIR}" ;;
    *) echo "usage: $0 start DIR | stop DIR" >&2; exit 2 ;;
  esac
fi
