#!/usr/bin/env bash
# Instructions per instrumented call (sync success, sync failure, async success), counted by
# callgrind: the difference between 200,000 and 100,000 calls, divided by 100,000. Exact and
# repeatable whatever else the machine runs, so two versions compare without noise.
# Usage: bash benches/instructions.sh   (needs valgrind: apt-get install valgrind)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p session-metrics-benches --bin calls
bin=${CARGO_TARGET_DIR:-target}/release/calls
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" 2>&1 |
    awk '/Collected/ {print $4}'
}
for which in success failure async; do
  small=$(count 100000 "$which")
  large=$(count 200000 "$which")
  echo "$which: $(( (large - small) / 100000 )) instructions per call"
done
