#!/usr/bin/env python3
"""Real Prometheus scrapes the Streamable HTTP example (`examples/mcp_http_server`) while the
Python `mcp` client drives its /mcp: a known number of calls to two tools, then Prometheus'
HTTP API must give the exact per-tool `_count` of `mcp_server_operation_duration_seconds`,
`up == 1`, and a finite `histogram_quantile(0.95, …)` per tool.

Usage: python3 tests/mcp/prometheus_scrape.py MCP_HTTP_SERVER_BINARY PROMETHEUS_BINARY WORK_DIR

Both processes listen on free loopback ports; Prometheus keeps its config, log and TSDB in a
temporary directory under WORK_DIR, removed at the end. Both are stopped at the end, also on
failure. Every wait is bounded (hang guards only).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

sys.path.insert(0, str(Path(__file__).resolve().parent))
from layer_checks import free_port  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
JOB = "mcp_http_server"
# The two driven tools and how often each is called: one call before Prometheus has the series
# (a rate needs an increase between two scrapes), the rest after.
CALLS = {"fast_ping": 7, "slow_work": 3}
ARGUMENTS = {"fast_ping": {}, "slow_work": {"delay_ms": 30}}
# Hang guards. A fresh Prometheus scrapes its first target about 5-6 s after it starts.
START_S = 10.0
SCRAPED_S = 30.0

QUANTILE = (
    "histogram_quantile(0.95, sum by (le, gen_ai_tool_name) "
    "(rate(mcp_server_operation_duration_seconds_bucket[1m])))"
)
COUNT = (
    "sum by (gen_ai_tool_name) "
    '(mcp_server_operation_duration_seconds_count{mcp_method_name="tools/call"})'
)
UP = f'up{{job="{JOB}"}}'


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_until(what: str, seconds: float, check, process: subprocess.Popen, name: str):
    """Polls `check` until it returns a true value (returned); fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        assert process.poll() is None, f"{name} exited with status {process.returncode}"
        try:
            found = check()
        except OSError:
            found = None
        if found:
            return found
        assert time.monotonic() < deadline, f"gave up after {seconds:.0f} s waiting: {what}"
        time.sleep(0.25)


def query(prometheus: str, promql: str) -> dict[str, float]:
    """An instant query's vector as {gen_ai_tool_name or job: value}."""
    url = f"{prometheus}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    status, body = get(url)
    assert status == 200, f"{promql}: HTTP {status}: {body}"
    answer = json.loads(body)
    assert answer["status"] == "success", answer
    return {
        r["metric"].get("gen_ai_tool_name", r["metric"].get("job", "")): float(r["value"][1])
        for r in answer["data"]["result"]
    }


async def call(base: str, rounds: dict[str, int]) -> None:
    """One MCP session calling each tool `rounds[tool]` times; every call must succeed."""
    async with streamable_http_client(f"{base}/mcp") as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            for tool, times in rounds.items():
                for _ in range(times):
                    result = await session.call_tool(tool, ARGUMENTS[tool])
                    assert not result.is_error, (tool, result)


def main() -> int:
    server_bin, prometheus_bin, work = sys.argv[1:4]
    # SIGTERM (as from a CI timeout) ends the run through `finally`, stopping both processes.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    Path(work).mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix="prometheus-scrape-", dir=work))
    processes: list[subprocess.Popen] = []
    started = time.monotonic()
    try:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {"PATH": os.environ.get("PATH", ""), "SESSION_BUDDY_PROMETHEUS_METRICS_PORT": str(port)}
        server = subprocess.Popen(
            [server_bin], env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=open(temp / "server.log", "w")
        )
        processes.append(server)
        wait_until("the server answers /health", START_S, lambda: get(f"{base}/health") == (200, "ok\n"), server, "the server")

        (temp / "prometheus.yml").write_text(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
            f"scrape_configs:\n  - job_name: {JOB}\n    metrics_path: /metrics\n"
            f"    static_configs:\n      - targets: ['127.0.0.1:{port}']\n"
        )
        web_port = free_port()
        prometheus = f"http://127.0.0.1:{web_port}"
        log = open(temp / "prometheus.log", "w")
        prom = subprocess.Popen(
            [
                prometheus_bin,
                f"--config.file={temp / 'prometheus.yml'}",
                f"--storage.tsdb.path={temp / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{web_port}",
            ],
            stdout=log,
            stderr=log,
        )
        processes.append(prom)
        wait_until("Prometheus is ready", START_S, lambda: get(f"{prometheus}/-/ready")[0] == 200, prom, "prometheus")

        # First one call of each tool, until Prometheus holds each tool's series; then the rest,
        # so the buckets increase between two scrapes and the rate is not zero.
        asyncio.run(call(base, {tool: 1 for tool in CALLS}))
        wait_until(
            "Prometheus scraped one call of each tool",
            SCRAPED_S,
            lambda: query(prometheus, COUNT) == {tool: 1.0 for tool in CALLS},
            prom,
            "prometheus",
        )
        asyncio.run(call(base, {tool: times - 1 for tool, times in CALLS.items()}))
        expected = {tool: float(times) for tool, times in CALLS.items()}

        def answered():
            counts = query(prometheus, COUNT)
            quantiles = query(prometheus, QUANTILE)
            done = counts == expected and all(math.isfinite(quantiles.get(t, math.nan)) for t in CALLS)
            return (counts, quantiles) if done else None

        counts, quantiles = wait_until("exact counts and a finite p95 per tool", SCRAPED_S, answered, prom, "prometheus")
        up = query(prometheus, UP)
        assert up == {JOB: 1.0}, f"up: {up}"
        # Every slow_work call sleeps at least 30 ms, so no bucket below 0.05 s holds it and
        # its p95 lies above 0.02 s, however slow the machine.
        assert quantiles["slow_work"] > 0.02, quantiles
        assert quantiles["fast_ping"] > 0, quantiles
        print(f"prometheus-scrape: counts {counts}, p95 {quantiles}, up {up[JOB]:.0f}, {time.monotonic() - started:.1f} s")
        print("prometheus-scrape: OK")
        return 0
    except AssertionError as error:
        print(f"prometheus-scrape: FAILED: {error}", file=sys.stderr)
        for log_name in ("server.log", "prometheus.log"):
            path = temp / log_name
            if path.exists():
                print(f"--- {log_name} (last lines)", file=sys.stderr)
                print("\n".join(path.read_text().splitlines()[-20:]), file=sys.stderr)
        return 1
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
