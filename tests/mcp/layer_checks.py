"""Checks of the MCP server layer (`session_metrics::mcp::Metered`) shared by the stdio and the
Streamable HTTP end-to-end tests: drive the example server's tools a known number of times,
including bad arguments, an unknown tool, a panicking handler and a cancelled `slow_work` call,
then read the exact `_count`s of `mcp_server_operation_duration_seconds` from the exposition.
"""

from __future__ import annotations

import asyncio
import re
import socket
import time
import unittest
from typing import Awaitable, Callable

from mcp import ClientSession, MCPError

OPERATION = "mcp_server_operation_duration_seconds"
SESSION = "mcp_server_session_duration_seconds"
OTHER = "_OTHER"
INVALID_PARAMS, INTERNAL_ERROR = -32602, -32603
# Longer than the waits below: a cancelled call whose handler was not dropped could not be
# recorded before they give up.
SLOW_MS = 10_000  # the most slow_work accepts
PATIENCE_S = 8.0

_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def free_port() -> int:
    """A loopback TCP port that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    """Every sample line of a text exposition as (name, labels, value)."""
    found = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = _SAMPLE.match(line)
        assert match, f"not a sample line: {line!r}"
        name, body, value = match.groups()
        labels = dict(_LABEL.findall(body or ""))
        found.append((name, labels, float(value)))
    return found


def value(text: str, name: str, labels: dict[str, str]) -> float:
    """The sample `name` with exactly `labels`; 0 when there is none."""
    matches = [v for n, ls, v in samples(text) if n == name and ls == labels]
    assert len(matches) <= 1, (name, labels, matches)
    return matches[0] if matches else 0.0


def total(text: str, name: str, labels: dict[str, str]) -> float:
    """The sum of the samples `name` whose labels include `labels`."""
    return sum(v for n, ls, v in samples(text) if n == name and labels.items() <= ls.items())


async def eventually(what: str, check: Callable[[], Awaitable[bool]]) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while not await check():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        await asyncio.sleep(0.05)


async def drive_and_check(
    test: unittest.TestCase,
    session: ClientSession,
    protocol_version: str,
    transport: str,
    exposition: Callable[[], Awaitable[str]],
) -> None:
    """Drives `session` and checks what the layer recorded, read with `exposition()`."""
    for _ in range(3):
        result = await session.call_tool("fast_ping")
        test.assertFalse(result.is_error)
    # Arguments of the wrong type: rmcp answers a tool error (isError) before the handler runs.
    bad = await session.call_tool("slow_work", {"delay_ms": "soon"})
    test.assertTrue(bad.is_error)
    with test.assertRaises(MCPError) as unknown:
        await session.call_tool("no_such_tool_from_the_client", {"x": 1})
    test.assertEqual(unknown.exception.code, INVALID_PARAMS)
    with test.assertRaises(MCPError) as panicked:
        await session.call_tool("always_panics")
    test.assertEqual(panicked.exception.code, INTERNAL_ERROR)
    # Cancelled mid-flight: cancelling the caller makes the SDK send notifications/cancelled.
    slow = asyncio.ensure_future(session.call_tool("slow_work", {"delay_ms": SLOW_MS}))
    await asyncio.sleep(0.5)
    slow.cancel()
    with test.assertRaises(asyncio.CancelledError):
        await slow

    common = {"mcp_protocol_version": protocol_version, "network_transport": transport}

    def op(**labels: str) -> dict[str, str]:
        return {**labels, **common}

    cancelled = op(mcp_method_name="tools/call", gen_ai_tool_name="slow_work", error_type="cancelled")

    async def cancellation_recorded() -> bool:
        return value(await exposition(), f"{OPERATION}_count", cancelled) == 1

    await eventually("the cancelled slow_work call is recorded", cancellation_recorded)
    # The server answers every later request.
    test.assertFalse((await session.call_tool("fast_ping")).is_error)
    await session.send_ping()

    text = await exposition()
    count = f"{OPERATION}_count"
    test.assertEqual(value(text, count, op(mcp_method_name="initialize")), 1)
    test.assertEqual(value(text, count, op(mcp_method_name="tools/call", gen_ai_tool_name="fast_ping")), 4)
    test.assertEqual(
        value(text, count, op(mcp_method_name="tools/call", gen_ai_tool_name="slow_work", error_type="tool_error")), 1
    )
    test.assertEqual(
        value(text, count, op(mcp_method_name="tools/call", gen_ai_tool_name=OTHER, error_type="invalid_params")), 1
    )
    test.assertEqual(
        value(text, count, op(mcp_method_name="tools/call", gen_ai_tool_name="always_panics", error_type="panic")), 1
    )
    test.assertEqual(value(text, count, cancelled), 1)
    test.assertEqual(value(text, count, op(mcp_method_name="ping")), 1)
    # Nothing else was recorded as slow_work, and no success.
    test.assertEqual(total(text, count, {"gen_ai_tool_name": "slow_work"}), 2)
    # The handler's own #[track_operation] saw its future dropped, and never succeeded.
    event = {"component_name": "mcp_server_example", "event_type": "slow_work"}
    test.assertEqual(value(text, "mcp_event_emit_failure_total", {**event, "error_type": "cancelled"}), 1)
    test.assertEqual(value(text, "mcp_event_emit_success_total", event), 0)
    # Stopped early: recorded before its sleep could have ended.
    test.assertLess(value(text, f"{OPERATION}_sum", cancelled), SLOW_MS / 1000)
    # Bounded labels: the client's tool name is nowhere; absent labels are absent, not empty.
    test.assertNotIn("no_such_tool_from_the_client", text)
    test.assertNotRegex(text, r'[a-z_]+=""')

    # get_metrics_summary reports the layer's requests per method and tool.
    summary = (await session.call_tool("get_metrics_summary")).structured_content
    requests = {(r["method"], r["tool"]): r for r in summary["mcp_server"]["requests"]}
    test.assertEqual(requests[("tools/call", "fast_ping")]["call_count"], 4)
    test.assertEqual(requests[("tools/call", "fast_ping")]["failure_count"], 0)
    test.assertEqual(
        requests[("tools/call", "slow_work")]["failures_by_error_type"], {"tool_error": 1, "cancelled": 1}
    )
    test.assertEqual(requests[("tools/call", "always_panics")]["failures_by_error_type"], {"panic": 1})
    test.assertEqual(requests[("tools/call", OTHER)]["failures_by_error_type"], {"invalid_params": 1})
    test.assertEqual(requests[("initialize", None)]["call_count"], 1)
    for key in ("p50_seconds", "p95_seconds", "p99_seconds"):
        test.assertIsNotNone(requests[("tools/call", "fast_ping")]["duration"][key], key)
