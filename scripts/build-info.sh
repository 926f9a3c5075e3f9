#!/usr/bin/env bash
# Writes DIR/logsplit_build_commit.h with the git commit the sources come from, for `--version`
# (Sources/CBuildInfo/build_info.c includes it when the build passes -Xcc -I DIR).
# The file is rewritten only when the commit changed, so an unchanged tree relinks nothing.
# "-dirty" is added when what goes into the binaries (Sources/, Package.swift) differs from that commit.
set -euo pipefail
dir=${1:?usage: build-info.sh DIR}
cd "$(dirname "$0")/.."
commit=unknown
if git rev-parse --git-dir >/dev/null 2>&1; then
  commit=$(git rev-parse --short=7 HEAD)
  git diff --quiet HEAD -- Sources Package.swift || commit="$commit-dirty"
fi
mkdir -p "$dir"
line="#define LOGSPLIT_COMMIT \"$commit\""
if [ "$(cat "$dir/logsplit_build_commit.h" 2>/dev/null)" != "$line" ]; then
  printf '%s\n' "$line" >"$dir/logsplit_build_commit.h.tmp"
  mv "$dir/logsplit_build_commit.h.tmp" "$dir/logsplit_build_commit.h"
fi
echo "$commit"
