"""MCP client against a real MCP server (the official SDK's MCPServer in tests/data) over stdio and streamable HTTP."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest


from agent.backends.scripted import ScriptedBackend  # noqa: E402
from agent.config import Config, ConfigError, McpServer  # noqa: E402
from agent.events import ToolResult  # noqa: E402
from agent.mcp import mcp_tools  # noqa: E402
from agent.session_builder import build_session  # noqa: E402
from agent.tools.base import ToolContext, ToolError  # noqa: E402
from agent.tools.workspace import Workspace  # noqa: E402
from agent.trajectory import read_log  # noqa: E402
from tests.waiting import When  # noqa: E402

SERVER = str(Path(__file__).parent / "data" / "mcp_test_server.py")


def stdio_server(**kw) -> McpServer:
    return McpServer(command=sys.executable, args=[SERVER], **kw)


@pytest.fixture(scope="module")
def stdio_tools(tmp_path_factory):
    ws = tmp_path_factory.mktemp("mcp_ws")
    tools = {t.name: t for t in mcp_tools({"test": stdio_server(timeout_s=60)}, ws)}
    yield tools, ToolContext(workspace=Workspace(ws))
    next(iter(tools.values())).close(None)


def run(tool, ctx, **args):
    return tool.run(tool.Params.model_validate(args), ctx)


@pytest.fixture(scope="module")
def http_url(tmp_path_factory):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path_factory.mktemp("mcp_http") / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, SERVER, "http", str(port)], stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120  # a bound: a loaded machine may take a while to start it
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the MCP HTTP server did not start: {log.read_text()[-2000:]}")
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_stdio_server_tools_are_offered_under_namespaced_names(stdio_tools):
    tools, _ = stdio_tools
    assert set(tools) == {"test__add", "test__shout", "test__fail", "test__sleep"}


def test_remote_tool_spec_carries_the_servers_description_and_schema(stdio_tools):
    spec = stdio_tools[0]["test__add"].spec()
    assert spec.description == "Add two integers."
    assert spec.parameters["required"] == ["a", "b"] and spec.parameters["properties"]["a"]["type"] == "integer"


def test_calling_a_stdio_tool_returns_its_result(stdio_tools):
    tools, ctx = stdio_tools
    assert run(tools["test__add"], ctx, a=2, b=40).output == "42"


def test_arguments_that_do_not_fit_the_schema_are_rejected_before_the_call(stdio_tools):
    with pytest.raises(ValueError, match="'b' is a required property"):
        stdio_tools[0]["test__add"].Params.model_validate({"a": 1})


def test_a_tool_error_on_the_server_is_an_error_result(stdio_tools):
    tools, ctx = stdio_tools
    obs = run(tools["test__fail"], ctx, message="no")
    assert obs.is_error and obs.error_kind == "tool_error"


def test_a_call_past_the_timeout_is_cancelled_and_reported(tmp_path):
    tools = {t.name: t for t in mcp_tools({"test": stdio_server(timeout_s=5)}, tmp_path)}
    ctx = ToolContext(workspace=Workspace(tmp_path))
    try:
        with pytest.raises(ToolError, match="no answer within 5 s"):
            run(tools["test__sleep"], ctx, seconds=600)  # only the timeout can end it
        # the connection lives on; the next call gets a bound that a busy machine cannot run into
        tools["test__shout"].connection.server.timeout_s = 60
        assert run(tools["test__shout"], ctx, text="still here").output == "STILL HERE"
    finally:
        next(iter(tools.values())).close(None)


def test_an_interrupt_cancels_a_running_call(stdio_tools, tmp_path):
    tools, _ = stdio_tools
    ctx = ToolContext(workspace=stdio_tools[1].workspace)
    started = tmp_path / "started"
    interrupt = When(started.exists, ctx.cancel.set)  # once the server runs the call
    obs = run(tools["test__sleep"], ctx, seconds=600, started=str(started))
    assert not interrupt.failed and obs.error_kind == "interrupted"


def test_streamable_http_server_tools_work(http_url, tmp_path):
    tools = {t.name: t for t in mcp_tools({"web": McpServer(url=http_url)}, tmp_path)}
    ctx = ToolContext(workspace=Workspace(tmp_path))
    try:
        assert run(tools["web__shout"], ctx, text="hi").output == "HI"
    finally:
        tools["web__shout"].close(ctx)


def test_a_server_that_cannot_start_is_a_one_line_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"MCP server 'broken': .*fix \[mcp_servers.broken\]"):
        mcp_tools({"broken": McpServer(command=sys.executable, args=[str(tmp_path / "missing.py")])}, tmp_path)


def test_disabled_servers_are_not_started(tmp_path):
    assert mcp_tools({"off": McpServer(command="/nonexistent", enabled=False)}, tmp_path) == []


def test_mcp_results_are_logged_like_any_tool(tmp_path):
    config = Config(approval="yolo", mcp_servers={"test": stdio_server()})
    reply = f'<tool_call>{json.dumps({"name": "test__add", "arguments": {"a": 1, "b": 2}})}</tool_call>'
    session = build_session(config, tmp_path, backend=ScriptedBackend([reply, "3"]))
    assert "test__add" in [s.name for s in session.specs]
    session.start()
    list(session.send("add"))
    session.end()
    log = read_log(next((tmp_path / ".limi" / "sessions").glob("*.jsonl")))
    result = next(e for e in log.events if isinstance(e, ToolResult))
    assert (result.name, result.output, result.is_error) == ("test__add", "3", False)
    assert any(t["function"]["name"] == "test__add" for t in log.started.tools)
