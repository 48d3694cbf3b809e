#!/usr/bin/env python3
"""End-to-end test of the example MCP server with the Python `mcp` SDK as a real client.

Usage: python3 tests/mcp/test_mcp_server.py [PATH_TO_mcp_server_BINARY] [unittest options]

Without a path it uses $MCP_SERVER_BIN, else ${CARGO_TARGET_DIR:-target}/debug/examples/mcp_server.
`scripts/e2e-mcp.sh` builds the binary, creates the venv with `mcp` and runs this.

Each test starts its own server process, so it starts from fresh (global) metrics and the
counts it asserts are exactly those its own calls produced. Each server gets a free loopback
port for /metrics (SESSION_BUDDY_PROMETHEUS_METRICS_PORT).
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
import tempfile
import unittest
import urllib.request
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

try:
    from mcp import ClientSession, MCPError, StdioServerParameters, stdio_client
except ImportError as error:  # the shell script installs it; running by hand may not have
    sys.exit(f"the Python MCP SDK is missing ({error}); install it with `pip install mcp`")

sys.path.insert(0, str(Path(__file__).resolve().parent))
from layer_checks import OPERATION, SESSION, drive_and_check, free_port  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
COMPONENT = "mcp_server_example"
OWN_TOOLS = {
    "fast_ping",
    "slow_work",
    "slow_work_boxed",
    "fail_with_error",
    "report_tool_error",
    "always_panics",
    "start_session",
    "end_session",
}
# Tools with #[track_operation]; `always_panics` is measured by the server layer only.
INSTRUMENTED = OWN_TOOLS - {"always_panics"}
METRICS_TOOLS = {"get_prometheus_metrics", "list_session_metrics", "get_metrics_summary", "list_operations"}
FAMILIES = {
    "session_start_total": ("counter", ["component_name", "shell_type"]),
    "session_end_total": ("counter", ["component_name", "status"]),
    "session_duration_seconds": ("histogram", ["component_name"]),
    "mcp_event_emit_success_total": ("counter", ["component_name", "event_type"]),
    "mcp_event_emit_failure_total": ("counter", ["component_name", "event_type", "error_type"]),
    "mcp_event_emit_duration_seconds": ("histogram", ["component_name", "event_type"]),
    "active_sessions": ("gauge", ["component_name"]),
    "session_quality_score": ("gauge", ["component_name"]),
}
# The server layer's families, listed once the layer registered them (at start-up).
SERVER_FAMILIES = {
    OPERATION: (
        "histogram",
        [
            "mcp_method_name",
            "gen_ai_tool_name",
            "gen_ai_prompt_name",
            "error_type",
            "mcp_protocol_version",
            "network_transport",
        ],
    ),
    SESSION: ("histogram", ["mcp_protocol_version", "network_transport", "error_type"]),
}
ALL_FAMILIES = {**FAMILIES, **SERVER_FAMILIES}
INVALID_PARAMS, INTERNAL_ERROR = -32602, -32603


def server_binary() -> Path:
    if os.environ.get("MCP_SERVER_BIN"):
        return Path(os.environ["MCP_SERVER_BIN"])
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    if not target.is_absolute():
        target = REPO / target
    return target / "debug" / "examples" / "mcp_server"


@asynccontextmanager
async def connect(port: int | None = None, errlog=None, with_init: bool = False):
    """A fresh server process (serving /metrics on `port`, default a free one) and an
    initialised client session on it; with `with_init`, also the initialize result."""
    env = {"SESSION_BUDDY_PROMETHEUS_METRICS_PORT": str(port or free_port())}
    params = StdioServerParameters(command=str(server_binary()), args=[], cwd=str(REPO), env=env)
    async with stdio_client(params, errlog=errlog or sys.stderr) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            assert init.server_info.name == "session-metrics-example", init.server_info
            assert init.server_info.version, init.server_info
            assert init.capabilities.tools is not None, init.capabilities
            yield (session, init) if with_init else session


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        return response.read().decode()


def text_of(result) -> str:
    return "\n".join(block.text for block in result.content if getattr(block, "text", None))


def sample(text: str, name: str, labels: dict[str, str]) -> float:
    """The value of the one sample `name{labels}` in a text exposition (labels sorted by name)."""
    rendered = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    pattern = re.compile(rf"^{re.escape(name)}\{{{re.escape(rendered)}\}} (\S+)$", re.MULTILINE)
    found = pattern.findall(text)
    assert len(found) == 1, f"expected one sample {name}{{{rendered}}}, found {found}"
    return float(found[0])


class McpServerTest(unittest.IsolatedAsyncioTestCase):
    async def call_ok(self, session: ClientSession, name: str, arguments: dict[str, Any] | None = None):
        result = await session.call_tool(name, arguments)
        self.assertFalse(result.is_error, f"{name}({arguments}) failed: {text_of(result)}")
        return result

    async def call_tool_error(self, session: ClientSession, name: str, arguments: dict[str, Any] | None = None):
        result = await session.call_tool(name, arguments)
        self.assertTrue(result.is_error, f"{name}({arguments}) should report isError")
        return text_of(result)

    async def call_protocol_error(self, session: ClientSession, name: str, arguments: dict[str, Any] | None, code: int):
        with self.assertRaises(MCPError, msg=f"{name}({arguments}) should fail with {code}") as caught:
            await session.call_tool(name, arguments)
        self.assertEqual(caught.exception.code, code, caught.exception.message)
        return caught.exception.message

    async def test_tools_are_listed_with_schemas(self):
        async with connect() as session:
            tools = {tool.name: tool for tool in (await session.list_tools()).tools}
            self.assertEqual(set(tools), OWN_TOOLS | METRICS_TOOLS)
            for tool in tools.values():
                self.assertEqual(tool.input_schema.get("type"), "object", tool.name)
                self.assertTrue(tool.description, tool.name)
            for name in METRICS_TOOLS:
                self.assertEqual(tools[name].output_schema.get("type"), "object", name)
                self.assertFalse(tools[name].input_schema.get("required"), name)
            self.assertEqual(
                set(tools["get_prometheus_metrics"].input_schema["properties"]),
                {"component", "event_type", "metric_prefix", "format"},
            )
            self.assertEqual(set(tools["get_metrics_summary"].input_schema["properties"]), {"component", "event_type"})
            self.assertEqual(set(tools["list_session_metrics"].input_schema["properties"]), {"metric_prefix"})
            self.assertEqual(set(tools["list_operations"].input_schema["properties"]), {"component", "event_type"})
            self.assertIn("delay_ms", tools["slow_work"].input_schema["properties"])
            # `Json<T>` results come with an output schema too.
            self.assertIn("session_id", tools["start_session"].output_schema["properties"])
            # No schemars number formats (`uint64`, ...), but their bounds stay.
            schemas = json.dumps([[t.input_schema, t.output_schema] for t in tools.values()])
            # (`format` is also an argument name of get_prometheus_metrics: look for values only.)
            self.assertNotRegex(schemas, r'"format": "u?(int|float|double)')
            self.assertEqual(tools["start_session"].output_schema["properties"]["session_id"]["minimum"], 0)

    async def test_list_operations_names_the_instrumented_tools(self):
        async with connect() as session:
            listed = (await self.call_ok(session, "list_operations", {"component": COMPONENT})).structured_content
            self.assertEqual(listed["status"], "ok")
            self.assertEqual(listed["operation_count"], len(INSTRUMENTED))
            self.assertEqual({op["event_type"] for op in listed["operations"]}, INSTRUMENTED)
            for op in listed["operations"]:
                self.assertEqual(op["component"], COMPONENT)
                self.assertEqual(op["family"], "mcp_event_emit")
                self.assertTrue(op["function"].endswith("::" + op["event_type"]), op)
                self.assertTrue(op["file"].endswith(".rs"), op)
                self.assertGreater(op["line"], 0, op)
            one = (await self.call_ok(session, "list_operations", {"event_type": "fast_ping"})).structured_content
            self.assertEqual([op["event_type"] for op in one["operations"]], ["fast_ping"])
            bad = await self.call_tool_error(session, "list_operations", {"metric_prefix": "x"})
            self.assertIn("invalid argument `metric_prefix`", bad)

    async def test_counts_failures_and_sessions_reach_the_metrics_tools(self):
        async with connect() as session:
            # Before any call: every catalogued operation has its series at 0 (a duration
            # histogram and a success counter each, and a failure counter per label of a
            # derived `ErrorLabel`); the session families have none. Of the layer, only the
            # `initialize` request is recorded.
            listed = (await self.call_ok(session, "list_session_metrics")).structured_content
            catalogue = (await self.call_ok(session, "list_operations")).structured_content["operations"]
            self.assertTrue(INSTRUMENTED <= {op["event_type"] for op in catalogue if op["component"] == COMPONENT})
            self.assertEqual(listed["status"], "ok")
            self.assertEqual(
                {f["name"]: f["series_count"] for f in listed["families"]},
                {
                    **dict.fromkeys(ALL_FAMILIES, 0),
                    "mcp_event_emit_success_total": len(catalogue),
                    "mcp_event_emit_duration_seconds": len(catalogue),
                    "mcp_event_emit_failure_total": sum(len(op["error_labels"]) for op in catalogue),
                    OPERATION: 1,
                },
            )
            zeros = (
                await self.call_ok(session, "get_prometheus_metrics", {"metric_prefix": "mcp_event_emit_s"})
            ).structured_content["text"]
            for name in INSTRUMENTED:
                labels = {"component_name": COMPONENT, "event_type": name}
                self.assertEqual(sample(zeros, "mcp_event_emit_success_total", labels), 0)

            # The instrumented tools, a known number of times each. No arguments at all where none
            # are needed: rmcp must accept a call without an `arguments` object.
            for _ in range(5):
                self.assertEqual(text_of(await self.call_ok(session, "fast_ping")), "pong")
            for _ in range(3):
                await self.call_ok(session, "slow_work", {"delay_ms": 30})
            await self.call_protocol_error(session, "slow_work", {"delay_ms": 10**9}, INVALID_PARAMS)
            await self.call_ok(session, "slow_work_boxed", {"delay_ms": 40})
            await self.call_ok(session, "slow_work_boxed", {"delay_ms": 40})
            await self.call_ok(session, "slow_work_boxed")  # default 50 ms
            await self.call_protocol_error(session, "fail_with_error", None, INVALID_PARAMS)
            await self.call_protocol_error(session, "fail_with_error", {"code": "invalid_params"}, INVALID_PARAMS)
            await self.call_protocol_error(session, "fail_with_error", {"code": "internal_error"}, INTERNAL_ERROR)
            for _ in range(4):
                self.assertIn("could not do its job", await self.call_tool_error(session, "report_tool_error"))

            first = (await self.call_ok(session, "start_session")).structured_content
            await self.call_ok(session, "start_session", {"shell_type": "zsh"})
            await self.call_ok(session, "start_session", {"shell_type": "bash"})
            self.assertEqual(first["active_sessions"], 1)
            ended = await self.call_ok(
                session, "end_session", {"session_id": first["session_id"], "quality_score": 87.5}
            )
            self.assertEqual(ended.structured_content["active_sessions"], 2)
            await self.call_ok(session, "end_session", {"status": "error", "quality_score": 42})
            await self.call_protocol_error(session, "end_session", {"session_id": 999}, INVALID_PARAMS)

            # Arguments of the wrong type are rejected by rmcp before the handler runs, so the
            # call is not counted at all.
            rejected = await self.call_tool_error(session, "slow_work", {"delay_ms": "soon"})
            self.assertIn("failed to deserialize parameters", rejected)

            await self.check_summary(session)
            await self.check_prometheus_text(session)
            await self.check_list(session)

            # Asking for metrics is not itself counted, so a second summary is unchanged.
            again = (await self.call_ok(session, "get_metrics_summary")).structured_content
            self.assertEqual(again["totals"]["call_count"], 25)

    async def check_summary(self, session: ClientSession):
        summary = (await self.call_ok(session, "get_metrics_summary")).structured_content
        self.assertEqual(summary["status"], "ok")
        self.assertIsNone(summary["message"])
        ops = {(op["component"], op["event_type"]): op for op in summary["operations"]}
        self.assertEqual({key for key in ops if key[0] == COMPONENT}, {(COMPONENT, tool) for tool in INSTRUMENTED})
        # Other catalogued operations linked into the binary (the runtime's session tracker)
        # are summarised from their zero-valued series: never called.
        for key, op in ops.items():
            if key[0] != COMPONENT:
                self.assertEqual(op["call_count"], 0, key)
        expected = {
            # event_type: (successes, failures by error_type)
            "fast_ping": (5, {}),
            "slow_work": (3, {"invalid_params": 1}),
            "slow_work_boxed": (3, {}),
            "fail_with_error": (0, {"invalid_params": 2, "internal_error": 1}),
            "report_tool_error": (0, {"tool_error": 4}),
            "start_session": (3, {}),
            "end_session": (2, {"invalid_params": 1}),
        }
        for event_type, (successes, failures) in expected.items():
            op = ops[(COMPONENT, event_type)]
            calls = successes + sum(failures.values())
            self.assertEqual(op["success_count"], successes, event_type)
            self.assertEqual(op["failures_by_error_type"], failures, event_type)
            self.assertEqual(op["failure_count"], sum(failures.values()), event_type)
            self.assertEqual(op["call_count"], calls, event_type)
            self.assertAlmostEqual(op["success_ratio"], successes / calls, msg=event_type)
            self.assertEqual(op["duration"]["count"], calls, event_type)
            for key in ("mean_seconds", "p50_seconds", "p95_seconds", "p99_seconds"):
                self.assertIsNotNone(op["duration"][key], (event_type, key))
            self.assertLessEqual(op["duration"]["p50_seconds"], op["duration"]["p95_seconds"])
            self.assertLessEqual(op["duration"]["p95_seconds"], op["duration"]["p99_seconds"])
        # The slow tools were timed over their real work, in both attribute orders:
        # 3 x 30 ms above #[tool]; 40 + 40 + 50 ms below it.
        slow = ops[(COMPONENT, "slow_work")]["duration"]
        self.assertGreaterEqual(slow["sum_seconds"], 0.090)
        boxed = ops[(COMPONENT, "slow_work_boxed")]["duration"]
        self.assertGreaterEqual(boxed["sum_seconds"], 0.130)
        self.assertGreaterEqual(boxed["mean_seconds"], 0.130 / 3)
        # Every boxed call took ≥ 40 ms, so the estimated median lies in the (0.025, 0.05] bucket
        # or above, never in the sub-millisecond buckets a constructor-only timing would give.
        self.assertGreater(boxed["p50_seconds"], 0.025)
        fast = ops[(COMPONENT, "fast_ping")]["duration"]
        self.assertLess(fast["mean_seconds"], 0.025)

        (component,) = summary["components"]
        self.assertEqual(component["component"], COMPONENT)
        self.assertEqual(component["sessions_started"], 3)
        self.assertEqual(component["sessions_started_by_shell_type"], {"bash": 2, "zsh": 1})
        self.assertEqual(component["sessions_ended"], 2)
        self.assertEqual(component["sessions_ended_by_status"], {"success": 1, "error": 1})
        self.assertEqual(component["active_sessions"], 1)
        self.assertEqual(component["quality_score"], 42)
        self.assertGreater(component["mean_session_duration_seconds"], 0)

        totals = summary["totals"]
        # The seven tools and the session tracker's two, which were never called.
        self.assertEqual(totals["operation_count"], len(ops))
        self.assertEqual(len(ops), len(INSTRUMENTED) + 2)
        self.assertEqual(totals["success_count"], 16)
        self.assertEqual(totals["failure_count"], 9)
        self.assertEqual(totals["call_count"], 25)
        self.assertAlmostEqual(totals["success_ratio"], 16 / 25)
        # The session tracker's error type derives `ErrorLabel`: its labels are there at 0.
        self.assertEqual(
            totals["failures_by_error_type"],
            {"invalid_params": 4, "internal_error": 1, "tool_error": 4, "InvalidEvent": 0, "Lifecycle": 0},
        )
        self.assertEqual(totals["component_count"], 1)
        self.assertEqual((totals["sessions_started"], totals["sessions_ended"]), (3, 2))
        self.assertEqual(totals["active_sessions"], 1)

        # Filters narrow the summary.
        only = await self.call_ok(session, "get_metrics_summary", {"event_type": "fast_ping"})
        self.assertEqual([op["event_type"] for op in only.structured_content["operations"]], ["fast_ping"])
        self.assertEqual(only.structured_content["totals"]["call_count"], 5)
        self.assertEqual(only.structured_content["filters"], {"component": None, "event_type": "fast_ping"})
        other = await self.call_ok(session, "get_metrics_summary", {"component": "someone_else"})
        self.assertEqual(other.structured_content["operations"], [])
        self.assertEqual(other.structured_content["components"], [])

        # The session mean agrees with the histogram in the exposition.
        text = (await self.call_ok(session, "get_prometheus_metrics")).structured_content["text"]
        total = sample(text, "session_duration_seconds_sum", {"component_name": COMPONENT})
        count = sample(text, "session_duration_seconds_count", {"component_name": COMPONENT})
        self.assertEqual(count, 2)
        self.assertTrue(math.isclose(component["mean_session_duration_seconds"], total / count, rel_tol=1e-9))

    async def check_prometheus_text(self, session: ClientSession):
        answer = (await self.call_ok(session, "get_prometheus_metrics")).structured_content
        text = answer["text"]
        self.assertEqual(answer["status"], "ok")
        self.assertTrue(answer["content_type"].startswith("text/plain; version=0.0.4"))
        # The eight, plus the layer's operation family (the session one has no series yet).
        self.assertEqual(answer["family_count"], 9)
        self.assertEqual(answer["size_bytes"], len(text.encode()))
        self.assertRegex(answer["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertGreater(answer["timestamp_unix_ms"], 1_600_000_000_000)

        def op(event_type: str, **more: str) -> dict[str, str]:
            return {"component_name": COMPONENT, "event_type": event_type, **more}

        self.assertEqual(sample(text, "mcp_event_emit_success_total", op("fast_ping")), 5)
        self.assertEqual(sample(text, "mcp_event_emit_success_total", op("slow_work_boxed")), 3)
        self.assertEqual(sample(text, "mcp_event_emit_success_total", op("report_tool_error")), 0)
        failure = "mcp_event_emit_failure_total"
        self.assertEqual(sample(text, failure, op("report_tool_error", error_type="tool_error")), 4)
        self.assertEqual(sample(text, failure, op("fail_with_error", error_type="invalid_params")), 2)
        self.assertEqual(sample(text, failure, op("fail_with_error", error_type="internal_error")), 1)
        self.assertEqual(sample(text, failure, op("end_session", error_type="invalid_params")), 1)
        self.assertEqual(sample(text, "mcp_event_emit_duration_seconds_count", op("slow_work")), 4)
        self.assertGreaterEqual(sample(text, "mcp_event_emit_duration_seconds_sum", op("slow_work_boxed")), 0.13)
        self.assertEqual(sample(text, "session_start_total", {"component_name": COMPONENT, "shell_type": "bash"}), 2)
        self.assertEqual(sample(text, "session_end_total", {"component_name": COMPONENT, "status": "error"}), 1)
        self.assertEqual(sample(text, "active_sessions", {"component_name": COMPONENT}), 1)
        self.assertEqual(sample(text, "session_quality_score", {"component_name": COMPONENT}), 42)

        prefixed = (await self.call_ok(session, "get_prometheus_metrics", {"metric_prefix": "session_"})).structured_content
        self.assertEqual(prefixed["family_count"], 4)
        self.assertNotIn("mcp_event_emit", prefixed["text"])
        by_event = (await self.call_ok(session, "get_prometheus_metrics", {"event_type": "fast_ping"})).structured_content
        self.assertEqual(by_event["family_count"], 2)  # success and duration; no fast_ping failures
        self.assertNotIn("slow_work", by_event["text"])
        nobody = (await self.call_ok(session, "get_prometheus_metrics", {"component": "nobody"})).structured_content
        self.assertEqual((nobody["family_count"], nobody["text"]), (0, ""))
        om = (await self.call_ok(session, "get_prometheus_metrics", {"format": "openmetrics"})).structured_content
        self.assertEqual(om["content_type"], "application/openmetrics-text; version=1.0.0; charset=utf-8")
        self.assertTrue(om["text"].endswith("\n# EOF\n"), om["text"][-200:])
        self.assertIn("# TYPE session_start counter\n", om["text"])

    async def check_list(self, session: ClientSession):
        listed = (await self.call_ok(session, "list_session_metrics")).structured_content
        self.assertEqual(listed["family_count"], 10)
        families = {f["name"]: f for f in listed["families"]}
        self.assertEqual(set(families), set(ALL_FAMILIES))
        for name, (kind, labels) in ALL_FAMILIES.items():
            self.assertEqual(families[name]["type"], kind, name)
            self.assertEqual(families[name]["label_names"], labels, name)
            self.assertTrue(families[name]["help"], name)
            self.assertEqual(families[name]["source"], "session_metrics", name)
            self.assertEqual(families[name]["buckets"] is not None, kind == "histogram", name)
        self.assertEqual(len(families["mcp_event_emit_duration_seconds"]["buckets"]), 12)
        self.assertEqual(families["session_duration_seconds"]["buckets"][0], 60)
        self.assertEqual(families[OPERATION]["buckets"][:3], [0.01, 0.02, 0.05])
        self.assertEqual(len(families[SESSION]["buckets"]), 14)
        # One success and one duration series per catalogued operation (the seven tools and the
        # session tracker's two, created at 0 at start-up); one failure series per (tool,
        # error_type) seen, plus the tracker's two `ErrorLabel` labels for each of its two.
        self.assertEqual(families["mcp_event_emit_success_total"]["series_count"], 9)
        self.assertEqual(families["mcp_event_emit_duration_seconds"]["series_count"], 9)
        self.assertEqual(families["mcp_event_emit_failure_total"]["series_count"], 5 + 4)
        self.assertEqual(families["session_start_total"]["series_count"], 2)
        prefixed = (await self.call_ok(session, "list_session_metrics", {"metric_prefix": "mcp_event_"})).structured_content
        self.assertEqual(sorted(f["name"] for f in prefixed["families"]), sorted(n for n in FAMILIES if n.startswith("mcp_event_")))

    async def test_bad_arguments_and_unknown_tools_leave_the_server_serving(self):
        async with connect() as session:
            message = await self.call_tool_error(session, "get_metrics_summary", {"component": 5})
            self.assertEqual(message, "invalid argument `component`: expected a string, got the number 5")
            message = await self.call_tool_error(session, "get_metrics_summary", {"event_type": ""})
            self.assertIn("invalid argument `event_type`: must not be empty", message)
            message = await self.call_tool_error(session, "get_prometheus_metrics", {"metric_prefix": "9lives"})
            self.assertIn("invalid argument `metric_prefix`", message)
            message = await self.call_tool_error(session, "get_prometheus_metrics", {"format": "protobuf"})
            self.assertEqual(
                message,
                'invalid argument `format`: "protobuf" is not a format; use `text` (the default) or `openmetrics`',
            )
            message = await self.call_tool_error(session, "list_session_metrics", {"component": "x"})
            self.assertIn("not an argument of this tool; it accepts `metric_prefix`", message)
            message = await self.call_tool_error(session, "slow_work", {"delay_ms": [1]})
            self.assertIn("failed to deserialize parameters", message)
            message = await self.call_tool_error(session, "start_session", {"shell": "bash"})
            self.assertIn("unknown field", message)
            await self.call_protocol_error(session, "no_such_tool", None, INVALID_PARAMS)
            await self.call_protocol_error(session, "no_such_tool", {"a": 1}, INVALID_PARAMS)

            # Still serving, and none of the rejected calls reached an instrumented handler.
            self.assertEqual(text_of(await self.call_ok(session, "fast_ping")), "pong")
            self.assertEqual(len((await session.list_tools()).tools), 12)
            summary = (await self.call_ok(session, "get_metrics_summary")).structured_content
            self.assertEqual(summary["totals"]["call_count"], 1)
            self.assertEqual(summary["totals"]["success_count"], 1)
            await session.send_ping()

    async def test_the_layer_counts_every_request_over_stdio(self):
        async with connect(with_init=True) as (session, init):

            async def exposition() -> str:
                result = await session.call_tool("get_prometheus_metrics")
                return result.structured_content["text"]

            await drive_and_check(self, session, str(init.protocol_version), "pipe", exposition)

    async def test_a_second_instance_serves_mcp_without_metrics(self):
        port = free_port()
        with tempfile.TemporaryFile(mode="w+") as second_stderr:
            async with connect(port) as first, connect(port, errlog=second_stderr) as second:
                self.assertEqual(text_of(await self.call_ok(second, "fast_ping")), "pong")
                self.assertEqual(text_of(await self.call_ok(first, "fast_ping")), "pong")
                second_stderr.seek(0)
                logged = second_stderr.read()
                self.assertIn("/metrics is off", logged)
                self.assertIn(f"127.0.0.1:{port}", logged)
                # The first instance's /metrics answers, with its own calls only.
                text = scrape(port)
                calls = f'{OPERATION}_count{{gen_ai_tool_name="fast_ping",mcp_method_name="tools/call"'
                self.assertEqual(sum(1 for line in text.splitlines() if line.startswith(calls)), 1, text)


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        os.environ["MCP_SERVER_BIN"] = sys.argv.pop(1)
    binary = server_binary()
    if not binary.is_file():
        sys.exit(f"server binary {binary} not found; build it with `cargo build -p examples --example mcp_server`")
    unittest.main(verbosity=2)
