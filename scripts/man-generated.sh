#!/usr/bin/env bash
# Regenerates packaging/man/generated/{logsplit,logdump}.8 with swift-argument-parser's generate-manual (the
# GenerateManual plugin builds the tool and the programs in MAN_SCRATCH, default .build-man). Run it after an
# option or a help text changed, and commit the result; scripts/man-pages.py merges it with the hand-written
# sections and the README's tables, and PackagingManPageTests fails when an option is missing from it.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=${MAN_SCRATCH:-$PWD/.build-man}
# The date of the last change to the command lines, so an unchanged command line regenerates the same page.
date=${MAN_DATE:-$(git log -1 --format=%cs -- Sources/logsplit Sources/LogDumpCLI 2>/dev/null || date -u +%F)}
swift package --scratch-path "$scratch" plugin generate-manual --configuration debug --section 8 --date "$date" >/dev/null
tool=$(find "$scratch" -type f \( -name generate-manual -o -name generate-manual-tool \) -perm -u+x | head -n1)
bin=$(swift build --scratch-path "$scratch" --show-bin-path)
[ -x "$tool" ] || { echo "man-generated.sh: generate-manual was not built in $scratch" >&2; exit 1; }
mkdir -p packaging/man/generated
for program in logsplit logdump; do
  "$tool" "$bin/$program" --section 8 --date "$date" --authors "the logsplit maintainers" -o packaging/man/generated
done
ls -l packaging/man/generated
