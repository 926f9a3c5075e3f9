#!/usr/bin/env bash
# Builds logsplit_VERSION-1_ARCH.deb and logsplit-cronolog_VERSION-1_all.deb with dpkg-deb from the staged
# release (make release-binaries man completions), into SCRATCH/packages.
#   packaging/debian/build-deb.sh SCRATCH VERSION
# Layout: scripts/install-tree.sh with PREFIX=/usr and Debian's directories; /var/lib/logdump is made by postinst.
set -euo pipefail
cd "$(dirname "$0")/../.."
scratch=${1:?usage: build-deb.sh SCRATCH VERSION}
upstream=${2:?usage: build-deb.sh SCRATCH VERSION}
version="$upstream-1"
maintainer=${PACKAGE_MAINTAINER:?set PACKAGE_MAINTAINER (make deb does), e.g. "Web Ops <webops@example.org>"}
arch=$(dpkg --print-architecture)
out="$scratch/packages"
work="$scratch/deb"
rm -rf "$work"
mkdir -p "$out" "$work"
# Timestamps and the changelog date come from the commit, so the same commit gives the same packages.
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || date +%s)
export SOURCE_DATE_EPOCH
commit=$(bash scripts/build-info.sh "$scratch/build-info")

# The changelog dpkg and lintian expect, one entry for this build.
changelog() {  # changelog PACKAGE DESTINATION_DIR
  install -d -m 0755 "$2"
  {
    echo "$1 ($version) unstable; urgency=medium"
    echo
    echo "  * Built from commit $commit; see /usr/share/doc/logsplit/README.md."
    echo
    echo " -- $maintainer  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
  } | gzip -9n >"$2/changelog.Debian.gz"
  chmod 0644 "$2/changelog.Debian.gz"
  install -m 0644 packaging/debian/copyright "$2/copyright"
}

# Writes DEBIAN/control from control.in, the md5sums, and builds the package.
finish() {  # finish PACKAGE ROOT DEPENDS
  local package=$1 root=$2 depends=$3 size
  find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
  install -d -m 0755 "$root/DEBIAN"
  sed -e "s|@VERSION@|$version|g" -e "s|@ARCH@|$arch|g" -e "s|@SIZE@|$size|g" -e "s|@DEPENDS@|$depends|g" \
    -e "s|@MAINTAINER@|$maintainer|g" \
    "packaging/debian/$package/control.in" >"$root/DEBIAN/control"
  for script in preinst postinst prerm postrm; do
    [ -f "packaging/debian/$package/$script" ] && install -m 0755 "packaging/debian/$package/$script" "$root/DEBIAN/"
  done
  [ -f "packaging/debian/$package/conffiles" ] && install -m 0644 "packaging/debian/$package/conffiles" "$root/DEBIAN/"
  (cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum >DEBIAN/md5sums)
  chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
  local file
  file="$out/${package}_${version}_$(sed -n 's/^Architecture: //p' "$root/DEBIAN/control").deb"
  dpkg-deb --root-owner-group -Zxz -z"${PACKAGE_COMPRESSION_LEVEL:-6}" --build "$root" "$file" >/dev/null
  echo "$file"
}

# --- logsplit --- (below debian/ as dh lays it out, so dpkg-shlibdeps finds the package root)
root="$work/source/debian/logsplit"
bash scripts/install-tree.sh "$root" BINDIR=/usr/bin MANDIR=/usr/share/man DOCDIR=/usr/share/doc/logsplit \
  SYSCONFDIR=/etc UNITDIR=/lib/systemd/system BASHCOMPDIR=/usr/share/bash-completion/completions \
  ZSHCOMPDIR=/usr/share/zsh/vendor-completions FISHCOMPDIR=/usr/share/fish/vendor_completions.d \
  STATEDIR=/var/lib/logdump STAGE="$scratch/stage" >/dev/null
rm -r "$root/var"   # postinst creates /var/lib/logdump 0750
gzip -9n "$root"/usr/share/man/man*/*
gzip -9n "$root/usr/share/doc/logsplit/README.md"
changelog logsplit "$root/usr/share/doc/logsplit"
install -d -m 0755 "$root/usr/share/lintian/overrides"
install -m 0644 packaging/debian/logsplit/lintian-overrides "$root/usr/share/lintian/overrides/logsplit"
# Shared-library dependencies, as dh_shlibdeps computes them.
install -d -m 0755 "$root/DEBIAN"
printf 'Source: logsplit\n\nPackage: logsplit\nArchitecture: any\n' >"$work/source/debian/control"
shlibs=$(cd "$work/source" && dpkg-shlibdeps -O debian/logsplit/usr/bin/logsplit debian/logsplit/usr/bin/logdump |
  sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "build-deb.sh: dpkg-shlibdeps found no library dependencies" >&2; exit 1; }
finish logsplit "$root" "$shlibs"

# --- logsplit-cronolog: cronolog's names, diverted, pointing at logsplit ---
root="$work/logsplit-cronolog"
install -d -m 0755 "$root/usr/bin" "$root/usr/sbin" "$root/usr/share/lintian/overrides" "$root/usr/share/man/man8"
ln -s logsplit "$root/usr/bin/cronolog"
ln -s ../bin/logsplit "$root/usr/sbin/cronolog"
ln -s logsplit.8.gz "$root/usr/share/man/man8/cronolog.8.gz"
install -m 0644 packaging/debian/logsplit-cronolog/lintian-overrides "$root/usr/share/lintian/overrides/logsplit-cronolog"
changelog logsplit-cronolog "$root/usr/share/doc/logsplit-cronolog"
finish logsplit-cronolog "$root" ""
