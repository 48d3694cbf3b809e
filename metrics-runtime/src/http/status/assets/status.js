// The live status page: polls /status.json and draws it. Label values are only ever set as
// text (textContent, setAttribute), never parsed as HTML.
"use strict";

const REFRESH_MS = 3000;
const SVG_NS = "http://www.w3.org/2000/svg";

const state = {
  doc: null,
  window: 0,
  // Per table: the operations and the MCP rows, each by the slowest p95 first.
  sorts: { operations: { key: "p95", dir: "desc" }, mcp: { key: "p95", dir: "desc" } },
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

// The name of an MCP row besides its method: its tool or prompt, if any.
function mcpName(row) {
  return row.tool !== null ? row.tool : row.prompt !== null ? row.prompt : "";
}

function sortValue(row, key) {
  const w = row.windows[state.window];
  switch (key) {
    case "component": return row.component;
    case "event_type": return row.event_type;
    case "method": return row.method;
    case "name": return mcpName(row);
    case "calls": return w.calls;
    case "rate": return w.calls_per_second;
    case "error_ratio": return w.error_ratio;
    case "p50": return w.p50_seconds;
    case "p95": return w.p95_seconds;
    case "p99": return w.p99_seconds;
    default: return null;
  }
}

const TEXT_KEYS = ["component", "event_type", "method", "name"];

// A comparison of rows by the sort of `table` ("operations" or "mcp").
function comparer(table) {
  return (a, b) => {
    const { key, dir } = state.sorts[table];
    const va = sortValue(a, key);
    const vb = sortValue(b, key);
    // Missing figures go last whichever the direction.
    if (va === null && vb === null) return 0;
    if (va === null) return 1;
    if (vb === null) return -1;
    const order = typeof va === "string" ? va.localeCompare(vb) : va - vb;
    return dir === "asc" ? order : -order;
  };
}

function numberCell(className, value, text) {
  const td = el("td", "num " + className, text);
  td.setAttribute("data-value", value === null ? "" : String(value));
  return td;
}

// The figures every row has, from calls to the p95 sparkline, appended to `tr`.
function figureCells(tr, row) {
  const w = row.windows[state.window];
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
  calls.appendChild(sparkline(row.sparkline.calls, "calls"));
  tr.appendChild(calls);
  const p95 = el("td", "spark-p95");
  p95.appendChild(sparkline(row.sparkline.p95_seconds, "p95"));
  tr.appendChild(p95);
}

function operationRow(op) {
  const tr = el("tr");
  tr.setAttribute("data-component", op.component);
  tr.setAttribute("data-event-type", op.event_type);
  tr.appendChild(el("td", "component", op.component));
  const event = op.family === "mcp_event_emit" ? op.event_type : op.event_type + " (" + op.family + ")";
  tr.appendChild(el("td", "event-type", event));
  figureCells(tr, op);
  return tr;
}

function mcpRow(row) {
  const tr = el("tr");
  tr.setAttribute("data-method", row.method);
  tr.setAttribute("data-name", mcpName(row));
  tr.appendChild(el("td", "method", row.method));
  const kind = row.tool !== null ? "tool" : row.prompt !== null ? "prompt" : "";
  const name = el("td", "name", mcpName(row) || "–");
  if (kind) name.setAttribute("data-kind", kind);
  tr.appendChild(name);
  figureCells(tr, row);
  return tr;
}

// Marks the sorted column of `table`'s header.
function markSorted(table) {
  for (const th of document.querySelectorAll("#" + table + " th[data-sort]")) {
    th.classList.remove("sorted-asc", "sorted-desc");
    const sort = state.sorts[table];
    if (th.getAttribute("data-sort") === sort.key) th.classList.add("sorted-" + sort.dir);
  }
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
  for (const th of document.querySelectorAll(".spark-calls-head")) th.textContent = "calls, last " + span;
  for (const th of document.querySelectorAll(".spark-p95-head")) th.textContent = "p95, last " + span;

  const needle = state.filter.toLowerCase();
  const ops = doc.operations
    .filter((op) => op.component.toLowerCase().includes(needle))
    .sort(comparer("operations"));
  const body = document.querySelector("#operations tbody");
  body.replaceChildren(...ops.map(operationRow));
  document.getElementById("no-operations").hidden = doc.operations.length > 0;
  markSorted("operations");
  const mcp = doc.mcp_operations.slice().sort(comparer("mcp"));
  document.querySelector("#mcp tbody").replaceChildren(...mcp.map(mcpRow));
  document.getElementById("no-mcp").hidden = doc.mcp_operations.length > 0;
  markSorted("mcp");
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
  for (const table of Object.keys(state.sorts)) {
    for (const th of document.querySelectorAll("#" + table + " th[data-sort]")) {
      th.addEventListener("click", () => {
        const key = th.getAttribute("data-sort");
        const sort = state.sorts[table];
        if (sort.key === key) {
          sort.dir = sort.dir === "asc" ? "desc" : "asc";
        } else {
          state.sorts[table] = { key, dir: TEXT_KEYS.includes(key) ? "asc" : "desc" };
        }
        render();
      });
    }
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
