"""The session loop with a scripted model: turns, tool errors, approvals, limits, the log."""

from __future__ import annotations

import json
import threading

from pydantic import BaseModel, Field

from agent.backends.base import BackendError
from agent.backends.scripted import ScriptedBackend
from agent.events import AssistantMessage, TextDelta, ToolResult
from agent.policy import Decision, Policy
from agent.session import Interrupted, Session
from agent.tools.base import Observation, Tool, ToolError
from agent.trajectory import TrajectoryWriter, read_log
from tests.waiting import When


class EchoParams(BaseModel):
    text: str = Field(description="what to echo")


class Echo(Tool):
    description = "Echo tool for tests."
    name, kind, Params = "echo", "read", EchoParams

    def run(self, params, ctx):
        if params.text == "boom":
            raise ToolError("echo cannot say boom")
        if params.text == "bug":
            raise RuntimeError("unexpected")
        return Observation(output=params.text.upper())


class Touch(Tool):
    description = "Touch tool for tests."
    name, kind, Params = "touch", "edit", EchoParams

    def run(self, params, ctx):
        (ctx.workspace.root / params.text).write_text("x")
        return Observation(output=f"created {params.text}")


WAITING = threading.Event()  # set once the wait tool runs


class Wait(Tool):
    description = "Wait tool for tests."
    name, kind, Params = "wait", "exec", EchoParams

    def run(self, params, ctx):
        WAITING.set()
        ctx.cancel.wait(60)  # until interrupted; the deadline only bounds a broken run
        return Observation(output="woke", is_error=ctx.cancel.is_set(), error_kind="interrupted" if ctx.cancel.is_set() else None)


def call(name, **args):
    return f'<tool_call>{json.dumps({"name": name, "arguments": args})}</tool_call>'


def make(tmp_path, replies, approval="auto-edit", approver=None, max_turns=10, tools=None):
    backend = ScriptedBackend(replies)
    kw = {"approver": approver} if approver else {}
    session = Session(
        backend,
        tools or [Echo(), Touch(), Wait()],
        workspace=tmp_path,
        session_id="test-session",
        system_prompt="SYS",
        policy=Policy(mode=approval, **kw),
        writer=TrajectoryWriter(tmp_path / "log.jsonl"),
        max_turns=max_turns,
    )
    session.start()
    return session, backend


def run(session, task="do it"):
    events = list(session.send(task))
    return events, session.end()


def test_model_answer_without_calls_ends_the_task(tmp_path):
    session, _ = make(tmp_path, ["All done."])
    events, ended = run(session)
    assert ended.reason == "done" and ended.final_text == "All done." and ended.turns == 1
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "All done."


def test_tool_call_result_goes_back_to_the_model(tmp_path):
    session, backend = make(tmp_path, ["Let me echo. " + call("echo", text="hi"), "It said HI."])
    events, ended = run(session)
    results = [e for e in events if isinstance(e, ToolResult)]
    assert [(r.name, r.output, r.is_error) for r in results] == [("echo", "HI", False)]
    second_prompt = backend.calls[1]
    assert second_prompt[-1].role == "tool" and second_prompt[-1].content == "HI"
    assert second_prompt[-1].tool_call_id == second_prompt[-2].tool_calls[0].id
    assert ended.reason == "done" and ended.tool_calls == 1 and ended.tool_errors == 0


def test_invalid_calls_are_tool_errors_counted_and_the_run_goes_on(tmp_path):
    replies = [
        '<tool_call>{"name": "echo", "arguments": {"text": }</tool_call>',
        call("nope", text="x"),
        call("echo", words="x"),
        "Giving up.",
    ]
    session, _ = make(tmp_path, replies)
    events, ended = run(session)
    kinds = [e.error_kind for e in events if isinstance(e, ToolResult)]
    assert kinds == ["invalid_call", "unknown_tool", "bad_arguments"]
    outputs = [e.output for e in events if isinstance(e, ToolResult)]
    assert "not valid JSON" in outputs[0]
    assert "unknown tool 'nope'" in outputs[1] and "echo" in outputs[1]
    assert "text: Field required" in outputs[2]
    assert ended.reason == "done" and ended.invalid_tool_calls == 3 and ended.tool_errors == 3


def test_tool_errors_and_tool_bugs_do_not_crash_the_session(tmp_path):
    session, _ = make(tmp_path, [call("echo", text="boom") + call("echo", text="bug"), "ok"])
    events, ended = run(session)
    results = [e for e in events if isinstance(e, ToolResult)]
    assert results[0].output == "Error: echo cannot say boom" and results[0].error_kind == "tool_error"
    assert "RuntimeError: unexpected" in results[1].output
    assert ended.reason == "done" and ended.invalid_tool_calls == 0 and ended.tool_errors == 2


def test_turn_limit_ends_with_max_turns(tmp_path):
    session, _ = make(tmp_path, [call("echo", text="a")] * 5, max_turns=3)
    _, ended = run(session)
    assert ended.reason == "max_turns" and ended.turns == 3


def test_read_only_mode_refuses_edits_and_files_stay_untouched(tmp_path):
    session, _ = make(tmp_path, [call("touch", text="f.txt"), "ok"], approval="read-only")
    events, _ = run(session)
    result = next(e for e in events if isinstance(e, ToolResult))
    assert result.error_kind == "refused" and not (tmp_path / "f.txt").exists()


def test_a_missing_file_suggests_write_file_only_where_edits_can_run(tmp_path):
    from agent.tools.files import ReadFileTool

    outputs = {}
    for mode in ("auto-edit", "ask", "read-only", "plan"):
        session, _ = make(tmp_path, [call("read_file", path="zzz_new.py"), "ok"], approval=mode, tools=[ReadFileTool()])
        events, _ = run(session)
        outputs[mode] = next(e for e in events if isinstance(e, ToolResult)).output
    assert "to create it, use write_file" in outputs["auto-edit"] and "to create it, use write_file" in outputs["ask"]
    for mode in ("read-only", "plan"):  # nothing can be written: the plain answer
        assert outputs[mode] == "Error: file not found: zzz_new.py; check the path with list_files or glob", mode


def test_headless_refusal_reaches_the_model_and_nothing_waits(tmp_path):
    session, backend = make(tmp_path, [call("wait", text="x"), "fine"], approval="auto-edit")
    events, ended = run(session)
    result = next(e for e in events if isinstance(e, ToolResult))
    assert result.error_kind == "refused" and "headless" in result.output
    assert "headless" in backend.calls[1][-1].content
    assert ended.reason == "done"


def test_an_approver_can_deny_with_a_note_for_the_model(tmp_path):
    session, backend = make(tmp_path, [call("touch", text="f"), "ok"], approval="ask", approver=lambda *a: Decision(False, note="not that file"))
    run(session)
    assert "not that file" in backend.calls[1][-1].content and not (tmp_path / "f").exists()


def test_interrupt_stops_a_running_tool_and_the_log_stays_valid(tmp_path):
    session, _ = make(tmp_path, [call("wait", text="x") + call("echo", text="later"), "never"], approval="yolo")
    WAITING.clear()
    interrupt = When(WAITING.is_set, session.interrupt)  # while the tool runs, not after a fixed delay
    reason = None
    try:
        list(session.send("go"))
    except Interrupted:
        reason = "interrupted"
    ended = session.end(reason)
    assert not interrupt.failed and ended.reason == "interrupted"
    log = read_log(tmp_path / "log.jsonl")
    assert log.problems == []
    results = [e for e in log.events if isinstance(e, ToolResult)]
    assert [r.error_kind for r in results] == ["interrupted", "interrupted"]


def test_every_event_but_deltas_is_logged_in_order(tmp_path):
    session, _ = make(tmp_path, [call("echo", text="hi"), "done"])
    events, ended = run(session)
    log = read_log(tmp_path / "log.jsonl")
    logged = [e.type for e in log.events]
    assert logged == ["session_started", "user_message", "assistant_message", "tool_result", "assistant_message", "session_ended"]
    assert [e.type for e in events if not isinstance(e, TextDelta)] == logged[1:-1]
    assert log.events[0].tools[0]["function"]["name"] == "echo"


def test_a_backend_error_is_reported_as_the_session_end(tmp_path):
    class Down(ScriptedBackend):
        def stream(self, *a):
            raise BackendError("cannot reach the model server at http://127.0.0.1:9/v1")
            yield

    session = Session(Down([]), [Echo()], workspace=tmp_path, session_id="s", system_prompt="S", policy=Policy(), writer=TrajectoryWriter(tmp_path / "l.jsonl"))
    session.start()
    try:
        list(session.send("x"))
    except BackendError as e:
        ended = session.end("error", str(e))
    assert ended.reason == "error" and "127.0.0.1:9" in ended.error
    assert read_log(tmp_path / "l.jsonl").ended.reason == "error"


def test_usage_adds_up_over_turns(tmp_path):
    session, _ = make(tmp_path, [call("echo", text="hi"), "done"])
    events, ended = run(session)
    per_turn = [e.usage for e in events if isinstance(e, AssistantMessage)]
    assert ended.usage.completion_tokens == sum(u.completion_tokens for u in per_turn) > 0
