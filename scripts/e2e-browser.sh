#!/usr/bin/env bash
# The live status page in a real browser: Debian's chromium (installed with apt when missing,
# as the Prometheus packages are) driven headless by npm's playwright-core (no browser
# download), against the status page fixture (examples/examples/status_page_fixture.rs).
# Runs tests/browser/status_page.test.cjs, which saves a full-page screenshot as
# $CARGO_TARGET_DIR/browser/status-page.png; with E2E_BROWSER_UPDATE_DOCS=1 it is also copied
# to docs/status-page.png (the README's picture).
#
# Without chromium, node/npm or playwright-core (e.g. offline) it skips with exit status 77
# (which scripts/test.sh reports as skipped); under CI=true that fails the run (exit status 1).
#
# Environment: CARGO_TARGET_DIR (default target/), CHROMIUM (default /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
node_dir="$target/browser/node"
chromium="${CHROMIUM:-/usr/bin/chromium}"

in_ci() { [ -n "${CI:-}" ] && [ "${CI:-}" != false ] && [ "${CI:-}" != 0 ]; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
unavailable() {
  if in_ci; then
    echo "e2e-browser: FAILED: $1" >&2
    exit 1
  fi
  echo "e2e-browser: SKIPPED: $1 (under CI=true this fails)" >&2
  exit 77
}

packages=()
[ -x "$chromium" ] || packages+=(chromium)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
if [ "${#packages[@]}" -gt 0 ]; then
  echo "==> installing ${packages[*]} (Debian packages)"
  { as_root apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
      "${packages[@]}" >/dev/null; } || unavailable "could not install ${packages[*]}"
fi
[ -x "$chromium" ] || unavailable "no browser at $chromium"

# playwright-core at the version tests/browser/package.json pins, outside the source tree.
mkdir -p "$node_dir"
cp tests/browser/package.json "$node_dir/package.json"
if ! node -e 'const p = require(process.argv[1] + "/node_modules/playwright-core/package.json");
  const want = require(process.argv[1] + "/package.json").dependencies["playwright-core"];
  process.exit(p.version === want ? 0 : 1)' "$PWD/$node_dir" 2>/dev/null; then
  echo "==> npm install playwright-core into $node_dir"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$node_dir" --no-audit --no-fund \
    --silent >/dev/null || unavailable "could not install playwright-core from npm"
fi

# --workspace: the features of the workspace build, so `cargo test --workspace`'s build is reused.
echo "==> cargo build --workspace --examples"
"${CARGO:-cargo}" build -q --workspace --examples

mkdir -p "$target/browser"
screenshot="$target/browser/status-page.png"
echo "==> tests/browser/status_page.test.cjs ($("$chromium" --version 2>/dev/null | head -1))"
PLAYWRIGHT_CORE="$PWD/$node_dir/node_modules/playwright-core" CHROMIUM="$chromium" \
  timeout 120 node tests/browser/status_page.test.cjs \
  "$target/debug/examples/status_page_fixture" "$screenshot"
if [ "${E2E_BROWSER_UPDATE_DOCS:-}" = 1 ]; then
  cp "$screenshot" docs/status-page.png
  echo "==> copied the screenshot to docs/status-page.png"
fi
