#!/usr/bin/env bash
# Writes DIR/logsplit_build_commit.h with the git commit the sources come from (or $LOGSPLIT_COMMIT), for `--version`
# (Sources/CBuildInfo/build_info.c includes it when the build passes -Xcc -I DIR).
# The file is rewritten only when the commit changed, so an unchanged tree relinks nothing.
# "-dirty" is added when what goes into the binaries (Sources/, Package.swift) differs from that commit.
set -euo pipefail
dir=${1:?usage: build-info.sh DIR}
cd "$(dirname "$0")/.."
# LOGSPLIT_COMMIT names the commit where there is no git checkout (a source tarball).
commit=${LOGSPLIT_COMMIT:-unknown}
if [ -z "${LOGSPLIT_COMMIT:-}" ] && head=$(git rev-parse --short=7 HEAD 2>/dev/null); then
  commit=$head
  git diff --quiet HEAD -- Sources Package.swift || commit="$commit-dirty"
fi
mkdir -p "$dir"
line="#define LOGSPLIT_COMMIT \"$commit\""
if [ "$(cat "$dir/logsplit_build_commit.h" 2>/dev/null)" != "$line" ]; then
  printf '%s\n' "$line" >"$dir/logsplit_build_commit.h.tmp"
  mv "$dir/logsplit_build_commit.h.tmp" "$dir/logsplit_build_commit.h"
fi
echo "$commit"
