"""Plan mode end to end with a scripted model: read tools only, the plan through present_plan,
then accept (the mode switches and the same turn goes on), edit or reject with a note; headless
(a real `limi-cli run --approval plan` process), line mode and the TUI under Pilot. The log and
the exported LIMI row hold exactly what the model read."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.backends.scripted import ScriptedBackend
from agent.config import Config
from agent.events import ApprovalChanged, PlanDecision, SessionStarted, ToolResult
from agent.export import export_sessions
from agent.policy import APPROVAL_MODES, Policy
from agent.session import Session
from agent.session_builder import build_session
from agent.tools.plan import PLAN_MODE_NOTE, PlanReview, plan_mode_over_note, plan_result
from agent.tools.registry import default_tools, with_plan_tool
from agent.trajectory import read_log
from limi_cli.line_mode import LineChat
from limi_cli.tui.history import PromptHistory

PLAN = "1. Rename `count` to `total` in a.py\n2. Run pytest -q"


def call(name: str, **arguments) -> str:
    return f'<tool_call>{json.dumps({"name": name, "arguments": arguments})}</tool_call>'


def exported_row(log_path: Path, out: Path) -> dict:
    report = export_sessions([log_path], out)
    assert report.skipped == [] and len(report.rows) == 1
    return json.loads(out.read_text().splitlines()[0])


def assert_row_is_what_the_model_saw(row: dict, backend: ScriptedBackend) -> None:
    seen = [(m.role, m.content) for m in backend.calls[-1]]
    assert [(m["role"], m["content"]) for m in row["messages"]][: len(seen)] == seen


def tool_results(log) -> list[ToolResult]:
    return [e for e in log.events if isinstance(e, ToolResult)]


# -- the mode itself ----------------------------------------------------------------------


def test_plan_mode_runs_read_tools_only_and_says_how_to_go_on(tmp_path):
    (tmp_path / "a.py").write_text("count = 1\n")
    backend = ScriptedBackend([call("read_file", path="a.py"), call("write_file", path="a.py", content="x"),
                               call("shell", command="touch made"), "Here is my plan: rename it."])
    session = Session(backend, with_plan_tool(default_tools()), workspace=tmp_path, session_id="p", system_prompt="SYS",
                      policy=Policy(mode="plan"), writer=None)
    session.start()
    events = list(session.send("rename count"))
    results = [e for e in events if isinstance(e, ToolResult)]
    assert [r.is_error for r in results] == [False, True, True]
    assert "does not run in plan mode" in results[1].output and "present_plan" in results[1].output
    assert (tmp_path / "a.py").read_text() == "count = 1\n" and not (tmp_path / "made").exists()
    assert backend.calls[0][-1].content == f"rename count\n\n{PLAN_MODE_NOTE}"
    assert session.outcome == "done"


def test_present_plan_outside_plan_mode_is_refused(tmp_path):
    backend = ScriptedBackend([call("present_plan", plan=PLAN), "Doing it."])
    session = Session(backend, with_plan_tool(default_tools()), workspace=tmp_path, session_id="p", system_prompt="SYS",
                      policy=Policy(mode="auto-edit"), writer=None)
    session.start()
    events = list(session.send("go"))
    [decision] = [e for e in events if isinstance(e, PlanDecision)]
    assert decision.decision == "refused"
    assert "present_plan is for plan mode" in backend.calls[1][-1].content and session.policy.mode == "auto-edit"


def test_plan_is_a_mode_between_read_only_and_ask():
    assert APPROVAL_MODES.index("read-only") < APPROVAL_MODES.index("plan") < APPROVAL_MODES.index("ask")


# -- headless -------------------------------------------------------------------------------


def test_headless_plan_mode_prints_the_plan_and_exits_0(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "a.py").write_text("count = 1\n")
    replies = tmp_path / "replies.json"
    replies.write_text(json.dumps([call("read_file", path="a.py"), call("edit", path="a.py", old_string="count",
                                                                        new_string="total"),
                                   "Let me write it down." + call("present_plan", plan=PLAN), "never reached"]))
    env = {**os.environ, "LIMI_MAX_RETRIES": "0"}
    proc = subprocess.run([sys.executable, "-m", "limi_cli.cli", "run", "--approval", "plan", "-m", f"scripted:{replies}",
                           "--cwd", str(ws), "--sandbox", "off", "-p", "rename count to total"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == PLAN
    assert (ws / "a.py").read_text() == "count = 1\n"

    [log_path] = (ws / ".limi" / "sessions").glob("*.jsonl")
    log = read_log(log_path)
    assert log.problems == [] and log.ended.reason == "done" and log.ended.final_text == PLAN
    started = log.events[0]
    assert isinstance(started, SessionStarted) and started.approval == "plan"
    assert "present_plan" in [t["function"]["name"] for t in started.tools]
    [decision] = [e for e in log.events if isinstance(e, PlanDecision)]
    assert (decision.decision, decision.plan, decision.approval) == ("shown", PLAN, "plan")
    results = tool_results(log)
    assert results[1].error_kind == "refused" and "does not run in plan mode" in results[1].output
    assert results[2].output == plan_result(None, PLAN)
    row = exported_row(log_path, tmp_path / "rows.jsonl")
    messages = row["messages"]
    assert messages[1] == {"role": "user", "content": f"rename count to total\n\n{PLAN_MODE_NOTE}"}
    assert messages[-2]["tool_calls"][0]["function"] == {"name": "present_plan", "arguments": {"plan": PLAN}}
    assert messages[-1] == {"role": "tool", "tool_call_id": messages[-2]["tool_calls"][0]["id"], "name": "present_plan",
                            "content": plan_result(None, PLAN)}


# -- line mode --------------------------------------------------------------------------------


class Lines:
    """Answers prompts from a list; EOF (quit) once they run out."""

    def __init__(self, *lines: str):
        self.lines, self.prompts = list(lines), []

    def __call__(self, prompt: str) -> str:
        self.prompts.append(prompt)
        if not self.lines:
            raise EOFError
        return self.lines.pop(0)


def line_chat(ws: Path, replies, lines: Lines, approval="plan"):
    backend = ScriptedBackend(replies)
    sessions = []

    def factory(approver, log):
        sessions.append(build_session(Config(approval=approval, sandbox="off"), ws, backend=backend, approver=approver,
                                      mode="chat"))
        return sessions[-1]

    out = io.StringIO()
    chat = LineChat(factory, ws, history=PromptHistory(None), read=lines, out=out)
    return chat, backend, out, sessions


def test_line_mode_accept_switches_to_auto_edit_and_the_turn_goes_on(tmp_path):
    (tmp_path / "a.py").write_text("count = 1\n")
    replies = [call("read_file", path="a.py"), call("present_plan", plan=PLAN),
               call("edit", path="a.py", old_string="count", new_string="total"), "Renamed."]
    chat, backend, out, sessions = line_chat(tmp_path, replies, Lines("rename count", "a"))
    assert chat.run() == 0
    assert (tmp_path / "a.py").read_text() == "total = 1\n"  # carried out in the same turn
    text = out.getvalue()
    assert PLAN in text and "✓ plan accepted; approval mode auto-edit" in text and "Renamed." in text
    assert backend.calls[2][-1].content == plan_result(PlanReview("accept", PLAN, "auto-edit"), PLAN)

    log = read_log(sessions[0].writer.path)
    assert log.problems == []
    [decision] = [e for e in log.events if isinstance(e, PlanDecision)]
    [changed] = [e for e in log.events if isinstance(e, ApprovalChanged)]
    assert (decision.decision, decision.final_plan, decision.approval) == ("accepted", PLAN, "auto-edit")
    assert (changed.previous, changed.approval, changed.by) == ("plan", "auto-edit", "plan")
    assert_row_is_what_the_model_saw(exported_row(log.path, tmp_path / "rows.jsonl"), backend)


def test_line_mode_edit_then_accept_in_ask_mode(tmp_path):
    (tmp_path / "a.py").write_text("count = 1\n")
    replies = [call("present_plan", plan=PLAN), call("edit", path="a.py", old_string="count", new_string="total"),
               "Renamed, tests not run."]
    edited = "1. Rename `count` to `total` in a.py\n2. Do not run the tests"
    lines = Lines("rename count", "e", *edited.splitlines(), ".", "k", "y")
    chat, backend, out, sessions = line_chat(tmp_path, replies, lines)
    chat.run()
    assert any("edit needs approval" in p or p.startswith("allow?") for p in lines.prompts)  # ask mode asked
    assert (tmp_path / "a.py").read_text() == "total = 1\n"
    told = backend.calls[1][-1].content
    assert told == plan_result(PlanReview("accept", edited, "ask"), PLAN) and told.endswith(edited)
    log = read_log(sessions[0].writer.path)
    [decision] = [e for e in log.events if isinstance(e, PlanDecision)]
    assert (decision.decision, decision.final_plan, decision.approval) == ("edited", edited, "ask")
    assert sessions[0].policy.mode == "ask"
    assert_row_is_what_the_model_saw(exported_row(log.path, tmp_path / "rows.jsonl"), backend)


def test_line_mode_reject_with_a_note_reaches_the_model_which_plans_again(tmp_path):
    second = PLAN + "\n3. Update the docs"
    replies = [call("present_plan", plan=PLAN), call("present_plan", plan=second), "Waiting for you."]
    chat, backend, out, sessions = line_chat(tmp_path, replies, Lines("rename count", "r", "also update the docs",
                                                                      "update README too"))
    chat.run()
    rejected = backend.calls[1][-1].content
    assert rejected == plan_result(PlanReview("reject", note="also update the docs"), PLAN)
    assert "also update the docs" in rejected
    assert backend.calls[2][-1].content == plan_result(PlanReview("reject", note="update README too"), second)
    assert sessions[0].policy.mode == "plan"
    log = read_log(sessions[0].writer.path)
    decisions = [(e.decision, e.note) for e in log.events if isinstance(e, PlanDecision)]
    assert decisions == [("rejected", "also update the docs"), ("rejected", "update README too")]
    assert "✗ plan rejected: also update the docs" in out.getvalue()


def test_leaving_plan_mode_by_hand_is_logged_and_told_to_the_model(tmp_path):
    chat, backend, out, sessions = line_chat(tmp_path, ["Planned.", "Working."],
                                             Lines("/mode plan", "look around", "/mode auto-edit", "now do it"),
                                             approval="auto-edit")
    chat.run()
    assert "approval mode: plan (only read tools run" in out.getvalue()
    assert backend.calls[0][-1].content == f"look around\n\n{PLAN_MODE_NOTE}"
    assert backend.calls[1][-1].content == f"now do it\n\n{plan_mode_over_note('auto-edit')}"
    log = read_log(sessions[0].writer.path)
    changes = [(e.previous, e.approval, e.by) for e in log.events if isinstance(e, ApprovalChanged)]
    assert changes == [("auto-edit", "plan", "user"), ("plan", "auto-edit", "user")]


# -- the TUI ------------------------------------------------------------------------------------


def tui_app(ws: Path, replies, approval="auto-edit"):
    from limi_cli.tui.app import ChatApp

    backend = ScriptedBackend(replies)
    sessions = []

    def factory(approver, log):
        sessions.append(build_session(Config(approval=approval, sandbox="off"), ws, backend=backend, approver=approver,
                                      mode="chat", resume=log))
        return sessions[-1]

    return ChatApp(factory, ws, history=PromptHistory(None)), backend, sessions


@pytest.mark.anyio
async def test_tui_shift_tab_to_plan_then_edit_and_accept_the_plan(tmp_path):
    from textual.widgets import TextArea

    from limi_cli.tui.screens.plan_screen import PlanScreen
    from tests.pilot_helpers import ready, say, wait_until

    (tmp_path / "a.py").write_text("count = 1\n")
    replies = [call("read_file", path="a.py"), call("present_plan", plan=PLAN),
               call("edit", path="a.py", old_string="count", new_string="total"), "Renamed."]
    app, backend, sessions = tui_app(tmp_path, replies)
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(pilot)
        for _ in range(3):  # auto-edit -> yolo -> read-only -> plan
            await pilot.press("shift+tab")
        assert app.session.policy.mode == "plan" and app.status.mode == "plan"
        await say(pilot, "rename count")
        await wait_until(pilot, lambda: isinstance(app.screen, PlanScreen))
        assert app.screen.query_one(TextArea).text == PLAN
        await pilot.press("e")  # into the editor: what is typed goes into the plan
        await pilot.press(*"0. Read a.py", "enter")
        await pilot.press("escape", "a")
        await wait_until(pilot, lambda: app.turns_done == 1 and not app.working)
        assert app.session.policy.mode == "auto-edit" and app.status.mode == "auto-edit"
        log_path = app.session.writer.path
    edited = "0. Read a.py\n" + PLAN
    assert (tmp_path / "a.py").read_text() == "total = 1\n"
    assert backend.calls[2][-1].content == plan_result(PlanReview("accept", edited, "auto-edit"), PLAN)
    log = read_log(log_path)
    events = [e for e in log.events if isinstance(e, (ApprovalChanged, PlanDecision))]
    assert [(e.type, getattr(e, "approval", None)) for e in events] == [
        ("approval_changed", "plan"), ("plan_decision", "auto-edit"), ("approval_changed", "auto-edit")]
    assert events[1].decision == "edited" and events[1].final_plan == edited and events[2].by == "plan"
    assert_row_is_what_the_model_saw(exported_row(log_path, tmp_path / "rows.jsonl"), backend)


@pytest.mark.anyio
async def test_tui_reject_with_a_note_and_interrupt_while_the_plan_is_open(tmp_path):
    from limi_cli.tui.screens.plan_screen import PlanScreen
    from tests.pilot_helpers import ready, say, wait_until

    replies = [call("present_plan", plan=PLAN), "I will revise it.", call("present_plan", plan=PLAN), "unused"]
    app, backend, sessions = tui_app(tmp_path, replies, approval="plan")
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(pilot)
        await say(pilot, "plan it")
        await wait_until(pilot, lambda: isinstance(app.screen, PlanScreen))
        await pilot.press("r", *"keep the old name", "enter")
        await wait_until(pilot, lambda: app.turns_done == 1 and not app.working)
        assert backend.calls[1][-1].content == plan_result(PlanReview("reject", note="keep the old name"), PLAN)
        await say(pilot, "again")
        await wait_until(pilot, lambda: isinstance(app.screen, PlanScreen))
        await pilot.press("ctrl+c")  # stops the turn: the plan is answered and the session goes on
        await wait_until(pilot, lambda: app.turns_done == 2 and not app.working)
        assert app.last_outcome == "interrupted" and not isinstance(app.screen, PlanScreen)
        assert app.session.policy.mode == "plan"
        log_path = app.session.writer.path
    log = read_log(log_path)
    assert log.problems == []
    assert [e.decision for e in log.events if isinstance(e, PlanDecision)] == ["rejected"]
    assert tool_results(log)[-1].error_kind == "interrupted"
