#!/usr/bin/env bash
# Builds logsplit-VERSION-1.x86_64.rpm with rpmbuild (Debian's rpm package) from the staged release
# (make release-binaries man completions), into SCRATCH/packages. Same files as the .deb, in the RHEL places:
# units in /usr/lib/systemd/system, zsh completions in site-functions, /var/lib/logdump 0750 owned by the package.
#   packaging/rpm/build-rpm.sh SCRATCH VERSION
set -euo pipefail
cd "$(dirname "$0")/../.."
scratch=${1:?usage: build-rpm.sh SCRATCH VERSION}
version=${2:?usage: build-rpm.sh SCRATCH VERSION}
work="$scratch/rpm"
tree="$work/tree"
rm -rf "$work"
mkdir -p "$scratch/packages" "$work"
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || date +%s)
export SOURCE_DATE_EPOCH
commit=$(bash scripts/build-info.sh "$scratch/build-info")
bash scripts/install-tree.sh "$tree" BINDIR=/usr/bin MANDIR=/usr/share/man DOCDIR=/usr/share/doc/logsplit \
  SYSCONFDIR=/etc UNITDIR=/usr/lib/systemd/system BASHCOMPDIR=/usr/share/bash-completion/completions \
  ZSHCOMPDIR=/usr/share/zsh/site-functions FISHCOMPDIR=/usr/share/fish/vendor_completions.d \
  STATEDIR=/var/lib/logdump STAGE="$scratch/stage" >/dev/null
# What RHEL's brp scripts would do (Debian's brp-compress needs bash and fails under dash, so they are off below):
# man pages gzipped; the binaries are already stripped.
gzip -9n "$tree"/usr/share/man/man*/*
# Debian's rpm has no RHEL macro files: name the directories the spec uses, as RHEL defines them.
rpmbuild -bb packaging/rpm/logsplit.spec \
  --define "_topdir $work/top" \
  --define "_rpmdir $scratch/packages" \
  --define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" \
  --define "_unitdir /usr/lib/systemd/system" \
  --define "_docdir /usr/share/doc" \
  --define "logsplit_version $version" \
  --define "logsplit_commit $commit" \
  --define "logsplit_tree $tree" \
  --define "logsplit_maintainer ${PACKAGE_MAINTAINER:?set PACKAGE_MAINTAINER (make rpm does)}" \
  --define "logsplit_changelog_date $(LC_ALL=C date -u -d "@$SOURCE_DATE_EPOCH" '+%a %b %d %Y')" \
  --define "use_source_date_epoch_as_buildtime 1" \
  --define "clamp_mtime_to_source_date_epoch 1" \
  --define "_buildhost localhost" \
  --define "_binary_payload w${PACKAGE_COMPRESSION_LEVEL:-6}.xzdio" \
  --define "__os_install_post %{nil}" \
  --quiet >/dev/null
ls "$scratch/packages/logsplit-$version-1.x86_64.rpm"
