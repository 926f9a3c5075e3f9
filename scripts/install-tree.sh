#!/usr/bin/env bash
# Installs the staged release (make release-binaries, man, completions) below DESTDIR; `make install`,
# `make deb` and `make rpm` all use it, so the packages hold exactly what `make install` puts on a host.
#   scripts/install-tree.sh DESTDIR BINDIR=/usr/bin MANDIR=... DOCDIR=... SYSCONFDIR=/etc UNITDIR=...
#                           BASHCOMPDIR=... ZSHCOMPDIR=... FISHCOMPDIR=... STATEDIR=/var/lib/logdump STAGE=...
# An existing DESTDIR/etc/logdump.toml is kept (an operator's configuration is never overwritten).
# The cron entry ships commented out and no unit is enabled: logdump removes the files it ships, so nothing runs
# before the operator has set the destination (and the [tail] receiver) and chosen cron or the timer.
set -euo pipefail
cd "$(dirname "$0")/.."
destdir=$1
shift
for assignment in "$@"; do
  case $assignment in
    BINDIR=*|MANDIR=*|DOCDIR=*|SYSCONFDIR=*|UNITDIR=*|BASHCOMPDIR=*|ZSHCOMPDIR=*|FISHCOMPDIR=*|STATEDIR=*|STAGE=*)
      declare "$assignment" ;;
    *) echo "install-tree.sh: unknown setting '$assignment'" >&2; exit 1 ;;
  esac
done
for name in BINDIR MANDIR DOCDIR SYSCONFDIR UNITDIR BASHCOMPDIR ZSHCOMPDIR FISHCOMPDIR STATEDIR STAGE; do
  [ -n "${!name:-}" ] || { echo "install-tree.sh: $name is not set (run it through make install)" >&2; exit 1; }
done
for staged in "$STAGE/bin/logsplit" "$STAGE/bin/logdump" "$STAGE/man/logsplit.8" "$STAGE/completions/logsplit.bash"; do
  [ -f "$staged" ] || { echo "install-tree.sh: $staged is missing: run make release-binaries man completions first" >&2; exit 1; }
done

# The samples in Config/ name /usr/local/bin (make install's default); point them at the installed binaries.
with_bindir() { sed -e "s|/usr/local/bin/|$BINDIR/|g" "$1"; }

root=$destdir
install -d -m 0755 "$root$BINDIR" "$root$MANDIR/man8" "$root$MANDIR/man5" "$root$DOCDIR/examples/apache" \
  "$root$SYSCONFDIR/cron.d" "$root$UNITDIR" "$root$BASHCOMPDIR" "$root$ZSHCOMPDIR" "$root$FISHCOMPDIR"
install -m 0755 "$STAGE/bin/logsplit" "$STAGE/bin/logdump" "$root$BINDIR/"
install -m 0644 "$STAGE/man/logsplit.8" "$STAGE/man/logdump.8" "$root$MANDIR/man8/"
install -m 0644 "$STAGE/man/logdump.toml.5" "$root$MANDIR/man5/"
for program in logsplit logdump; do
  install -m 0644 "$STAGE/completions/$program.bash" "$root$BASHCOMPDIR/$program"
  install -m 0644 "$STAGE/completions/_$program" "$root$ZSHCOMPDIR/_$program"
  install -m 0644 "$STAGE/completions/$program.fish" "$root$FISHCOMPDIR/$program.fish"
done
install -m 0644 README.md "$root$DOCDIR/README.md"
for sample in Config/apache/*.conf; do
  with_bindir "$sample" >"$root$DOCDIR/examples/apache/$(basename "$sample")"
  chmod 0644 "$root$DOCDIR/examples/apache/$(basename "$sample")"
done
if [ -e "$root$SYSCONFDIR/logdump.toml" ]; then
  echo "install-tree.sh: keeping the existing $root$SYSCONFDIR/logdump.toml (the sample is $root$DOCDIR/examples/logdump.toml)"
else
  install -m 0644 Config/logdump.toml "$root$SYSCONFDIR/logdump.toml"
fi
install -m 0644 Config/logdump.toml "$root$DOCDIR/examples/logdump.toml"
with_bindir Config/cron/logdump >"$root$SYSCONFDIR/cron.d/logdump"
chmod 0644 "$root$SYSCONFDIR/cron.d/logdump"
for unit in logdump.service logdump.timer logdump-tail.service; do
  with_bindir "Config/systemd/$unit" >"$root$UNITDIR/$unit"
  chmod 0644 "$root$UNITDIR/$unit"
done
install -d -m 0750 "$root$STATEDIR"
