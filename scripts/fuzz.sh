#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/ (AddressSanitizer, optimised) and runs each for a bounded time on a
# copy of its committed seed corpus (Fuzz/Corpus/<Target>/, never modified). Exits 1 if any input makes a
# parser trap, hang or overrun memory, after printing each crashing input's path and a hex dump.
#
#   scripts/fuzz.sh                                   # every target, FUZZ_SECONDS each (default 12: ~90 s in all)
#   scripts/fuzz.sh TemplateFuzzer ConfigFuzzer       # only these
#   FUZZ_SECONDS=600 scripts/fuzz.sh StartTimeFuzzer  # one target, longer
#   FUZZ_BUILD=0 scripts/fuzz.sh                      # run what is built, do not build
#
# Environment: FUZZ_SECONDS (per target), FUZZ_SCRATCH (build directory, default .build-fuzz),
# FUZZ_CONFIGURATION (release, the default: -O keeps every Swift trap and runs 2-4x more inputs than
# debug for a build only seconds longer; debug gives exact line numbers),
# FUZZ_ARGS (extra libFuzzer options, e.g. "-jobs=2 -workers=2" or "-dict=..."), FUZZ_KEEP (a directory
# where crashing inputs are copied; default $FUZZ_SCRATCH/crashes).
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

seconds=${FUZZ_SECONDS:-12}
scratch=${FUZZ_SCRATCH:-$repo/.build-fuzz}
keep=${FUZZ_KEEP:-$scratch/crashes}
configuration=${FUZZ_CONFIGURATION:-release}
all_targets=(TemplateFuzzer DurationFuzzer StartTimeFuzzer LineTimestampFuzzer SiteNameFuzzer RawBytesFuzzer ConfigFuzzer)
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${all_targets[@]}"); fi

# Swift's crash backtracer waits on the dying process and can hold the pipe open; libFuzzer prints its own.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1:handle_abort=1}

if [ "${FUZZ_BUILD:-1}" != 0 ]; then
  started=$(date +%s)
  echo "fuzz: building Fuzz/ ($configuration, -sanitize=fuzzer,address) into $scratch"
  build_log=$(mktemp "${TMPDIR:-/tmp}/logsplit-fuzz-build.XXXXXX")
  swift build --package-path Fuzz --scratch-path "$scratch" -c "$configuration" -Xswiftc -sanitize=fuzzer,address \
    >"$build_log" 2>&1
  status=$?
  grep -v -e 'ld.gold: warning: Cannot export local symbol' -e '^\[[0-9]*/[0-9]*\]' "$build_log"
  rm -f "$build_log"
  if [ "$status" != 0 ]; then
    echo "fuzz: BUILD FAILED" >&2
    exit 2
  fi
  echo "fuzz: built in $(( $(date +%s) - started )) s"
fi
bin=$(swift build --package-path Fuzz --scratch-path "$scratch" -c "$configuration" --show-bin-path 2>/dev/null)

work=$(mktemp -d "${TMPDIR:-/tmp}/logsplit-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$keep"

failed=()
skipped=()
for target in "${targets[@]}"; do
  exe=$bin/$target
  if [ ! -x "$exe" ]; then
    if [ "$target" = ConfigFuzzer ]; then
      echo "fuzz: ConfigFuzzer SKIPPED: the root Package.swift does not export LogDump as a library product" >&2
      echo "      (add .library(name: \"LogDump\", targets: [\"LogDump\"]) to its products to fuzz the config)" >&2
      skipped+=("$target")
      continue
    fi
    echo "fuzz: $target: no such fuzzer in $bin" >&2
    failed+=("$target")
    continue
  fi
  corpus=$work/corpus/$target
  artifacts=$work/artifacts/$target
  mkdir -p "$corpus" "$artifacts"
  if [ -d "Fuzz/Corpus/$target" ]; then cp -R "Fuzz/Corpus/$target/." "$corpus/"; fi
  log=$work/$target.log
  started=$(date +%s)
  # shellcheck disable=SC2086
  "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" ${FUZZ_ARGS:-} "$corpus" >"$log" 2>&1
  status=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  if [ "$status" = 0 ]; then
    echo "fuzz: $target: ok, ${runs:-?} inputs in $(( $(date +%s) - started )) s, corpus $(ls "$corpus" | wc -l) inputs"
    continue
  fi
  failed+=("$target")
  echo "fuzz: $target: FAILED (exit $status) after $(( $(date +%s) - started )) s" >&2
  # What trapped, and where in our code.
  grep -E 'Fatal error|ERROR: (AddressSanitizer|libFuzzer)|SUMMARY|Swift runtime failure|out-of-memory|timeout' "$log" \
    | grep -v '^INFO' | head -8 | sed 's/^/    /' >&2
  grep -E '^ *#[0-9]+ .* in .*(Sources/|Fuzz/Sources/)' "$log" | head -10 | sed 's/^/    /' >&2
  found=0
  for artifact in "$artifacts"/*; do
    [ -f "$artifact" ] || continue
    found=1
    saved=$keep/$target-$(basename "$artifact")
    cp "$artifact" "$saved"
    echo "    crashing input: $saved ($(wc -c <"$saved") bytes); reproduce: $exe $saved" >&2
    head -c 512 "$saved" | od -A x -t x1z -v | sed 's/^/      /' >&2
  done
  if [ "$found" = 0 ]; then
    echo "    no input was saved; the end of the log:" >&2
    tail -20 "$log" | sed 's/^/      /' >&2
  fi
  cp "$log" "$keep/$target.log"
  echo "    full log: $keep/$target.log" >&2
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (see Fuzz/README.md to turn a crash into a regression test)" >&2
  exit 1
fi
echo "fuzz: no crash in ${targets[*]}${skipped:+ (skipped: ${skipped[*]})}"
