#!/usr/bin/env bash
# Runs every test of the project, installing the external tools the tests need first:
# Debian's prometheus (prometheus + promtool) and prometheus-pushgateway, and a Python venv
# with the `mcp` client (created by scripts/e2e-mcp.sh). Works on a fresh Debian machine as
# root or with sudo; see README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v prometheus-pushgateway >/dev/null 2>&1 || missing+=(prometheus-pushgateway)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> installing ${missing[*]} (Debian packages)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

echo "==> cargo test --workspace"
cargo test --workspace

# Separate builds: these features would otherwise unify into every other test.
echo "==> cargo test with instrumentation compiled out (feature off)"
cargo test -p session-metrics-tests --features off --test instrumentation_off
echo "==> cargo test with tracing spans and events (feature tracing)"
cargo test -p session-metrics-tests --features tracing --test tracing_spans

echo "==> deploy/: promtool check config, check rules, test rules; dashboard"
bash scripts/check-deploy.sh

echo "==> MCP example server with the Python mcp client"
bash scripts/e2e-mcp.sh

echo "==> examples as a user runs them"
bash scripts/e2e-examples.sh

echo "all tests passed"
