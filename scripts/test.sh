#!/usr/bin/env bash
# Runs every test of the workspace, installing the external tools the tests need first.
# Works on a fresh Debian machine (as root, or with sudo); see README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# promtool (Debian's `prometheus` package) checks our exposition format.
if ! command -v promtool >/dev/null 2>&1; then
  echo "==> installing promtool (Debian package prometheus)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi

echo "==> cargo test --workspace"
cargo test --workspace

# Separate builds: these features would otherwise unify into every other test.
echo "==> cargo test with instrumentation compiled out (feature off)"
cargo test -p session-metrics-tests --features off --test instrumentation_off
echo "==> cargo test with tracing spans and events (feature tracing)"
cargo test -p session-metrics-tests --features tracing --test tracing_spans
