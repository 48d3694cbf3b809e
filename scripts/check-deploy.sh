#!/usr/bin/env bash
# Checks the monitoring files under deploy/: the Prometheus config, the recording/alerting
# rules and their unit tests (with promtool), the generated SLO rules (stale if they differ
# from what `cargo run -p examples --example slo_rules` prints now) and the Grafana dashboard
# JSON (with python3).
#
#   bash scripts/check-deploy.sh        (from any directory)
#
# promtool comes with Debian's `prometheus` package. Without it the promtool checks are
# skipped, except under CI=true, where a missing promtool is an error.
# Exit status: 0 if every check ran and passed, 77 if every check that ran passed but the
# promtool checks were skipped (scripts/test.sh reports that as skipped), 1 otherwise.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CONFIG=deploy/prometheus/prometheus.yml
RULES=deploy/prometheus/rules/session_metrics.rules.yml
TESTS=deploy/prometheus/rules/session_metrics.test.yml
SLO_RULES=deploy/prometheus/rules/session_metrics_slo.rules.yml
SLO_TESTS=deploy/prometheus/rules/session_metrics_slo.test.yml
DASHBOARD=deploy/grafana/session-metrics.json

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

failed=()
# check NAME CMD...: prints the name, runs CMD, records a failure without stopping.
check() {
  local name=$1; shift
  echo "==> $name"
  if "$@"; then
    echo "    ok"
  else
    echo "    FAILED: $name" >&2
    failed+=("$name")
  fi
}

if ! command -v python3 >/dev/null 2>&1; then
  if [ "${CI:-}" = true ]; then
    echo "check-deploy: python3 not found, and it is required when CI=true." >&2
    exit 1
  fi
  echo "check-deploy: python3 not found: SKIPPING every check (the dashboard check needs it)" >&2
  exit 77
fi

have_promtool=true
if ! command -v promtool >/dev/null 2>&1; then
  if [ "${CI:-}" = true ]; then
    echo "check-deploy: promtool not found, and it is required when CI=true." >&2
    echo "check-deploy: install it with: apt-get install --no-install-recommends prometheus" >&2
    exit 1
  fi
  have_promtool=false
  echo "check-deploy: promtool not found: SKIPPING the promtool checks (config, rules, rule tests," \
       "dashboard PromQL syntax). Install Debian's prometheus package to run them."
fi

# Validates the dashboard and writes its expressions, with the template variables substituted
# as the end-to-end test does ($component -> .*, $__rate_interval -> 1m), as a rule file to
# $TMP/dashboard_exprs.rules.yml so that promtool can parse them.
check_dashboard_json() {
  python3 - "$DASHBOARD" "$TMP/dashboard_exprs.rules.yml" <<'PY'
import json, re, sys

path, rules_out = sys.argv[1], sys.argv[2]
errors = []
try:
    with open(path, encoding="utf-8") as f:
        dash = json.load(f)
except (OSError, ValueError) as e:
    print(f"    {path}: not valid JSON: {e}", file=sys.stderr)
    sys.exit(1)

ALLOWED_EXPR_VARS = {"component", "__rate_interval"}
ALLOWED_TEMPLATE_VARS = {"datasource", "component"}

# Variables.
tvars = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
if set(tvars) != ALLOWED_TEMPLATE_VARS:
    errors.append(f"template variables are {sorted(tvars)}, expected {sorted(ALLOWED_TEMPLATE_VARS)}")
ds = tvars.get("datasource", {})
if ds and (ds.get("type") != "datasource" or ds.get("query") != "prometheus"):
    errors.append("variable datasource must have type 'datasource' and query 'prometheus'")
comp = tvars.get("component", {})
if comp:
    q = comp.get("query")
    q = q.get("query", "") if isinstance(q, dict) else (q or "")
    if comp.get("type") != "query" or "label_values(session_start_total, component_name)" not in q:
        errors.append("variable component must be a query of label_values(session_start_total, component_name)")
    if not (comp.get("multi") and comp.get("includeAll")):
        errors.append("variable component must allow multiple values and All")

# Panels (rows may nest panels).
def walk(panels):
    for p in panels:
        yield p
        yield from walk(p.get("panels", []))

exprs = []
panels = list(walk(dash.get("panels", [])))
if not panels:
    errors.append("no panels")
for p in panels:
    if p.get("type") == "row":
        continue
    title = p.get("title") or f"panel id {p.get('id')}"
    targets = p.get("targets") or []
    if not targets:
        errors.append(f"panel '{title}': no targets")
    for t in targets:
        expr = t.get("expr")
        if not isinstance(expr, str) or not expr.strip():
            errors.append(f"panel '{title}' target {t.get('refId')}: empty expr")
            continue
        used = set(re.findall(r"\$(\w+)", expr)) | set(re.findall(r"\[\[(\w+)", expr))
        if "${" in expr:
            errors.append(f"panel '{title}': use $name, not ${{name}}, in expressions")
        if used - ALLOWED_EXPR_VARS:
            errors.append(f"panel '{title}': variables {sorted(used - ALLOWED_EXPR_VARS)} not allowed"
                          f" (only {sorted(ALLOWED_EXPR_VARS)})")
        if expr.count("$component") != expr.count('component_name=~"$component"'):
            errors.append(f"panel '{title}': $component must only appear as component_name=~\"$component\"")
        exprs.append((title, expr))

for e in errors:
    print(f"    {path}: {e}", file=sys.stderr)
if errors:
    sys.exit(1)

with open(rules_out, "w", encoding="utf-8") as f:
    f.write("groups:\n  - name: dashboard-expressions\n    rules:\n")
    for i, (title, expr) in enumerate(exprs):
        expr = expr.replace("$component", ".*").replace("$__rate_interval", "1m")
        # A JSON string is a valid YAML double-quoted scalar.
        f.write(f"      - record: dashboard:expr_{i}\n        expr: {json.dumps(expr)}\n")
print(f"    {len(panels)} panels, {len(exprs)} expressions, variables {sorted(tvars)}")
PY
}

# The generated SLO rules must be what the demo's objectives give today. SESSION_BUDDY_*
# variables are unset: the file is generated from the settings file alone.
check_slo_rules_fresh() {
  local vars
  vars=$(compgen -e | grep '^SESSION_BUDDY_' || true)
  # shellcheck disable=SC2086
  (unset $vars; cargo run -q -p examples --example slo_rules) >"$TMP/slo.rules.yml" || return 1
  if ! diff -u "$SLO_RULES" "$TMP/slo.rules.yml"; then
    echo "    $SLO_RULES is stale: regenerate it with" >&2
    echo "    cargo run -q -p examples --example slo_rules > $SLO_RULES" >&2
    return 1
  fi
}

# Parses every dashboard expression with promtool (as recording rules).
check_dashboard_promql() {
  promtool check rules "$TMP/dashboard_exprs.rules.yml" >/dev/null
}

if $have_promtool; then
  check "promtool check config $CONFIG" promtool check config "$CONFIG"
  check "promtool check rules $RULES" promtool check rules "$RULES"
  check "promtool test rules $TESTS" promtool test rules "$TESTS"
  check "promtool check rules $SLO_RULES" promtool check rules "$SLO_RULES"
  check "promtool test rules $SLO_TESTS" promtool test rules "$SLO_TESTS"
fi
check "$SLO_RULES is up to date (examples/slo_rules)" check_slo_rules_fresh
check "dashboard JSON $DASHBOARD (panels, targets, variables)" check_dashboard_json
if $have_promtool; then
  if [ -s "$TMP/dashboard_exprs.rules.yml" ]; then
    check "dashboard PromQL syntax (\$component -> .*, \$__rate_interval -> 1m)" check_dashboard_promql
  else
    echo "==> dashboard PromQL syntax: skipped (the dashboard JSON check failed)"
  fi
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "check-deploy: ${#failed[@]} check(s) FAILED:" >&2
  printf '  - %s\n' "${failed[@]}" >&2
  exit 1
fi
if $have_promtool; then
  echo "check-deploy: all checks passed"
else
  echo "check-deploy: dashboard JSON check passed; promtool checks SKIPPED"
  exit 77
fi
