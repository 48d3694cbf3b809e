#!/usr/bin/env python3
"""End-to-end test of the Streamable HTTP example server (`examples/mcp_http_server`) with the
Python `mcp` SDK's `streamable_http_client`: MCP at /mcp, the exposition at /metrics, /health
and the live status page (/, /status.json) on the same port, the layer's exact counts with
`network_transport="tcp"` (and the status page's MCP rows equal to them), the page turned off
by its setting, and a graceful stop on SIGINT (Ctrl-C).

Usage: python3 tests/mcp/test_mcp_http_server.py [PATH_TO_mcp_http_server_BINARY] [unittest options]

Without a path it uses $MCP_HTTP_SERVER_BIN, else
${CARGO_TARGET_DIR:-target}/debug/examples/mcp_http_server. Each test starts its own server
on a free loopback port.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request
from contextlib import contextmanager
from email.message import Message
from pathlib import Path

try:
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client
except ImportError as error:
    sys.exit(f"the Python MCP SDK is missing ({error}); install it with `pip install mcp`")

sys.path.insert(0, str(Path(__file__).resolve().parent))
from layer_checks import OPERATION, SESSION, drive_and_check, free_port, samples, total, value  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
PATIENCE_S = 10.0


def server_binary() -> Path:
    if os.environ.get("MCP_HTTP_SERVER_BIN"):
        return Path(os.environ["MCP_HTTP_SERVER_BIN"])
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    if not target.is_absolute():
        target = REPO / target
    return target / "debug" / "examples" / "mcp_http_server"


def get(url: str) -> tuple[int, str]:
    status, _, body = get_with_headers(url)
    return status, body


def get_with_headers(url: str) -> tuple[int, Message, str]:
    """Status, headers (looked up case-insensitively) and body."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def mcp_rows_from_exposition(text: str, name: str) -> dict[tuple[str, str | None, str | None], float]:
    """`name`'s samples of the operation family summed per (method, tool, prompt), as the
    status page's MCP rows sum them over protocol versions and transports."""
    rows: dict[tuple[str, str | None, str | None], float] = {}
    for n, labels, v in samples(text):
        if n == name:
            key = (labels["mcp_method_name"], labels.get("gen_ai_tool_name"), labels.get("gen_ai_prompt_name"))
            rows[key] = rows.get(key, 0.0) + v
    return rows


@contextmanager
def running_server(extra_env: dict[str, str] | None = None):
    """The server on a free loopback port, answering /health; yields (process, base URL)."""
    port = free_port()
    env = {"PATH": os.environ.get("PATH", ""), "SESSION_BUDDY_PROMETHEUS_METRICS_PORT": str(port)}
    env.update(extra_env or {})
    process = subprocess.Popen([str(server_binary())], env=env, cwd=REPO, stdout=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + PATIENCE_S
        while True:
            assert process.poll() is None, f"the server exited with {process.returncode}"
            try:
                if get(f"{base}/health") == (200, "ok\n"):
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not answer /health"
            time.sleep(0.05)
        yield process, base
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=PATIENCE_S)
        if process.stdout:
            process.stdout.close()


class McpHttpServerTest(unittest.IsolatedAsyncioTestCase):
    async def test_the_layer_counts_every_request_over_streamable_http(self):
        with running_server() as (process, base):
            # /metrics and /health share the port with /mcp.
            status, _ = await asyncio.to_thread(get, f"{base}/nowhere")
            self.assertEqual(status, 404)

            async def exposition() -> str:
                status, text = await asyncio.to_thread(get, f"{base}/metrics")
                self.assertEqual(status, 200)
                return text

            async with streamable_http_client(f"{base}/mcp") as (read, write):
                async with ClientSession(read, write) as session:
                    init = await session.initialize()
                    self.assertEqual(init.server_info.name, "session-metrics-example")
                    version = str(init.protocol_version)
                    await drive_and_check(self, session, version, "tcp", exposition)

            # Ending the client session (DELETE) ends the server's session, which is recorded.
            async def session_recorded() -> bool:
                text = await exposition()
                return total(text, f"{SESSION}_count", {"network_transport": "tcp"}) >= 1

            deadline = time.monotonic() + PATIENCE_S
            while not await session_recorded():
                self.assertLess(time.monotonic(), deadline, "the MCP session was not recorded")
                await asyncio.sleep(0.05)
            text = await exposition()
            sessions = {"mcp_protocol_version": version, "network_transport": "tcp"}
            self.assertEqual(value(text, f"{SESSION}_count", sessions), 1, text)

            # The status page on the same port: its MCP rows count what the exposition counts,
            # read now (no request runs any more).
            status, headers, page = await asyncio.to_thread(get_with_headers, f"{base}/")
            self.assertEqual(status, 200)
            self.assertEqual(headers["Content-Type"], "text/html; charset=utf-8")
            self.assertIn("default-src 'none'", headers["Content-Security-Policy"])
            self.assertIn('<table id="mcp">', page)
            text = await exposition()
            status, headers, body = await asyncio.to_thread(get_with_headers, f"{base}/status.json")
            self.assertEqual((status, headers["X-Content-Type-Options"]), (200, "nosniff"))
            document = json.loads(body)
            rows = {(r["method"], r["tool"], r["prompt"]): r for r in document["mcp_operations"]}
            expected = mcp_rows_from_exposition(text, f"{OPERATION}_count")
            self.assertEqual(set(rows), set(expected), body)
            for key, count in expected.items():
                self.assertEqual(rows[key]["calls_total"], count, key)
                self.assertEqual(rows[key]["windows"][2]["calls"], count, key)
            # Per tool, the exposition's _count over all its series equals its row's calls.
            tools = {labels["gen_ai_tool_name"] for n, labels, _ in samples(text) if "gen_ai_tool_name" in labels}
            self.assertIn("fast_ping", tools)
            for tool in tools:
                shown = sum(r["calls_total"] for (_, t, _), r in rows.items() if t == tool)
                self.assertEqual(shown, total(text, f"{OPERATION}_count", {"gen_ai_tool_name": tool}), tool)
            self.assertEqual(rows[("tools/call", "fast_ping", None)]["calls_total"], 4)
            slow = rows[("tools/call", "slow_work", None)]
            self.assertEqual(slow["failures_total"], 2)
            self.assertEqual(slow["windows"][0]["failures_by_error_type"], {"cancelled": 1, "tool_error": 1})
            # The scrapes of /metrics on this port are counted.
            self.assertGreaterEqual(document["process"]["scrape_count"], 1)

            # Ctrl-C stops it gracefully.
            process.send_signal(signal.SIGINT)
            self.assertEqual(process.wait(timeout=PATIENCE_S), 0)
            self.assertIn("mcp_http_server: stopped", process.stdout.read())

    async def test_the_status_page_setting_turns_the_page_off(self):
        with running_server({"SESSION_BUDDY_PROMETHEUS_METRICS_STATUS_PAGE": "false"}) as (process, base):
            for path in ["/", "/status.js", "/status.css", "/status.json"]:
                status, _ = await asyncio.to_thread(get, f"{base}{path}")
                self.assertEqual(status, 404, path)
            status, _ = await asyncio.to_thread(get, f"{base}/metrics")
            self.assertEqual(status, 200)
            process.send_signal(signal.SIGINT)
            self.assertEqual(process.wait(timeout=PATIENCE_S), 0)
            self.assertNotIn("status page at", process.stdout.read())


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        os.environ["MCP_HTTP_SERVER_BIN"] = sys.argv.pop(1)
    binary = server_binary()
    if not binary.is_file():
        sys.exit(f"server binary {binary} not found; build it with `cargo build -p examples --example mcp_http_server`")
    unittest.main(verbosity=2)
