#!/usr/bin/env python3
"""End-to-end test of the Streamable HTTP example server (`examples/mcp_http_server`) with the
Python `mcp` SDK's `streamable_http_client`: MCP at /mcp, the exposition at /metrics and
/health on the same port, the layer's exact counts with `network_transport="tcp"`, and a
graceful stop on SIGINT (Ctrl-C).

Usage: python3 tests/mcp/test_mcp_http_server.py [PATH_TO_mcp_http_server_BINARY] [unittest options]

Without a path it uses $MCP_HTTP_SERVER_BIN, else
${CARGO_TARGET_DIR:-target}/debug/examples/mcp_http_server. Each test starts its own server
on a free loopback port.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

try:
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client
except ImportError as error:
    sys.exit(f"the Python MCP SDK is missing ({error}); install it with `pip install mcp`")

sys.path.insert(0, str(Path(__file__).resolve().parent))
from layer_checks import SESSION, drive_and_check, free_port, total, value  # noqa: E402

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
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@contextmanager
def running_server():
    """The server on a free loopback port, answering /health; yields (process, base URL)."""
    port = free_port()
    env = {"PATH": os.environ.get("PATH", ""), "SESSION_BUDDY_PROMETHEUS_METRICS_PORT": str(port)}
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

            # Ctrl-C stops it gracefully.
            process.send_signal(signal.SIGINT)
            self.assertEqual(process.wait(timeout=PATIENCE_S), 0)
            self.assertIn("mcp_http_server: stopped", process.stdout.read())


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        os.environ["MCP_HTTP_SERVER_BIN"] = sys.argv.pop(1)
    binary = server_binary()
    if not binary.is_file():
        sys.exit(f"server binary {binary} not found; build it with `cargo build -p examples --example mcp_http_server`")
    unittest.main(verbosity=2)
