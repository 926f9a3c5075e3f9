#!/usr/bin/env bash
# Builds the package-benchmark targets in Benchmarks/ (debug, nothing is run) so that it cannot rot.
# .ci/run calls this; the scratch path is its own so it does not disturb other builds.
#
#   scripts/ci-build-benchmarks.sh            # scratch path .build-bench-ci
#   BENCH_SCRATCH=/tmp/x scripts/ci-build-benchmarks.sh
#
# Running the benchmarks themselves (release, a few minutes):
#   swift package --package-path Benchmarks --scratch-path .build-bench benchmark
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
scratch=${BENCH_SCRATCH:-$repo/.build-bench-ci}
cd "$repo/Benchmarks"
started=$(date +%s)
swift build --scratch-path "$scratch" --product SplitHotPath
swift build --scratch-path "$scratch" --product VerifyPath
echo "ci-build-benchmarks: benchmark targets SplitHotPath and VerifyPath build ($(( $(date +%s) - started )) s)"
