#!/usr/bin/env bash
# make test's package check (README "Install"): builds the release binaries once and from them the .deb packages
# (and the .rpm when rpmbuild is there), lints them with lintian (no errors allowed), renders the manual pages
# with warnings on, verifies the systemd units, installs the packages into a throw-away root and runs the
# installed programs against the installed samples:
#   - with overlayfs (root, as CI is): `dpkg -i` in a chroot over an overlay of / (the maintainer scripts run:
#     /var/lib/logdump 0750, the cronolog diversion and its removal), then logsplit --check, logdump validate
#     and one shipping run with the installed /etc/logdump.toml; then the .rpm the same way (`rpm -i`);
#     nothing on this machine changes;
#   - without: `dpkg -x` into a scratch directory and the same programs, configuration paths overridden.
# PKG_SCRATCH (default .build-pkg) is where the release build and the packages go; each step prints how long the
# previous one took.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
scratch=${PKG_SCRATCH:-$repo/.build-pkg}
packages="$scratch/packages"
failures=0
step_start=$(date +%s)

fail() { echo "check-packages: FAIL: $*" >&2; failures=$((failures + 1)); }
step() {  # step NAME: print how long the previous step took, then the new step's name
  local now
  now=$(date +%s)
  echo "check-packages: $1 (previous step $((now - step_start)) s)"
  step_start=$now
}

# One make run, so the release build, the man pages and the completions are made once for both formats.
targets=(deb)
command -v rpmbuild >/dev/null && targets+=(rpm)
step "release build, manual pages, completions, packages: ${targets[*]}"
rm -f "$packages"/*.deb "$packages"/*.rpm
make --no-print-directory PKG_SCRATCH="$scratch" PACKAGE_COMPRESSION_LEVEL=1 "${targets[@]}" >/dev/null
version=$(sed -n 's/^#define LOGSPLIT_RELEASE "\(.*\)"/\1/p' Sources/CBuildInfo/release.h)
arch=$(dpkg --print-architecture)
deb="$packages/logsplit_${version}-1_${arch}.deb"
cronolog_deb="$packages/logsplit-cronolog_${version}-1_all.deb"
for file in "$deb" "$cronolog_deb"; do [ -f "$file" ] || fail "$file was not built"; done

if command -v rpmbuild >/dev/null; then
  ls "$packages"/logsplit-"$version"-*.rpm >/dev/null 2>&1 || fail "no logsplit rpm in $packages"
else
  echo "check-packages: rpmbuild is not installed (Debian's rpm package): no .rpm built or checked"
fi

step "lintian"
if ! lintian --fail-on error --display-level '>=warning' "$deb" "$cronolog_deb"; then
  fail "lintian reports errors (above)"
fi

step "manual pages render without warnings"
for page in "$scratch"/stage/man/*; do
  warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null || echo "man exited $?")
  [ -z "$warnings" ] || fail "man --warnings -l $(basename "$page"): $warnings"
done

work=$(mktemp -d /tmp/check-packages.XXXXXX)
cleanup() { rm -rf "$work"; }   # the overlay mounts live only in the namespaces unshare made
trap cleanup EXIT
mkdir -p "$work/x"
dpkg -x "$deb" "$work/x"

step "systemd units"
if command -v systemd-analyze >/dev/null; then
  # verify resolves ExecStart= on this machine's file system: point it at the extracted binary.
  mkdir -p "$work/units"
  for unit in logdump.service logdump.timer logdump-tail.service; do
    sed "s|ExecStart=/usr/bin/logdump|ExecStart=$work/x/usr/bin/logdump|" "$work/x/lib/systemd/system/$unit" \
      >"$work/units/$unit"
  done
  if ! out=$(SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "$work/units"/logdump* 2>&1) \
     || [ -n "$out" ]; then
    fail "systemd-analyze verify: $out"
  fi
else
  echo "check-packages: systemd-analyze is not installed: units not verified"
fi

# The installed programs against the installed samples. RUNNER runs a command in the installed system
# (in the chroot, or with its paths taken from the dpkg -x tree).
check_installed() {  # check_installed RUNNER
  local version_line sample template
  version_line=$("$@" /usr/bin/logsplit --version)
  [[ $version_line =~ ^logsplit\ version\ $version\ \(commit\ [0-9a-f]{7}(-dirty)?\)$ ]] \
    || fail "installed logsplit --version says '$version_line'"
  version_line=$("$@" /usr/bin/logdump --version)
  [[ $version_line =~ ^logdump\ version\ $version\ \(commit\ [0-9a-f]{7}(-dirty)?\)$ ]] \
    || fail "installed logdump --version says '$version_line'"
  for sample in logsplit.conf logsplit-vhosts.conf; do
    # The template of the sample's CustomLog line, with the options before it.
    template=$("$@" cat "/usr/share/doc/logsplit/examples/apache/$sample" \
      | sed -n 's/^CustomLog "|\/usr\/bin\/logsplit \([^"]*\)".*/\1/p')
    template=${template%%$'\n'*}   # the first active CustomLog line
    [ -n "$template" ] || { fail "no CustomLog \"|/usr/bin/logsplit ...\" line in the installed $sample"; continue; }
    # shellcheck disable=SC2086 # the options and the template are separate words, as Apache splits them
    "$@" /usr/bin/logsplit --check $template >/dev/null || fail "installed logsplit --check $template (from $sample)"
  done
}

if unshare -m true 2>/dev/null && mkdir -p "$work/upper" "$work/ovl" "$work/merged" \
   && unshare -m sh -c "mount -t overlay overlay -o lowerdir=/,upperdir=$work/upper,workdir=$work/ovl $work/merged" 2>/dev/null; then
  step "dpkg -i in a chroot over an overlay of / (maintainer scripts run; this machine is not changed)"
  cp "$deb" "$cronolog_deb" "$work/upper/tmp/" 2>/dev/null || { mkdir -p "$work/upper/tmp"; cp "$deb" "$cronolog_deb" "$work/upper/tmp/"; }
  # Runs a command in the chroot, each time in a new mount namespace over the same upper layer. /dev and /proc
  # are the real ones; /run is the root file system's empty one, so the maintainer scripts see no running
  # systemd and leave this machine's alone.
  in_root() { unshare -m --propagation private sh -c "mount -t overlay overlay -o lowerdir=/,upperdir=$work/upper,workdir=$work/ovl $work/merged \
    && mount --rbind /dev $work/merged/dev && mount -t proc proc $work/merged/proc \
    && exec chroot $work/merged \"\$@\"" chroot-run "$@"; }
  real_cronolog=$(sha256sum /usr/bin/cronolog 2>/dev/null | cut -d' ' -f1 || true)
  # A fresh install: whatever this machine has at these paths (a logdump run here made /var/lib/logdump 0700) stays
  # out of the overlay, as the rpm step below does.
  in_root sh -c "rm -rf /etc/logdump.toml /etc/cron.d/logdump /var/lib/logdump; dpkg --force-confnew -i /tmp/$(basename "$deb") >/dev/null" \
    || fail "dpkg -i $(basename "$deb") failed"
  mode=$(in_root stat -c '%a %U %G' /var/lib/logdump) || true
  [ "$mode" = "750 root root" ] || fail "/var/lib/logdump after postinst is '$mode', not '750 root root'"
  check_installed in_root
  # The installed configuration, as an operator would use it: the share mounted, one site with a closed hour.
  in_root sh -c 'mkdir -p /srv/weblogs-archive /data/containers/c1/weblogs/www &&
    start=$(date -u -d "3 hours ago" "+%d %b %Y %H:00:00") &&
    echo "203.0.113.9 - - [x] \"GET / HTTP/1.1\" 200 1" | TZ=UTC logsplit -z UTC -s "$start" -o \
      /data/containers/c1/weblogs/www/access_log.%Y%m%d%H &&
    touch -d "3 hours ago" /data/containers/c1/weblogs/www/access_log.*' \
    || fail "installed logsplit could not write a sample hour"
  in_root env TZ=UTC logdump validate -c /etc/logdump.toml || fail "installed logdump validate -c /etc/logdump.toml"
  in_root env TZ=UTC logdump run -c /etc/logdump.toml --host web01 || fail "installed logdump run -c /etc/logdump.toml"
  shipped=$(in_root find /srv/weblogs-archive -name 'access_log.*.zst' | wc -l)
  [ "$shipped" = 1 ] || fail "installed logdump run shipped $shipped files, expected the 1 closed hour"

  step "logsplit-cronolog: diversion and its removal"
  in_root dpkg -i "/tmp/$(basename "$cronolog_deb")" >/dev/null || fail "dpkg -i $(basename "$cronolog_deb") failed"
  for name in /usr/bin/cronolog /usr/sbin/cronolog; do
    said=$(in_root "$name" --version 2>&1) || true
    [[ $said == "logsplit version "* ]] || fail "$name runs '$said', not logsplit, with logsplit-cronolog installed"
  done
  diversions=$(in_root dpkg-divert --list) || true
  grep -q "/usr/bin/cronolog to /usr/bin/cronolog.real by logsplit-cronolog" <<<"$diversions" \
    || fail "no diversion of /usr/bin/cronolog by logsplit-cronolog"
  in_root dpkg -r logsplit-cronolog >/dev/null || fail "dpkg -r logsplit-cronolog failed"
  if [ -n "$real_cronolog" ]; then
    restored=$(in_root sha256sum /usr/bin/cronolog | cut -d' ' -f1) || true
    [ "$restored" = "$real_cronolog" ] || fail "removing logsplit-cronolog did not restore the real /usr/bin/cronolog"
  fi
  in_root test ! -e /usr/sbin/cronolog -o -e /usr/sbin/cronolog.real -o ! -L /usr/sbin/cronolog \
    || fail "/usr/sbin/cronolog is still logsplit's link after removing logsplit-cronolog"
  in_root sh -c 'dpkg-divert --list | grep -q logsplit-cronolog' && fail "logsplit-cronolog left a diversion behind"
  in_root dpkg --purge logsplit >/dev/null || fail "dpkg --purge logsplit failed"
  in_root test ! -e /usr/bin/logsplit || fail "/usr/bin/logsplit is still there after purge"

  rpm_files=("$packages"/logsplit-"$version"-*.rpm)
  rpm_file=${rpm_files[0]}
  if [ -f "$rpm_file" ]; then
    step "rpm -i in the same chroot (own rpm database; --nodeps: Debian's rpm database lists no glibc)"
    cp "$rpm_file" "$work/upper/tmp/"
    in_root sh -c "rm -rf /var/lib/logdump /etc/logdump.toml /etc/cron.d/logdump &&
      rpm -i --force-debian --nodeps --dbpath /var/lib/rpm-check /tmp/$(basename "$rpm_file")" || fail "rpm -i $(basename "$rpm_file") failed"
    mode=$(in_root stat -c '%a %U %G' /var/lib/logdump) || true
    [ "$mode" = "750 root root" ] || fail "/var/lib/logdump from the rpm is '$mode', not '750 root root'"
    in_root test -f /usr/lib/systemd/system/logdump.timer || fail "the rpm has no /usr/lib/systemd/system/logdump.timer"
    check_installed in_root
    in_root rpm -e --force-debian --dbpath /var/lib/rpm-check logsplit || fail "rpm -e logsplit failed"
    in_root test ! -e /usr/bin/logsplit || fail "/usr/bin/logsplit is still there after rpm -e"
  fi
  # The overlay kept all of it away from this machine.
  if grep -q logsplit-cronolog <<<"$(dpkg-divert --list)" || [ -e /var/lib/rpm-check ]; then
    fail "the chroot's changes reached this machine (a logsplit-cronolog diversion or /var/lib/rpm-check)"
  fi
else
  step "dpkg -x into a scratch directory (no overlayfs here: maintainer scripts not run)"
  in_tree() {  # runs a command with its /usr and /etc arguments taken from the extracted tree
    local argument arguments=()
    for argument in "$@"; do
      case $argument in /usr/*|/etc/*) arguments+=("$work/x$argument") ;; *) arguments+=("$argument") ;; esac
    done
    "${arguments[@]}"
  }
  check_installed in_tree
  mkdir -p "$work/archive" "$work/containers/c1/weblogs/www" "$work/state"
  "$work/x/usr/bin/logdump" validate -c "$work/x/etc/logdump.toml" --destination "$work/archive" \
    --root "$work/containers/{container}/weblogs/{site}" --state-directory "$work/state" \
    || fail "installed logdump validate -c <installed /etc/logdump.toml>"
fi

step "done"
if [ "$failures" -gt 0 ]; then
  echo "check-packages: $failures problem(s); packages in $packages" >&2
  exit 1
fi
echo "check-packages: packages built, linted and installed: $(cd "$packages" && ls | tr '\n' ' ')"
