#!/usr/bin/env bash
# Compile cost of the attribute: a generated crate of 200 functions (half of them `async`),
# rebuilt after a touch (debug profile), plain and under `#[track_operation]`,
# `#[tracing::instrument]` and `#[autometrics]`, in interleaved rounds, each rebuild timed in
# wall-clock seconds and in CPU seconds (user + system of cargo and rustc). Prints the median
# of RUNS rebuilds of each and the ratio to plain. Usage: bash benches/compile-time.sh [RUNS]
# (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
runs=${1:-5}
dir=$root/target/compile-time
mkdir -p "$dir"
variants=(plain track_operation instrument autometrics)

cat > "$dir/Cargo.toml" <<TOML
[workspace]
resolver = "3"
members = [$(printf '"%s",' "${variants[@]}")]

[workspace.dependencies]
session-metrics = { path = "$root/metrics-runtime", default-features = false }
tracing = "0.1"
autometrics = { version = "3", default-features = false, features = ["prometheus-0_14"] }
TOML
cp "$root/Cargo.lock" "$dir/Cargo.lock"

for v in "${variants[@]}"; do
  mkdir -p "$dir/$v/src"
  case $v in
    plain) attr=""; dep="" ;;
    track_operation) attr='#[session_metrics::track_operation("bench", "op_N")]'; dep="session-metrics.workspace = true" ;;
    instrument) attr='#[tracing::instrument]'; dep="tracing.workspace = true" ;;
    autometrics) attr='#[autometrics::autometrics]'; dep="autometrics.workspace = true" ;;
  esac
  printf '[package]\nname = "ct-%s"\nversion = "0.0.0"\nedition = "2024"\npublish = false\n\n[dependencies]\n%s\n' \
    "${v//_/-}" "$dep" > "$dir/$v/Cargo.toml"
  {
    echo "#![allow(warnings, clippy::all)]"
    for i in $(seq 1 100); do
      echo "${attr//op_N/sync_$i}"
      echo "pub fn sync_$i(x: u64) -> Result<u64, std::num::ParseIntError> { let y: u64 = \"$i\".parse()?; Ok(x + y) }"
      echo "${attr//op_N/async_$i}"
      echo "pub async fn async_$i(x: u64) -> u64 { x.wrapping_mul($i) }"
    done
  } > "$dir/$v/src/lib.rs"
done

# Build every dependency once; only the generated crates are timed.
cargo build -q --manifest-path "$dir/Cargo.toml" --workspace

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# Rounds interleave the variants, so a change in the machine's load hits all of them alike.
declare -A walls cpus
for _ in $(seq 1 "$runs"); do
  for v in "${variants[@]}"; do
    touch "$dir/$v/src/lib.rs"
    # Wall clock (what a developer waits for) and CPU time (user + system of cargo and the
    # compiler it runs: steadier than wall clock on a machine that is doing other work).
    # bash's `time` has millisecond resolution (`/usr/bin/time` only centiseconds).
    t=$( { TIMEFORMAT='%3R %3U %3S'; time cargo build -q --manifest-path "$dir/Cargo.toml" \
      -p "ct-${v//_/-}" >/dev/null 2>&1; } 2>&1 | tail -1)
    walls[$v]+="$(echo "$t" | awk '{print $1}') "
    cpus[$v]+="$(echo "$t" | awk '{print $2 + $3}') "
  done
done
declare -A wall cpu
for v in "${variants[@]}"; do
  wall[$v]=$(printf '%s\n' ${walls[$v]} | median)
  cpu[$v]=$(printf '%s\n' ${cpus[$v]} | median)
done
printf '%-18s %12s %8s %12s %8s\n' variant "median wall s" "× plain" "median CPU s" "× plain"
for v in "${variants[@]}"; do
  printf '%-18s %12.3f %8.2f %12.3f %8.2f\n' "$v" \
    "${wall[$v]}" "$(echo "${wall[$v]} / ${wall[plain]}" | bc -l)" \
    "${cpu[$v]}" "$(echo "${cpu[$v]} / ${cpu[plain]}" | bc -l)"
done
