#!/usr/bin/env bash
# Instructions rustc executes to rebuild the crates of benches/compile-time.sh (callgrind,
# all threads): exact and repeatable where wall-clock and CPU time move with the machine's
# load. Needs valgrind and the crates that `bash benches/compile-time.sh` generates (run it
# first, with any RUNS). Usage: bash benches/compile-instructions.sh [VARIANT...]
# (default: plain track_operation).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$PWD/target/compile-time
[ -f "$dir/Cargo.toml" ] || { echo "run benches/compile-time.sh first" >&2; exit 1; }
variants=("${@:-plain}")
[ $# -gt 0 ] || variants=(plain track_operation)
declare -A count
for v in "${variants[@]}"; do
  touch "$dir/$v/src/lib.rs"
  # The exact compiler command cargo runs for the crate, rerun under callgrind.
  cmd=$(cd "$dir" && cargo build -v -p "ct-${v//_/-}" 2>&1 | sed -n 's/^ *Running `\(.*\)`$/\1/p' | tail -1)
  [ -n "$cmd" ] || { echo "no rustc command for $v" >&2; exit 1; }
  count[$v]=$(cd "$dir" && eval valgrind --tool=callgrind --callgrind-out-file=/dev/null \
    --trace-children=yes "$cmd" 2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p' \
    | awk '{s += $1} END {printf "%d\n", s}')
done
printf '%-18s %16s %8s\n' variant "rustc instructions" "× plain"
for v in "${variants[@]}"; do
  ratio=-
  [ -n "${count[plain]:-}" ] && ratio=$(printf '%.2f' "$(echo "${count[$v]} / ${count[plain]}" | bc -l)")
  printf '%-18s %16d %8s\n' "$v" "${count[$v]}" "$ratio"
done
