#!/usr/bin/env bash
# Instructions per instrumented call (sync success, sync failure, async success), counted by
# callgrind: the difference between 200,000 and 100,000 calls, divided by 100,000. Exact and
# repeatable whatever else the machine runs, so two versions compare without noise.
# Usage: bash benches/instructions.sh   (needs valgrind: apt-get install valgrind)
# MODES="success failure" picks the modes (default: all five); CALLS=path counts another build
# of `calls` (e.g. one of an earlier commit, which may lack the exemplar modes).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${CALLS:-}" ] || cargo build -q --release -p session-metrics-benches --bin calls
bin=${CALLS:-${CARGO_TARGET_DIR:-target}/release/calls}
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" 2>&1 |
    awk '/Collected/ {print $4}'
}
for which in ${MODES:-success failure async no_trace traced}; do
  small=$(count 100000 "$which")
  large=$(count 200000 "$which")
  echo "$which: $(( (large - small) / 100000 )) instructions per call"
done
