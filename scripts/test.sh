#!/usr/bin/env bash
# Runs every test suite of the project, installing the external tools the tests need first:
# Debian's prometheus (prometheus + promtool) and prometheus-pushgateway, python3 with venv
# support (python3-venv), and a Python venv with the `mcp` client (made by scripts/e2e-mcp.sh);
# scripts/e2e-browser.sh installs Debian's chromium and npm's playwright-core for its suite.
# Works on a fresh Debian machine as root or with sudo; see README.md.
#
# Every suite is reported as passed, failed or skipped. Outside CI a suite whose tools are
# missing (and cannot be installed) is skipped; under CI=true that is a failure. The last line
# is the summary, `suites: N passed, N failed, N skipped`; `all tests passed` comes before it
# only when no suite failed or was skipped. Exit status: 0 unless a suite failed.
#
# One feature resolution for every build: all cargo commands select the whole workspace
# (`--workspace`), so the feature-variant test builds recompile only the crates whose features
# change, and the example binaries come from the same build as the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

in_ci() { [ -n "${CI:-}" ] && [ "${CI:-}" != false ] && [ "${CI:-}" != 0 ]; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
have() { command -v "$1" >/dev/null 2>&1; }
python=${PYTHON:-python3}
python_has_venv() { have "$python" && "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; }

# --- tools ----------------------------------------------------------------------------------
packages=()
{ have promtool && have prometheus; } || packages+=(prometheus)
have prometheus-pushgateway || packages+=(prometheus-pushgateway)
have "$python" || packages+=(python3)
python_has_venv || packages+=(python3-venv)
if [ "${#packages[@]}" -gt 0 ]; then
  echo "==> installing ${packages[*]} (Debian packages)"
  if ! { as_root apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
      "${packages[@]}" >/dev/null; }; then
    if in_ci; then
      echo "test.sh: FAILED: could not install ${packages[*]}, which CI=true requires" >&2
      exit 1
    fi
    echo "test.sh: could not install ${packages[*]}: the suites needing them are skipped" >&2
  fi
fi
missing_tools=()
for tool in prometheus promtool prometheus-pushgateway; do
  have "$tool" || missing_tools+=("$tool")
done

# --- suites ---------------------------------------------------------------------------------
passed=()
failed=()
skipped=()
# suite NAME CMD...: runs CMD; exit 0 is a pass, 77 a skip (a failure under CI), else a failure.
suite() {
  local name=$1 start=$SECONDS rc=0
  shift
  echo "==> $name: $*"
  "$@" || rc=$?
  local took="$((SECONDS - start)) s"
  if [ "$rc" = 0 ]; then
    passed+=("$name")
    echo "<== $name: passed ($took)"
  elif [ "$rc" = 77 ] && ! in_ci; then
    skipped+=("$name")
    echo "<== $name: SKIPPED ($took)"
  else
    failed+=("$name")
    echo "<== $name: FAILED, exit status $rc ($took)" >&2
  fi
}

# Unit, behaviour, trybuild ui, doc (README included) and end-to-end tests.
suite cargo-test cargo test --workspace
if [ "${#missing_tools[@]}" -gt 0 ]; then
  # Those tests ran inside the suite above and returned early after printing SKIPPED.
  skipped+=("e2e-tools (the cargo tests needing ${missing_tools[*]})")
fi
# Feature variants: with --workspace the features of every other crate stay those of the build
# above, so only the runtime, the macros and the tests package are compiled again.
suite feature-off \
  cargo test --workspace --features session-metrics-tests/off --test instrumentation_off
suite feature-tracing \
  cargo test --workspace --features session-metrics-tests/tracing --test tracing_spans --test mcp_spans
# Exemplars from the current OpenTelemetry span (the runtime's unit tests and doc examples).
suite feature-opentelemetry bash -c \
  'cargo test --workspace --features session-metrics/opentelemetry --lib exemplar &&
   cargo test --workspace --features session-metrics/opentelemetry --doc exemplar'
# deploy/: promtool check config, check rules, test rules; the dashboard.
suite deploy bash scripts/check-deploy.sh
# The example MCP server with the Python mcp client.
suite e2e-mcp bash scripts/e2e-mcp.sh
# The examples as a user runs them.
suite e2e-examples bash scripts/e2e-examples.sh
# The live status page in Debian's chromium, driven by playwright-core.
suite e2e-browser bash scripts/e2e-browser.sh

echo "test.sh: $SECONDS s in all"

# --- summary --------------------------------------------------------------------------------
for name in "${skipped[@]}"; do echo "skipped: $name"; done
for name in "${failed[@]}"; do echo "failed: $name"; done
if [ "${#failed[@]}" = 0 ] && [ "${#skipped[@]}" = 0 ]; then
  echo "all tests passed"
fi
echo "suites: ${#passed[@]} passed, ${#failed[@]} failed, ${#skipped[@]} skipped"
[ "${#failed[@]}" = 0 ]
