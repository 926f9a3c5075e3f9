#!/usr/bin/env bash
# Unpacks an older glibc into a scratch root, to run a binary through that glibc's own loader:
#
#   root=$(scripts/old-glibc-root.sh /var/cache/logsplit-tests/glibc-2.31)
#   $root/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 --library-path $root/lib/x86_64-linux-gnu BINARY ARGS...
#
# Debian 11 (bullseye): libc6 2.31 and libgcc-s1, fetched once with `apt-get download` from deb.debian.org
# through a private apt state under DIR (the host's apt configuration is not touched), then reused. Prints the
# root. Used by Tests/EndToEndTests/GlibcFloorTests.swift (README "Which glibc logsplit needs").
set -euo pipefail
dir=${1:?usage: scripts/old-glibc-root.sh DIR}
suite=${OLD_GLIBC_SUITE:-bullseye}
root=$dir/root
lib=$root/lib/x86_64-linux-gnu
if [ -e "$lib/ld-linux-x86-64.so.2" ] && [ -e "$lib/libc.so.6" ] && [ -e "$lib/libgcc_s.so.1" ]; then
    echo "$root"
    exit 0
fi
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || { echo "old-glibc-root: needs apt-get and dpkg-deb (Debian)" >&2; exit 1; }
state=$dir/apt
mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/debs" "$root"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main" >"$state/sources.list"
: >"$state/status"
apt=(-o "Dir::Etc::SourceList=$state/sources.list" -o Dir::Etc::SourceParts=/dev/null
     -o "Dir::State::Lists=$state/lists" -o "Dir::Cache=$state/cache" -o "Dir::State::Status=$state/status"
     -o APT::Sandbox::User=root)
apt-get "${apt[@]}" -qq update >&2
(cd "$state/debs" && apt-get "${apt[@]}" -qq download libc6:amd64 libgcc-s1:amd64 >&2)
for deb in "$state"/debs/*.deb; do dpkg-deb -x "$deb" "$root"; done
[ -e "$lib/ld-linux-x86-64.so.2" ] || { echo "old-glibc-root: no loader in $lib after unpacking" >&2; exit 1; }
echo "$root"
