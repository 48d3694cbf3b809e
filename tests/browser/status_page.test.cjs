// The live status page in a real browser (Debian's chromium, headless, driven by
// playwright-core): loads `/` of the status page fixture, compares what it shows with
// `/metrics`, sorts, filters, checks the markup label renders as text, that the page updates
// itself without a reload and logs no errors, and saves a full-page screenshot.
//
// Usage: node status_page.test.cjs FIXTURE_BINARY SCREENSHOT_PNG
// Environment: PLAYWRIGHT_CORE (path of the playwright-core package), CHROMIUM (the browser,
// default /usr/bin/chromium).
"use strict";

const assert = require("node:assert/strict");
const { spawn } = require("node:child_process");
const { chromium } = require(process.env.PLAYWRIGHT_CORE || "playwright-core");

const XSS = "<script>alert(1)</script>";
const [fixture, screenshot] = process.argv.slice(2);
if (!fixture || !screenshot) {
  console.error("usage: node status_page.test.cjs FIXTURE_BINARY SCREENSHOT_PNG");
  process.exit(2);
}

// Starts the fixture and resolves with its base URL, from its first line of output.
function startFixture() {
  const child = spawn(fixture, [], { stdio: ["pipe", "pipe", "inherit"] });
  const url = new Promise((resolve, reject) => {
    let out = "";
    const guard = setTimeout(() => reject(new Error("the fixture did not print its address and settle in 20 s")), 20000);
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = out.match(/status page at (http:\/\/127\.0\.0\.1:\d+)\/\n(?:.*\n)*settled\n/);
      if (match) {
        clearTimeout(guard);
        resolve(match[1]);
      }
    });
    child.on("exit", (code) => reject(new Error("the fixture exited with " + code)));
  });
  return { child, url };
}

// `name{labels} value` lines of the exposition as { name, labels, value }.
function parseExposition(text) {
  const samples = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const match = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/);
    assert.ok(match, "unparsed exposition line: " + line);
    const labels = {};
    for (const pair of (match[2] || "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]] = pair[2].replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

// Per operation from /metrics: calls, failures and the p95 bucket (lower, upper].
function expectedOperations(samples) {
  const ops = new Map();
  const op = (l) => {
    const key = l.component_name + "\u0000" + l.event_type;
    if (!ops.has(key)) {
      ops.set(key, { component: l.component_name, event_type: l.event_type, success: 0, failures: 0, buckets: [] });
    }
    return ops.get(key);
  };
  for (const s of samples) {
    if (s.name === "mcp_event_emit_success_total") op(s.labels).success += s.value;
    if (s.name === "mcp_event_emit_failure_total") op(s.labels).failures += s.value;
    if (s.name === "mcp_event_emit_duration_seconds_bucket") {
      op(s.labels).buckets.push([Number(s.labels.le === "+Inf" ? Infinity : s.labels.le), s.value]);
    }
  }
  for (const o of ops.values()) {
    o.calls = o.success + o.failures;
    o.buckets.sort((a, b) => a[0] - b[0]);
    const total = o.buckets[o.buckets.length - 1][1];
    assert.equal(total, o.calls, "histogram count = calls for " + o.component);
    const rank = 0.95 * total;
    const i = o.buckets.findIndex(([, cumulative]) => cumulative >= rank);
    o.p95Bucket = [i === 0 ? 0 : o.buckets[i - 1][0], o.buckets[i][0]];
  }
  return [...ops.values()];
}

async function rows(page) {
  return page.$$eval("#operations tbody tr", (trs) =>
    trs.map((tr) => {
      const cell = (c) => tr.querySelector("td." + c);
      const value = (c) => (cell(c).getAttribute("data-value") === "" ? null : Number(cell(c).getAttribute("data-value")));
      return {
        component: tr.getAttribute("data-component"),
        event_type: tr.getAttribute("data-event-type"),
        componentText: cell("component").textContent,
        componentChildren: cell("component").children.length,
        calls: value("calls"),
        errorRatio: value("error-ratio"),
        errorRatioText: cell("error-ratio").textContent,
        p95: value("p95"),
        failuresText: cell("failures").textContent,
        sparks: tr.querySelectorAll("svg.spark").length,
        callsPaths: tr.querySelectorAll("svg.spark.calls path").length,
      };
    }),
  );
}

async function main() {
  const started = Date.now();
  const { child, url: urlPromise } = startFixture();
  let browser;
  try {
    const base = await urlPromise;
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      headless: true,
      // Root in a container has no user namespaces for chromium's sandbox.
      args: ["--no-sandbox"],
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    const problems = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push("console " + m.type() + ": " + m.text());
    });
    page.on("pageerror", (e) => problems.push("page error: " + e.message));
    page.on("dialog", (d) => {
      problems.push("dialog opened: " + d.message());
      d.dismiss();
    });
    page.on("requestfailed", (r) => problems.push("request failed: " + r.url()));
    page.on("response", (r) => {
      if (r.status() >= 400) problems.push(r.status() + " for " + r.url());
      if (!r.url().startsWith(base)) problems.push("request to another origin: " + r.url());
    });
    let navigations = 0;
    page.on("framenavigated", (f) => {
      if (f === page.mainFrame()) navigations += 1;
    });

    await page.goto(base + "/");
    await page.waitForFunction(() => document.querySelectorAll("#operations tbody tr").length === 5, null, { timeout: 10000 });
    const renderedFirst = await page.getAttribute("body", "data-rendered");

    // The numbers, against /metrics read now (the fixture records nothing more).
    const metrics = await fetch(base + "/metrics").then((r) => r.text());
    const expected = expectedOperations(parseExposition(metrics));
    assert.equal(expected.length, 5);
    const shown = await rows(page);
    for (const e of expected) {
      const row = shown.find((r) => r.component === e.component && r.event_type === e.event_type);
      assert.ok(row, "no row for " + e.component + " " + e.event_type);
      assert.equal(row.calls, e.calls, "calls of " + e.component);
      const ratio = e.failures / e.calls;
      assert.ok(Math.abs(row.errorRatio - ratio) < 1e-12, "error ratio of " + e.component);
      assert.equal(row.errorRatioText, (ratio * 100).toFixed(1) + " %");
      assert.ok(row.p95 > e.p95Bucket[0] && row.p95 <= e.p95Bucket[1],
        `p95 ${row.p95} of ${e.component} outside the bucket (${e.p95Bucket[0]}, ${e.p95Bucket[1]}]`);
      assert.equal(row.sparks, 2, "two sparklines for " + e.component);
      assert.equal(row.callsPaths, 1, "a calls sparkline for " + e.component);
    }
    const search = shown.find((r) => r.component === "search");
    assert.match(search.failuresText, /Parse 1/);
    assert.match(search.failuresText, /Timeout 3/);

    // Sorted by the slowest p95 by default.
    const p95s = shown.map((r) => r.p95);
    assert.deepEqual(p95s, [...p95s].sort((a, b) => b - a), "default order is p95 descending");
    const slowest = Math.max(...expected.map((e) => e.p95Bucket[1]));
    const first = expected.find((e) => e.component === shown[0].component && e.event_type === shown[0].event_type);
    assert.equal(first.p95Bucket[1], slowest, "the first row has the slowest p95 bucket");

    // Sort by calls: descending on the first click, ascending on the second.
    const byCalls = [...expected].sort((a, b) => b.calls - a.calls).map((e) => e.component + "/" + e.event_type);
    await page.click('#operations th[data-sort="calls"]');
    assert.deepEqual((await rows(page)).map((r) => r.component + "/" + r.event_type), byCalls);
    await page.click('#operations th[data-sort="calls"]');
    assert.deepEqual((await rows(page)).map((r) => r.component + "/" + r.event_type), [...byCalls].reverse());
    assert.equal(await page.getAttribute('#operations th[data-sort="calls"]', "class"), "num sorted-asc");

    // Filter by component.
    await page.fill("#filter", "store");
    assert.deepEqual((await rows(page)).map((r) => r.event_type), ["put", "get"]);
    await page.fill("#filter", "<script>");
    const xss = await rows(page);
    assert.equal(xss.length, 1);
    assert.equal(xss[0].componentText, XSS, "the label shows as text");
    assert.equal(xss[0].componentChildren, 0, "the label made no elements");
    assert.equal(await page.$$eval("script", (s) => s.length), 1, "only the page's own script");
    await page.fill("#filter", "");
    assert.equal((await rows(page)).length, 5);

    // Sessions against /metrics.
    const samples = parseExposition(metrics);
    const startedCount = samples.filter((s) => s.name === "session_start_total" && s.labels.component_name === "store")
      .reduce((sum, s) => sum + s.value, 0);
    const session = await page.$eval('#sessions tbody tr[data-component="store"]', (tr) => ({
      started: tr.querySelector("td.started").textContent,
      ended: tr.querySelector("td.ended").textContent,
      quality: tr.querySelector("td.quality").textContent,
    }));
    assert.deepEqual(session, { started: String(startedCount), ended: "error 1, success 1", quality: "87.5" });

    // The page refreshes itself from /status.json: the scrape above shows up, no reload.
    await page.waitForFunction((first) => document.body.getAttribute("data-rendered") !== first, renderedFirst, { timeout: 10000 });
    await page.waitForFunction(() => document.getElementById("scrapes").textContent === "1", null, { timeout: 10000 });
    assert.equal(navigations, 1, "the page was not reloaded");

    await page.click('#operations th[data-sort="p95"]');
    await page.screenshot({ path: screenshot, fullPage: true });
    assert.deepEqual(problems, [], "no console errors, failed requests or dialogs");
    console.log(`browser test passed in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshot ${screenshot}`);
  } finally {
    if (browser) await browser.close();
    child.stdin.end();
    child.kill();
  }
}

main().catch((error) => {
  console.error("browser test FAILED:", error);
  process.exit(1);
});
