// The live status page: polls /status.json and draws it. Label values are only ever set as
// text (textContent, setAttribute), never parsed as HTML.
"use strict";

const REFRESH_MS = 3000;
const SVG_NS = "http://www.w3.org/2000/svg";

const state = {
  doc: null,
  window: 0,
  sort: { key: "p95", dir: "desc" },
  filter: "",
};

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function fmtSeconds(value) {
  if (value === null || value === undefined) return "–";
  if (value < 0.001) return (value * 1000).toFixed(3) + " ms";
  if (value < 1) return (value * 1000).toPrecision(3) + " ms";
  return value.toPrecision(3) + " s";
}

function fmtRate(value) {
  if (value === null || value === undefined) return "–";
  if (value === 0) return "0";
  if (value < 0.01) return value.toExponential(1);
  return value.toPrecision(3);
}

function fmtRatio(value) {
  if (value === null || value === undefined) return "–";
  return (value * 100).toFixed(1) + " %";
}

function fmtUptime(seconds) {
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return (h ? h + " h " : "") + (h || m ? m + " min " : "") + (s % 60) + " s";
}

function fmtSpan(seconds) {
  return seconds >= 60 ? Math.round(seconds / 60) + " min" : Math.round(seconds) + " s";
}

// A sparkline of `values` (nulls are skipped) as an inline SVG path.
function sparkline(values, kind) {
  const width = 120;
  const height = 22;
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("class", "spark " + kind);
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(height));
  svg.setAttribute("viewBox", "0 0 " + width + " " + height);
  const finite = values.filter((v) => typeof v === "number");
  if (finite.length === 0) return svg;
  const max = Math.max(...finite) || 1;
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  let d = "";
  let pen = false;
  // An interval without calls has no p95: the line goes on to the next point that has one.
  values.forEach((v, i) => {
    if (typeof v !== "number") return;
    const x = (i * step).toFixed(1);
    const y = (height - 1 - (v / max) * (height - 2)).toFixed(1);
    d += (pen ? "L" : "M") + x + " " + y + " ";
    pen = true;
  });
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", d.trim());
  svg.appendChild(path);
  const title = document.createElementNS(SVG_NS, "title");
  title.textContent = kind === "p95" ? "max " + fmtSeconds(max) : "max " + max + " per interval";
  svg.appendChild(title);
  return svg;
}

function sortValue(op, key) {
  const w = op.windows[state.window];
  switch (key) {
    case "component": return op.component;
    case "event_type": return op.event_type;
    case "calls": return w.calls;
    case "rate": return w.calls_per_second;
    case "error_ratio": return w.error_ratio;
    case "p50": return w.p50_seconds;
    case "p95": return w.p95_seconds;
    case "p99": return w.p99_seconds;
    default: return null;
  }
}

function compare(a, b) {
  const { key, dir } = state.sort;
  const va = sortValue(a, key);
  const vb = sortValue(b, key);
  // Missing figures go last whichever the direction.
  if (va === null && vb === null) return 0;
  if (va === null) return 1;
  if (vb === null) return -1;
  const order = typeof va === "string" ? va.localeCompare(vb) : va - vb;
  return dir === "asc" ? order : -order;
}

function numberCell(className, value, text) {
  const td = el("td", "num " + className, text);
  td.setAttribute("data-value", value === null ? "" : String(value));
  return td;
}

function operationRow(op) {
  const w = op.windows[state.window];
  const tr = el("tr");
  tr.setAttribute("data-component", op.component);
  tr.setAttribute("data-event-type", op.event_type);
  tr.appendChild(el("td", "component", op.component));
  const event = op.family === "mcp_event_emit" ? op.event_type : op.event_type + " (" + op.family + ")";
  tr.appendChild(el("td", "event-type", event));
  tr.appendChild(numberCell("calls", w.calls, String(w.calls)));
  tr.appendChild(numberCell("rate", w.calls_per_second, fmtRate(w.calls_per_second)));
  tr.appendChild(numberCell("error-ratio", w.error_ratio, fmtRatio(w.error_ratio)));
  tr.appendChild(numberCell("p50", w.p50_seconds, fmtSeconds(w.p50_seconds)));
  tr.appendChild(numberCell("p95", w.p95_seconds, fmtSeconds(w.p95_seconds)));
  tr.appendChild(numberCell("p99", w.p99_seconds, fmtSeconds(w.p99_seconds)));
  const failures = el("td", "failures");
  for (const [name, count] of Object.entries(w.failures_by_error_type)) {
    const item = el("span");
    item.appendChild(el("span", "error-type", name));
    item.appendChild(document.createTextNode(" " + count));
    failures.appendChild(item);
  }
  tr.appendChild(failures);
  const calls = el("td", "spark-calls");
  calls.appendChild(sparkline(op.sparkline.calls, "calls"));
  tr.appendChild(calls);
  const p95 = el("td", "spark-p95");
  p95.appendChild(sparkline(op.sparkline.p95_seconds, "p95"));
  tr.appendChild(p95);
  return tr;
}

function sessionRow(s) {
  const tr = el("tr");
  tr.setAttribute("data-component", s.component);
  tr.appendChild(el("td", "component", s.component));
  tr.appendChild(numberCell("active", s.active, s.active === null ? "–" : String(s.active)));
  tr.appendChild(numberCell("started", s.started, String(s.started)));
  const ended = Object.entries(s.ended).map(([status, n]) => status + " " + n).join(", ");
  tr.appendChild(el("td", "ended", ended || "–"));
  const q = s.quality_score;
  tr.appendChild(numberCell("quality", q, q === null ? "–" : q.toFixed(1)));
  return tr;
}

function render() {
  const doc = state.doc;
  if (!doc) return;
  document.getElementById("version").textContent = doc.process.version;
  document.getElementById("pid").textContent = String(doc.process.pid);
  document.getElementById("uptime").textContent = fmtUptime(doc.process.uptime_seconds);
  document.getElementById("scrapes").textContent = String(doc.process.scrape_count);
  const span = fmtSpan(doc.process.history_samples * doc.process.sample_interval_seconds);
  document.getElementById("spark-calls-head").textContent = "calls, last " + span;
  document.getElementById("spark-p95-head").textContent = "p95, last " + span;

  const needle = state.filter.toLowerCase();
  const ops = doc.operations
    .filter((op) => op.component.toLowerCase().includes(needle))
    .sort(compare);
  const body = document.querySelector("#operations tbody");
  body.replaceChildren(...ops.map(operationRow));
  document.getElementById("no-operations").hidden = doc.operations.length > 0;
  for (const th of document.querySelectorAll("#operations th[data-sort]")) {
    th.classList.remove("sorted-asc", "sorted-desc");
    if (th.getAttribute("data-sort") === state.sort.key) th.classList.add("sorted-" + state.sort.dir);
  }
  for (const button of document.querySelectorAll("#windows button")) {
    button.classList.toggle("active", Number(button.getAttribute("data-window")) === state.window);
  }

  const sessions = document.querySelector("#sessions tbody");
  sessions.replaceChildren(...doc.sessions.map(sessionRow));
  document.getElementById("no-sessions").hidden = doc.sessions.length > 0;
  document.body.setAttribute("data-rendered", String(Date.now()));
}

async function refresh() {
  const problem = document.getElementById("problem");
  try {
    const response = await fetch("/status.json", { cache: "no-store" });
    if (!response.ok) throw new Error("/status.json answered " + response.status);
    state.doc = await response.json();
    problem.hidden = true;
    document.getElementById("updated").textContent = new Date().toLocaleTimeString();
    render();
  } catch (error) {
    problem.textContent = "cannot load /status.json: " + error.message;
    problem.hidden = false;
  }
}

function start() {
  for (const th of document.querySelectorAll("#operations th[data-sort]")) {
    th.addEventListener("click", () => {
      const key = th.getAttribute("data-sort");
      if (state.sort.key === key) {
        state.sort.dir = state.sort.dir === "asc" ? "desc" : "asc";
      } else {
        state.sort = { key, dir: key === "component" || key === "event_type" ? "asc" : "desc" };
      }
      render();
    });
  }
  for (const button of document.querySelectorAll("#windows button")) {
    button.addEventListener("click", () => {
      state.window = Number(button.getAttribute("data-window"));
      render();
    });
  }
  document.getElementById("filter").addEventListener("input", (event) => {
    state.filter = event.target.value;
    render();
  });
  refresh();
  setInterval(refresh, REFRESH_MS);
}

start();
