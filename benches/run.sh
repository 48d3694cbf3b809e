#!/usr/bin/env bash
# The whole benchmark suite, as recorded in BENCHMARKS.md: the overhead and scale benches with
# the default clock, the overhead bench again with the `quanta` clock, then the tables and the
# memory figures. About five minutes on 2 cores. Extra arguments go to criterion.
set -euo pipefail
cd "$(dirname "$0")/.."
args=(--warm-up-time 1 --measurement-time 2 "$@")
cargo bench -p session-metrics-benches --benches -- "${args[@]}"
cargo bench -p session-metrics-benches --features quanta --bench overhead -- "${args[@]}"
cargo run --release -q -p session-metrics-benches --bin report
cargo run --release -q -p session-metrics-benches --bin memory
