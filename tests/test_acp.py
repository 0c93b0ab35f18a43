"""``limi-cli acp`` spoken to by the SDK's own client side over a real stdio pipe: a real
``limi-cli acp`` process with a scripted model (the embedded model in one test), a real git
workspace, real tools. Every wait is on an event (an update, a file the tool writes, the
process's exit), bounded by a deadline."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Callable

import pytest
from acp import PROTOCOL_VERSION, RequestError, connect_to_agent, text_block
from acp.schema import (
    AllowedOutcome,
    ClientCapabilities,
    DeniedOutcome,
    EmbeddedResourceContentBlock,
    FileSystemCapabilities,
    ReadTextFileResponse,
    RequestPermissionResponse,
    TextResourceContents,
    WriteTextFileResponse,
)

from agent.trajectory import read_log
from test_cli import call, limi

pytestmark = pytest.mark.anyio
DEADLINE_S = 60.0


def scripted(tmp_path: Path, replies: list[str], delay_s: float = 0.0, name: str = "replies.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps({"replies": replies, "delay_s": delay_s}))
    return f"scripted:{path}"


def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "app.py").write_text("def add(a, b):\n    return a - b\n")
    subprocess.run(["git", "init", "-q"], cwd=ws, check=True)
    subprocess.run(["git", "add", "."], cwd=ws, check=True)
    subprocess.run(["git", "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "init"], cwd=ws, check=True)
    return ws


def dump(model) -> dict:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


class Recorder:
    """The client: records every update, answers permission requests from ``answers`` (option
    ids in order; None answers cancelled), serves fs/* from disk and records those calls."""

    def __init__(self, answers: list[str | None] | None = None):
        self.updates: list[dict] = []
        self.permissions: list[dict] = []
        self.answers = list(answers or [])
        self.fs: list[tuple[str, str]] = []
        self.changed = asyncio.Condition()
        self.hold_permission: asyncio.Event | None = None  # set: answer; unset: keep the question open

    async def _notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def wait_for(self, predicate: Callable[[], Any], what: str, timeout: float = DEADLINE_S) -> Any:
        async def wait() -> Any:
            async with self.changed:
                while not (found := predicate()):
                    await self.changed.wait()
                return found
        try:
            return await asyncio.wait_for(wait(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"timed out waiting for {what}; updates: {self.updates[-5:]}") from None

    async def session_update(self, session_id: str, update, **kwargs: Any) -> None:
        self.updates.append({"session": session_id, **dump(update)})
        await self._notify()

    async def request_permission(self, session_id: str, tool_call, options, **kwargs: Any) -> RequestPermissionResponse:
        self.permissions.append({"tool_call": dump(tool_call), "options": [dump(o) for o in options]})
        await self._notify()
        if self.hold_permission is not None:
            await self.hold_permission.wait()
        answer = self.answers.pop(0) if self.answers else None
        if answer is None:
            return RequestPermissionResponse(outcome=DeniedOutcome(outcome="cancelled"))
        return RequestPermissionResponse(outcome=AllowedOutcome(outcome="selected", option_id=answer))

    async def read_text_file(self, session_id: str, path: str, line=None, limit=None, **kwargs: Any) -> ReadTextFileResponse:
        self.fs.append(("read", path))
        return ReadTextFileResponse(content=Path(path).read_text())

    async def write_text_file(self, session_id: str, path: str, content: str, **kwargs: Any) -> WriteTextFileResponse:
        self.fs.append(("write", path))
        Path(path).write_text(content)
        return WriteTextFileResponse()

    def of(self, kind: str) -> list[dict]:
        return [u for u in self.updates if u["sessionUpdate"] == kind]

    def text(self, kind: str = "agent_message_chunk") -> str:
        return "".join(u["content"]["text"] for u in self.of(kind))


@asynccontextmanager
async def acp_agent(ws: Path, *args: str, client: Recorder, fs: bool = True, env: dict | None = None):
    """A ``limi-cli acp`` process on real pipes and the SDK's client connection to it, initialized."""
    err = open(ws.parent / "agent.stderr", "ab")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "limi_cli.cli", "acp", *args, cwd=ws, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=err, env={**os.environ, "LIMI_MAX_RETRIES": "0", **(env or {})},
        start_new_session=True,
    )
    conn = connect_to_agent(client, proc.stdin, proc.stdout)
    try:
        caps = ClientCapabilities(fs=FileSystemCapabilities(read_text_file=fs, write_text_file=fs))
        init = await asyncio.wait_for(conn.initialize(protocol_version=PROTOCOL_VERSION, client_capabilities=caps), DEADLINE_S)
        assert init.protocol_version == PROTOCOL_VERSION
        yield conn, proc
    finally:
        await stop(proc)
        with contextlib.suppress(ConnectionError):  # a late answer of the client's, to an agent that is gone
            await conn.close()
        err.close()


async def stop(proc) -> int:
    """Close the agent's stdin (the client goes away) and wait for it to exit by itself."""
    if proc.stdin is not None and not proc.stdin.is_closing():
        proc.stdin.close()
    try:
        return await asyncio.wait_for(proc.wait(), DEADLINE_S)
    except asyncio.TimeoutError:
        os.killpg(proc.pid, signal.SIGKILL)
        await proc.wait()
        raise AssertionError("limi-cli acp did not exit after its stdin closed") from None


def the_log(ws: Path):
    logs = sorted((ws / ".limi" / "sessions").glob("*.jsonl"))
    assert len(logs) == 1, logs
    return read_log(logs[0])


def types(log) -> list[str]:
    return [e.type for e in log.events]


# -- a whole prompt turn ------------------------------------------------------------------


@pytest.mark.parametrize("fs", [True, False], ids=["client-fs", "own-tools"])
async def test_a_prompt_turn_streams_text_tool_calls_and_an_edit_diff(tmp_path, fs):
    ws = workspace(tmp_path)
    model = scripted(tmp_path, [
        "Let me read it first.\n" + call("read_file", path="app.py"),
        call("edit", path="app.py", old_string="return a - b", new_string="return a + b"),
        "Fixed: add now adds.",
    ])
    client = Recorder()
    async with acp_agent(ws, "-m", model, "--approval", "auto-edit", client=client, fs=fs) as (conn, proc):
        new = await conn.new_session(cwd=str(ws), mcp_servers=[])
        assert new.modes.current_mode_id == "auto-edit"
        assert {m.id for m in new.modes.available_modes} >= {"read-only", "plan", "ask", "auto-edit", "yolo"}
        assert {o.id for o in new.config_options} == {"mode", "model"}
        response = await conn.prompt(session_id=new.session_id, prompt=[text_block("fix add in app.py")])
        assert response.stop_reason == "end_turn"
        assert response.usage.output_tokens > 0

    assert (ws / "app.py").read_text() == "def add(a, b):\n    return a + b\n"
    assert client.text().startswith("Let me read it first.") and client.text().endswith("Fixed: add now adds.")
    starts = client.of("tool_call")
    assert [(s["kind"], s["status"]) for s in starts] == [("read", "pending"), ("edit", "pending")]
    assert starts[0]["locations"] == [{"path": str(ws / "app.py")}]
    assert starts[1]["rawInput"]["new_string"] == "return a + b"
    by_call = {s["toolCallId"]: [u["status"] for u in client.of("tool_call_update") if u["toolCallId"] == s["toolCallId"]]
               for s in starts}
    assert all(statuses == ["in_progress", "completed"] for statuses in by_call.values()), by_call
    done = [u for u in client.of("tool_call_update") if u["status"] == "completed"]
    assert "return a - b" in done[0]["content"][0]["content"]["text"]  # what read_file read
    diff = done[1]["content"][0]
    assert diff == {"type": "diff", "path": str(ws / "app.py"), "oldText": "def add(a, b):\n    return a - b\n",
                    "newText": "def add(a, b):\n    return a + b\n"}
    # the file tools went through the client exactly when it offered fs/*
    assert client.fs == ([("read", str(ws / "app.py"))] * 2 + [("write", str(ws / "app.py"))] if fs else [])

    log = the_log(ws)
    assert log.started.mode == "acp" and log.started.session_id == new.session_id
    assert types(log)[-1] == "session_ended" and log.events[-1].reason == "done"
    assert [e.content for e in log.events if e.type == "user_message"] == ["fix add in app.py"]
    assert [e.name for e in log.events if e.type == "tool_result"] == ["read_file", "edit"]
    # exportable as a training row, like any chat session
    out = tmp_path / "rows.jsonl"
    done_export = limi("export", new.session_id, "-o", str(out), cwd=ws)
    assert done_export.returncode == 0, done_export.stderr
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant", "tool", "assistant", "tool", "assistant"]


async def test_write_file_and_multi_edit_go_through_the_client(tmp_path):
    ws = workspace(tmp_path)
    model = scripted(tmp_path, [
        call("write_file", path="pkg/new.py", content="x = 1\ny = 2\n"),
        call("multi_edit", path="pkg/new.py", edits=[{"old_string": "x = 1", "new_string": "x = 10"},
                                                      {"old_string": "y = 2", "new_string": "y = 20"}]),
        call("read_file", path="../outside.txt"),
        "Written.",
    ])
    client = Recorder()
    async with acp_agent(ws, "-m", model, client=client) as (conn, _):
        new = await conn.new_session(cwd=str(ws), mcp_servers=[])
        assert (await conn.prompt(session_id=new.session_id, prompt=[text_block("write it")])).stop_reason == "end_turn"
    target = str(ws / "pkg" / "new.py")
    assert (ws / "pkg" / "new.py").read_text() == "x = 10\ny = 20\n"
    assert client.fs == [("write", target), ("read", target), ("write", target)]  # nothing outside was asked for
    diffs = [c for u in client.of("tool_call_update") for c in u.get("content", []) if c["type"] == "diff"]
    assert [(d.get("oldText"), d["newText"]) for d in diffs] == [(None, "x = 1\ny = 2\n"), ("x = 1\ny = 2\n", "x = 10\ny = 20\n")]
    results = [e for e in the_log(ws).events if e.type == "tool_result"]
    assert [r.is_error for r in results] == [False, False, True] and "outside the workspace" in results[2].output


async def test_embedded_resources_are_attached_like_mentions(tmp_path):
    ws = workspace(tmp_path)
    client = Recorder()
    async with acp_agent(ws, "-m", scripted(tmp_path, ["Seen."]), client=client) as (conn, _):
        new = await conn.new_session(cwd=str(ws), mcp_servers=[])
        resource = EmbeddedResourceContentBlock(type="resource", resource=TextResourceContents(
            uri=(ws / "app.py").as_uri(), text="def add(a, b): ...", mime_type="text/x-python"))
        response = await conn.prompt(session_id=new.session_id, prompt=[text_block("what is this? "), resource])
        assert response.stop_reason == "end_turn"
    (message,) = [e.content for e in the_log(ws).events if e.type == "user_message"]
    assert message == 'what is this?\n\n<file path="app.py">\ndef add(a, b): ...\n</file>'


async def test_secrets_never_reach_the_client(tmp_path):
    ws = workspace(tmp_path)
    secret = "zq8Hv3LmP0wXr7Tn"
    (ws / "settings.txt").write_text(f"token = {secret}\n")
    model = scripted(tmp_path, [call("read_file", path="settings.txt"), f"The token is {secret} as you see."])
    client = Recorder()
    async with acp_agent(ws, "-m", model, client=client, env={"DEPLOY_TOKEN": secret}) as (conn, _):
        new = await conn.new_session(cwd=str(ws), mcp_servers=[])
        await conn.prompt(session_id=new.session_id, prompt=[text_block("what is the token?")])
    shown = json.dumps(client.updates)
    assert secret not in shown
    assert "REDACTED" in client.text() and "REDACTED" in shown


async def test_a_model_that_fails_answers_the_prompt_with_an_error_and_the_session_goes_on(tmp_path, unused_port):
    ws = workspace(tmp_path)
    client = Recorder()
    async with acp_agent(ws, "-m", "openai:nothing", "--base-url", f"http://127.0.0.1:{unused_port}/v1",
                         client=client) as (conn, _):
        new = await conn.new_session(cwd=str(ws), mcp_servers=[])
        for _ in range(2):
            with pytest.raises(RequestError) as failed:
                await conn.prompt(session_id=new.session_id, prompt=[text_block("hello")])
            assert failed.value.code == -32603 and str(unused_port) in str(failed.value)
    log = the_log(ws)
    assert [e.content for e in log.events if e.type == "user_message"] == ["hello", "hello"]
    assert log.events[-1].reason == "error" and str(unused_port) in log.events[-1].error


# -- permissions ---------------------------------------------------------------------------


async def test_permission_requests_are_answered_both_ways(tmp_path):
    ws = workspace(tmp_path)
    model = scripted(tmp_path, [
        call("edit", path="app.py", old_string="a - b", new_string="a + b"),
        call("shell", command="echo made > made.txt"),
        "One of two.",
    ])
    client = Recorder(answers=["allow", "reject"])
    async with acp_agent(ws, "-m", model, "--approval", "ask", "--sandbox", "off", client=client) as (conn, _):
        new = await conn.new_session(cwd=str(ws), mcp_servers=[])
        response = await conn.prompt(session_id=new.session_id, prompt=[text_block("fix it and make a file")])
        assert response.stop_reason == "end_turn"

    assert "a + b" in (ws / "app.py").read_text()
    assert not (ws / "made.txt").exists()
    edit, shell = client.permissions
    assert [o["kind"] for o in edit["options"]] == ["allow_once", "allow_always", "reject_once"]
    assert edit["tool_call"]["kind"] == "edit"
    assert edit["tool_call"]["content"][0]["type"] == "diff"  # the person sees the change before saying yes
    assert edit["tool_call"]["content"][0]["newText"].endswith("return a + b\n")
    assert shell["tool_call"]["kind"] == "execute"
    assert "echo made > made.txt" in shell["tool_call"]["content"][0]["content"]["text"]
    finals = {u["toolCallId"]: u["status"] for u in client.of("tool_call_update") if u["status"] in ("completed", "failed")}
    assert list(finals.values()) == ["completed", "failed"]
    results = [e for e in the_log(ws).events if e.type == "tool_result"]
    assert [(r.name, r.is_error, r.error_kind) for r in results] == [("edit", False, None), ("shell", True, "refused")]


async def test_allow_always_is_not_asked_again(tmp_path):
    ws = workspace(tmp_path)
    model = scripted(tmp_path, [
        call("edit", path="app.py", old_string="a - b", new_string="a * b"),
        call("edit", path="app.py", old_string="a * b", new_string="a + b"),
        "Twice.",
    ])
    client = Recorder(answers=["allow_always"])
    async with acp_agent(ws, "-m", model, "--approval", "ask", client=client) as (conn, _):
        new = await conn.new_session(cwd=str(ws), mcp_servers=[])
        assert (await conn.prompt(session_id=new.session_id, prompt=[text_block("go")])).stop_reason == "end_turn"
    assert len(client.permissions) == 1
    assert "a + b" in (ws / "app.py").read_text()


async def test_plan_mode_ends_with_a_plan_the_person_accepts(tmp_path):
    ws = workspace(tmp_path)
    model = scripted(tmp_path, [
        call("read_file", path="app.py"),
        call("present_plan", plan="1. change a - b to a + b in app.py"),
        call("edit", path="app.py", old_string="a - b", new_string="a + b"),
        "Done as planned.",
    ])
    client = Recorder(answers=["accept_auto_edit"])
    async with acp_agent(ws, "-m", model, client=client) as (conn, _):
        new = await conn.new_session(cwd=str(ws), mcp_servers=[])
        await conn.set_session_mode(session_id=new.session_id, mode_id="plan")
        response = await conn.prompt(session_id=new.session_id, prompt=[text_block("plan the fix")])
        assert response.stop_reason == "end_turn"
    (plan,) = client.permissions
    assert plan["tool_call"]["kind"] == "switch_mode"
    assert "a - b to a + b" in plan["tool_call"]["content"][0]["content"]["text"]
    assert [u["currentModeId"] for u in client.of("current_mode_update")] == ["auto-edit"]
    assert "a + b" in (ws / "app.py").read_text()  # edited without asking: auto-edit after the plan
    log = the_log(ws)
    changes = [(e.previous, e.approval, e.by) for e in log.events if e.type == "approval_changed"]
    assert changes == [("auto-edit", "plan", "user"), ("plan", "auto-edit", "plan")]


async def test_a_mode_set_by_the_client_refuses_what_it_forbids(tmp_path):
    ws = workspace(tmp_path)
    client = Recorder()
    model = scripted(tmp_path, [call("write_file", path="new.txt", content="x"), "Could not."])
    async with acp_agent(ws, "-m", model, "--approval", "yolo", client=client) as (conn, _):
        new = await conn.new_session(cwd=str(ws), mcp_servers=[])
        options = await conn.set_config_option(config_id="mode", session_id=new.session_id, value="read-only")
        assert next(o for o in options.config_options if o.id == "mode").current_value == "read-only"
        await conn.prompt(session_id=new.session_id, prompt=[text_block("write it")])
        with pytest.raises(RequestError) as bad:
            await conn.set_session_mode(session_id=new.session_id, mode_id="anything")
        assert bad.value.code == -32602
    assert not (ws / "new.txt").exists() and client.permissions == []
    results = [e for e in the_log(ws).events if e.type == "tool_result"]
    assert results[0].error_kind == "refused"


async def test_switching_the_model_goes_on_in_the_same_log(tmp_path):
    ws = workspace(tmp_path)
    first = scripted(tmp_path, ["From the first model."], name="first.json")
    second = scripted(tmp_path, ["From the second model."], name="second.json")
    client = Recorder()
    async with acp_agent(ws, "-m", first, client=client) as (conn, _):
        new = await conn.new_session(cwd=str(ws), mcp_servers=[])
        await conn.prompt(session_id=new.session_id, prompt=[text_block("one")])
        options = await conn.set_config_option(config_id="model", session_id=new.session_id, value=second)
        assert next(o for o in options.config_options if o.id == "model").current_value == second
        await conn.prompt(session_id=new.session_id, prompt=[text_block("two")])
        with pytest.raises(RequestError) as bad:
            await conn.set_config_option(config_id="model", session_id=new.session_id, value="no-such-model")
        assert bad.value.code == -32602 and "no-such-model" in str(bad.value)
    log = the_log(ws)
    assert [e.content for e in log.events if e.type == "assistant_message"] == ["From the first model.", "From the second model."]
    resumed = [e for e in log.events if e.type == "session_resumed"]
    assert [(r.model, r.mode) for r in resumed] == [("scripted:second.json", "acp")]


# -- cancelling ---------------------------------------------------------------------------


async def test_cancel_mid_generation_keeps_what_came_and_the_session_goes_on(tmp_path):
    ws = workspace(tmp_path)
    # a reply far longer than the wait for it (10,000 characters in 7-character chunks at 20 ms: ~30 s)
    model = scripted(tmp_path, ["word " * 2000, "Still here."], delay_s=0.02)
    client = Recorder()
    async with acp_agent(ws, "-m", model, client=client) as (conn, _):
        new = await conn.new_session(cwd=str(ws), mcp_servers=[])
        turn = asyncio.ensure_future(conn.prompt(session_id=new.session_id, prompt=[text_block("talk")]))
        await client.wait_for(lambda: client.of("agent_message_chunk"), "the first chunk")
        await conn.cancel(session_id=new.session_id)
        response = await asyncio.wait_for(turn, DEADLINE_S)
        assert response.stop_reason == "cancelled"
        again = await conn.prompt(session_id=new.session_id, prompt=[text_block("are you there?")])
        assert again.stop_reason == "end_turn"
    log = the_log(ws)
    assert [e.type for e in log.events if e.type in ("turn_interrupted", "session_ended")] == ["turn_interrupted", "session_ended"]
    interrupted = [e for e in log.events if e.type == "assistant_message" and e.interrupted]
    assert interrupted and interrupted[0].content.startswith("word")
    assert len(interrupted[0].content) < len("word " * 2000)  # the cancel cut the reply short
    assert log.events[-2].type == "assistant_message" and log.events[-2].content == "Still here."


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


async def _wait_for_file(path: Path, what: str) -> str:
    deadline = time.monotonic() + DEADLINE_S
    while not (path.exists() and path.read_text().strip()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
    return path.read_text().strip()


async def _wait_dead(pid: int) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while _alive(pid):
        if time.monotonic() > deadline:
            raise AssertionError(f"process {pid} is still alive")
        await asyncio.sleep(0.05)


async def test_cancel_mid_tool_kills_the_command_and_its_children(tmp_path):
    ws = workspace(tmp_path)
    model = scripted(tmp_path, [call("shell", command="sleep 300 & echo $! > sleep.pid; wait"), "After."])
    client = Recorder()
    async with acp_agent(ws, "-m", model, "--approval", "yolo", "--sandbox", "off", client=client) as (conn, _):
        new = await conn.new_session(cwd=str(ws), mcp_servers=[])
        turn = asyncio.ensure_future(conn.prompt(session_id=new.session_id, prompt=[text_block("wait")]))
        await client.wait_for(lambda: [u for u in client.of("tool_call_update") if u["status"] == "in_progress"], "the shell to run")
        pid = int(await _wait_for_file(ws / "sleep.pid", "the command's pid"))
        assert _alive(pid)
        await conn.cancel(session_id=new.session_id)
        assert (await asyncio.wait_for(turn, DEADLINE_S)).stop_reason == "cancelled"
        await _wait_dead(pid)
        final = [u for u in client.of("tool_call_update") if u["status"] == "failed"]
        assert len(final) == 1
    (result,) = [e for e in the_log(ws).events if e.type == "tool_result"]
    assert result.error_kind == "interrupted" and the_log(ws).events[-1].reason == "interrupted"


async def test_cancel_while_a_permission_is_asked_refuses_the_call(tmp_path):
    ws = workspace(tmp_path)
    model = scripted(tmp_path, [call("shell", command="echo no > no.txt"), "After."])
    client = Recorder(answers=["allow"])
    client.hold_permission = asyncio.Event()  # the person does not answer
    async with acp_agent(ws, "-m", model, "--approval", "ask", "--sandbox", "off", client=client) as (conn, _):
        new = await conn.new_session(cwd=str(ws), mcp_servers=[])
        turn = asyncio.ensure_future(conn.prompt(session_id=new.session_id, prompt=[text_block("go")]))
        await client.wait_for(lambda: client.permissions, "the permission request")
        await conn.cancel(session_id=new.session_id)
        assert (await asyncio.wait_for(turn, DEADLINE_S)).stop_reason == "cancelled"
        client.hold_permission.set()  # a late "allow" changes nothing
    assert not (ws / "no.txt").exists()
    (result,) = [e for e in the_log(ws).events if e.type == "tool_result"]
    assert result.is_error and "interrupted by the user" in result.output


async def test_the_client_going_away_mid_tool_ends_the_session_and_its_processes(tmp_path):
    ws = workspace(tmp_path)
    model = scripted(tmp_path, [call("shell", command="sleep 300 & echo $! > sleep.pid; wait")])
    client = Recorder()
    async with acp_agent(ws, "-m", model, "--approval", "yolo", "--sandbox", "off", client=client) as (conn, proc):
        new = await conn.new_session(cwd=str(ws), mcp_servers=[])
        turn = asyncio.ensure_future(conn.prompt(session_id=new.session_id, prompt=[text_block("wait")]))
        pid = int(await _wait_for_file(ws / "sleep.pid", "the command's pid"))
        assert await stop(proc) == 0
        await _wait_dead(pid)
        assert (await turn).stop_reason == "cancelled"  # answered on the way out: its stdout was still open
    log = the_log(ws)
    assert log.events[-1].type == "session_ended" and log.events[-1].reason == "interrupted"


# -- loading a logged session ---------------------------------------------------------------


async def test_a_logged_session_loads_replays_and_goes_on(tmp_path):
    ws = workspace(tmp_path)
    model = scripted(tmp_path, [call("read_file", path="app.py"), "It subtracts.", "Still subtracts."])
    async with acp_agent(ws, "-m", model, client=Recorder()) as (conn, _):
        new = await conn.new_session(cwd=str(ws), mcp_servers=[])
        await conn.prompt(session_id=new.session_id, prompt=[text_block("what does add do?")])

    client = Recorder()
    again = scripted(tmp_path, ["Yes, it still subtracts."], name="again.json")
    async with acp_agent(ws, "-m", again, client=client) as (conn, _):
        listed = await conn.list_sessions(cwd=str(ws))
        assert [(s.session_id, s.title) for s in listed.sessions] == [(new.session_id, "what does add do?")]
        loaded = await conn.load_session(cwd=str(ws), session_id=new.session_id, mcp_servers=[])
        assert loaded.modes.current_mode_id == "auto-edit"
        kinds = [u["sessionUpdate"] for u in client.updates]
        assert kinds == ["user_message_chunk", "tool_call", "tool_call_update", "agent_message_chunk"]
        assert client.updates[0]["content"]["text"] == "what does add do?"
        assert client.updates[2]["status"] == "completed" and "a - b" in client.updates[2]["content"][0]["content"]["text"]
        response = await conn.prompt(session_id=new.session_id, prompt=[text_block("still?")])
        assert response.stop_reason == "end_turn"
        with pytest.raises(RequestError) as missing:
            await conn.load_session(cwd=str(ws), session_id="19990101-000000-000000", mcp_servers=[])
        assert missing.value.code == -32002
    log = the_log(ws)  # one log: the loaded session went on in it
    assert types(log).count("session_resumed") == 1
    assert [e.content for e in log.events if e.type == "user_message"] == ["what does add do?", "still?"]
    assert log.events[-1].type == "session_ended"


# -- what a client gets wrong ---------------------------------------------------------------


async def _raw_exchange(ws: Path, lines: list[bytes], answers: int, close: bool = False) -> tuple[list[dict], int]:
    """Send raw lines to a ``limi-cli acp`` process (then close its stdin, with ``close``) and
    read ``answers`` JSON lines back."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "limi_cli.cli", "acp", cwd=ws, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, env=dict(os.environ), start_new_session=True)
    got: list[dict] = []
    try:
        proc.stdin.write(b"".join(lines))
        await proc.stdin.drain()
        if close:
            proc.stdin.close()
        while len(got) < answers:
            line = await asyncio.wait_for(proc.stdout.readline(), DEADLINE_S)
            assert line, f"the agent closed its stdout after {got}"
            got.append(json.loads(line))
        code = await stop(proc)
    finally:
        if proc.returncode is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return got, code


async def test_malformed_json_rpc_is_answered_with_error_codes_and_the_agent_goes_on(tmp_path):
    ws = workspace(tmp_path)
    lines = [
        b"this is not json\n",
        b"[1, 2, 3]\n",
        b'{"jsonrpc": "2.0", "id": {"no": 1}, "method": "initialize"}\n',
        b'{"jsonrpc": "2.0", "id": 4, "method": 42}\n',
        b'{"id": 5, "method": "initialize", "params": {"protocolVersion": 1}}\n',
        b'{"jsonrpc": "2.0", "id": 6, "method": "initialize", "params": {"clientCapabilities": {}}}\n',
        b'{"jsonrpc": "2.0", "id": 7, "method": "no/such_method", "params": {}}\n',
        b'{"jsonrpc": "2.0", "method": "no/such_notification", "params": {}}\n',
        b'{"jsonrpc": "2.0", "id": 8, "method": "session/prompt", "params": {"sessionId": "nope", "prompt": []}}\n',
        b'{"jsonrpc": "2.0", "id": 9, "method": "session/new", "params": {"cwd": "relative/dir", "mcpServers": []}}\n',
        b'{"jsonrpc": "2.0", "id": 10, "method": "initialize", "params": {"protocolVersion": 1}}\n',
    ]
    got, code = await _raw_exchange(ws, lines, answers=10)
    assert code == 0
    by_id = {json.dumps(m.get("id")): m for m in got if "error" in m and m.get("id") is not None}
    nulls = [m["error"]["code"] for m in got if m.get("id") is None]
    assert nulls == [-32700, -32600, -32600]  # not JSON; a batch; an id that is an object
    assert by_id["4"]["error"]["code"] == -32600  # a method that is not a string
    assert by_id["5"]["error"]["code"] == -32600  # no "jsonrpc": "2.0"
    assert by_id["6"]["error"]["code"] == -32602  # params of the wrong shape
    assert by_id["7"]["error"]["code"] == -32601  # unknown method
    assert by_id["8"]["error"]["code"] == -32602 and "no session" in by_id["8"]["error"]["data"]["details"]
    assert by_id["9"]["error"]["code"] == -32602 and "absolute" in by_id["9"]["error"]["data"]["details"]
    (ok,) = [m for m in got if m.get("id") == 10]
    assert ok["result"]["agentInfo"]["name"] == "limi-cli"  # still serving after all of it


async def test_requests_read_before_the_input_ends_are_all_answered(tmp_path):
    ws = workspace(tmp_path)
    lines = [
        b'{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": 1}}\n',
        b'{"jsonrpc": "2.0", "id": 2, "method": "session/new", "params": {"cwd": "%s", "mcpServers": []}}\n' % str(ws).encode(),
    ]
    got, code = await _raw_exchange(ws, lines, answers=2, close=True)
    assert code == 0
    assert [m["id"] for m in got] == [1, 2] and got[1]["result"]["sessionId"]
    assert the_log(ws).events[-1].type == "session_ended"


async def test_a_prompt_while_another_runs_is_refused_and_nothing_is_lost(tmp_path):
    ws = workspace(tmp_path)
    # the first reply streams for ~30 s unless cancelled: the refused prompt and the cancel land while it runs
    model = scripted(tmp_path, ["word " * 2000, "Second answer.", "Third answer."], delay_s=0.02)
    client = Recorder()
    async with acp_agent(ws, "-m", model, client=client) as (conn, _):
        new = await conn.new_session(cwd=str(ws), mcp_servers=[])
        first = asyncio.ensure_future(conn.prompt(session_id=new.session_id, prompt=[text_block("first")]))
        await client.wait_for(lambda: client.of("agent_message_chunk"), "the first chunk")
        with pytest.raises(RequestError) as busy:
            await conn.prompt(session_id=new.session_id, prompt=[text_block("too soon")])
        assert busy.value.code == -32600 and "already running" in busy.value.data["details"]
        # as editors do: cancel, then send the next prompt at once; it runs when the first has stopped
        await conn.cancel(session_id=new.session_id)
        second = await asyncio.wait_for(conn.prompt(session_id=new.session_id, prompt=[text_block("second")]), DEADLINE_S)
        assert (await first).stop_reason == "cancelled"
        assert second.stop_reason == "end_turn"
        assert client.text().endswith("Second answer.")
    log = the_log(ws)
    assert [e.content for e in log.events if e.type == "user_message"] == ["first", "second"]
    assert types(log)[-1] == "session_ended"


def test_help_does_not_load_the_sdk():
    code = ("import sys; from limi_cli.cli import build_parser; build_parser().format_help(); "
            "print(sorted(m for m in sys.modules if m == 'acp' or m.startswith('acp.') or m.startswith('limi_cli.acp')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- the embedded model, end to end --------------------------------------------------------


@pytest.mark.slow
async def test_the_embedded_model_answers_through_acp(tmp_path):
    ws = workspace(tmp_path)
    client = Recorder()
    env = {"LIMI_MAX_TOKENS": "12", "LIMI_TEMPERATURE": "0", "LIMI_MAX_TURNS": "1"}
    async with acp_agent(ws, "-m", "embedded", "--approval", "read-only", client=client, env=env) as (conn, _):
        new = await conn.new_session(cwd=str(ws), mcp_servers=[])
        response = await asyncio.wait_for(conn.prompt(session_id=new.session_id, prompt=[text_block("Say hello.")]), 300)
        assert response.stop_reason in ("end_turn", "max_turn_requests")
    log = the_log(ws)
    (reply,) = [e for e in log.events if e.type == "assistant_message"]
    assert 0 < reply.usage.completion_tokens <= 12
    assert log.started.backend == "embedded" and log.started.mode == "acp"
    streamed = client.text() + "".join(json.dumps(u.get("rawInput", "")) for u in client.of("tool_call"))
    assert streamed.strip(), "nothing of the model's reply reached the client"
    (usage,) = client.of("usage_update")  # how full the context is, after the model call
    assert usage["size"] == 8192 and 0 < usage["used"] < 8192


def test_compaction_and_cleared_tool_results_reach_the_client_as_thoughts(tmp_path):
    from agent.events import Compaction, ToolResultsCleared
    from agent.redact import Redactor
    from limi_cli.acp.updates import UpdateMapper

    sent: list = []
    mapper = UpdateMapper(tmp_path, dict, Redactor(environ={}), sent.append)
    mapper.event(Compaction(trigger="auto", start=1, replaced=6, summary="s", content="c"))
    mapper.event(ToolResultsCleared(indices=[2, 4, 5], cleared_chars=9000, content="[cleared]"))
    texts = [u.content.text for u in sent]
    assert [u.session_update for u in sent] == ["agent_thought_chunk", "agent_thought_chunk"]
    assert texts == ["\n[context compacted: 6 older messages summarised]\n",
                     "\n[context: 3 older tool results cleared to fit the window]\n"]
