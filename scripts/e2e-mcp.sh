#!/usr/bin/env bash
# End-to-end test of the example MCP servers with a real MCP client, the Python `mcp` SDK:
# creates a venv (reused when present), installs `mcp`, builds the examples and runs
# tests/mcp/test_mcp_server.py against `mcp_server` (stdio) and tests/mcp/test_mcp_http_server.py
# against `mcp_http_server` (Streamable HTTP on a free loopback port), after the OpenMetrics
# output parsed under `prometheus_client`'s reference parser (tests/mcp/openmetrics_check.py,
# driven by a unit test of the runtime). Then the official
# TypeScript SDK (npm `@modelcontextprotocol/sdk`, with Ajv, installed into
# $CARGO_TARGET_DIR/ts-mcp) drives `mcp_server`: tests/mcp/ts_check.mjs compiles every tool
# schema under Ajv 2020-12 strict mode and validates every structuredContent. Last, Debian's
# `prometheus` (installed by scripts/test.sh) scrapes `mcp_http_server` every second while the
# Python client calls two tools a known number of times: tests/mcp/prometheus_scrape.py checks
# the exact per-tool counts, `up == 1` and a finite p95 per tool from Prometheus' HTTP API
# (TSDB in a temporary directory under $CARGO_TARGET_DIR/prometheus-scrape, removed after).
#
# Without Python, venv support, the `mcp` package (e.g. offline), node/npm or prometheus, it
# skips with a warning and exit status 77 (which scripts/test.sh reports as skipped); under
# CI=true any of these fails the run instead (exit status 1), so CI can never pass without them.
#
# Environment: CARGO_TARGET_DIR (default target/), MCP_VENV (default $CARGO_TARGET_DIR/mcp-venv),
# PYTHON (default python3), TS_MCP_DIR (default $CARGO_TARGET_DIR/ts-mcp).
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
venv="${MCP_VENV:-$target/mcp-venv}"
python="${PYTHON:-python3}"
# The test uses the 2.x client API (MCPError, snake_case result fields).
mcp_requirement="mcp>=2.3,<3"
# The reference OpenMetrics parser (`prometheus_client.openmetrics.parser`).
om_requirement="prometheus_client>=0.20,<1"
ts_dir="${TS_MCP_DIR:-$target/ts-mcp}"
# The SDK major the check is written for, and Ajv 8 (its 2020-12 build).
ts_packages=("@modelcontextprotocol/sdk@^1.32" "ajv@^8")

unavailable() {
  if [ "${CI:-}" = "true" ]; then
    echo "e2e-mcp: FAILED: $1" >&2
    exit 1
  fi
  echo "e2e-mcp: SKIPPED: $1 (under CI=true this fails)" >&2
  exit 77
}

command -v "$python" >/dev/null 2>&1 || unavailable "$python not found"
if [ ! -x "$venv/bin/python" ]; then
  echo "==> creating the venv $venv"
  "$python" -m venv "$venv" || unavailable "could not create a venv at $venv (is python3-venv installed?)"
fi
# Without --upgrade pip only goes to the index when the requirement is not met yet.
echo "==> pip install '$mcp_requirement'"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$mcp_requirement" ||
  unavailable "could not install '$mcp_requirement' into $venv"
"$venv/bin/python" -c "import mcp" || unavailable "the mcp package does not import in $venv"
echo "==> pip install '$om_requirement'"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$om_requirement" ||
  unavailable "could not install '$om_requirement' into $venv"

# --workspace: the features of the workspace build, so the binary `cargo test --workspace`
# already built is reused (`-p examples` would resolve other features and recompile).
echo "==> cargo build --workspace --examples"
"${CARGO:-cargo}" build -q --workspace --examples

# The unit test writes an OpenMetrics exposition with exemplars and users' collectors, and
# checks what tests/mcp/openmetrics_check.py read from it with the reference parser.
echo "==> OpenMetrics under the reference parser (exposition::tests::openmetrics_reference_parser)"
om_log="$target/openmetrics-parser.log"
# Absolute: the test runs in the runtime's directory.
OPENMETRICS_PYTHON="$(cd "$venv" && pwd)/bin/python" "${CARGO:-cargo}" test -q --workspace --lib \
  openmetrics_reference_parser -- --ignored >"$om_log" 2>&1 || { cat "$om_log" >&2; exit 1; }
grep -q "^test result: ok. 1 passed" "$om_log" || {
  cat "$om_log" >&2
  echo "e2e-mcp: FAILED: the reference-parser test did not run" >&2
  exit 1
}

echo "==> tests/mcp/test_mcp_server.py (stdio)"
"$venv/bin/python" tests/mcp/test_mcp_server.py "$target/debug/examples/mcp_server"

echo "==> tests/mcp/test_mcp_http_server.py (Streamable HTTP)"
"$venv/bin/python" tests/mcp/test_mcp_http_server.py "$target/debug/examples/mcp_http_server"

echo "==> TypeScript SDK: ${ts_packages[*]} into $ts_dir"
command -v node >/dev/null 2>&1 || unavailable "node not found (needed for the TypeScript SDK check)"
command -v npm >/dev/null 2>&1 || unavailable "npm not found (needed for the TypeScript SDK check)"
mkdir -p "$ts_dir"
[ -f "$ts_dir/package.json" ] || printf '{ "private": true, "type": "module" }\n' >"$ts_dir/package.json"
if [ ! -d "$ts_dir/node_modules/@modelcontextprotocol/sdk" ] || [ ! -d "$ts_dir/node_modules/ajv" ]; then
  npm install --prefix "$ts_dir" --no-audit --no-fund --silent "${ts_packages[@]}" ||
    unavailable "could not install ${ts_packages[*]} into $ts_dir"
fi
cp tests/mcp/ts_check.mjs "$ts_dir/ts_check.mjs"
echo "==> tests/mcp/ts_check.mjs (TypeScript SDK, stdio)"
node "$ts_dir/ts_check.mjs" "$target/debug/examples/mcp_server"

echo "==> tests/mcp/prometheus_scrape.py (Prometheus scrapes mcp_http_server)"
command -v prometheus >/dev/null 2>&1 || unavailable "prometheus not found (scripts/test.sh installs Debian's)"
"$venv/bin/python" tests/mcp/prometheus_scrape.py "$target/debug/examples/mcp_http_server" \
  "$(command -v prometheus)" "$target/prometheus-scrape"
