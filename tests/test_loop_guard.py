"""The loop guard: a model repeating one call with the same result gets a note, then the turn stops."""

from __future__ import annotations

import json

import pytest

from agent.backends.scripted import ScriptedBackend
from agent.events import ToolResult
from agent.loop_guard import LoopGuard
from agent.messages import ToolCall
from agent.policy import Policy
from agent.session import Session
from agent.tools.registry import default_tools
from agent.trajectory import TrajectoryWriter, read_log
from tests.test_cli import limi, log_of, repo, script  # noqa: F401  (repo is a fixture)


def call(name, **args):
    return f'<tool_call>{json.dumps({"name": name, "arguments": args})}</tool_call>'


def make(ws, replies, loop_limit=5):
    session = Session(ScriptedBackend(replies), default_tools(), workspace=ws, session_id="loop", system_prompt="SYS",
                      policy=Policy(mode="yolo"), writer=TrajectoryWriter(ws / "log.jsonl"), max_turns=20,
                      loop_limit=loop_limit)
    session.start()
    return session


def results(events) -> list[ToolResult]:
    return [e for e in events if isinstance(e, ToolResult)]


def test_verdicts_count_identical_calls_with_identical_results():
    guard = LoopGuard(limit=3, grace=2)
    a, a_again, b = (ToolCall(id="1", name="grep", arguments={"pattern": "x", "path": "."}),
                     ToolCall(id="2", name="grep", arguments={"path": ".", "pattern": "x"}),  # same call, other key order
                     ToolCall(id="3", name="grep", arguments={"pattern": "y"}))
    seen = []
    for c in (a, a_again, a, a, a):
        verdict = guard.verdict(c)
        seen.append(verdict)
        guard.record(c, "same output", ran=verdict == "run")
    assert seen == ["run", "run", "nudge", "nudge", "stop"]
    guard.record(b, "other")
    assert guard.verdict(a) == "run"  # another call in between breaks the streak


def test_a_cycle_of_two_calls_is_a_loop_too():
    guard = LoopGuard(limit=3, grace=2)
    read, test = (ToolCall(id="r", name="read_file", arguments={"path": "a.py"}),
                  ToolCall(id="t", name="shell", arguments={"command": "pytest -q"}))
    seen = []
    for c in [read, test] * 5:
        verdict = guard.verdict(c)
        seen.append(verdict)
        if verdict == "stop":
            break
        guard.record(c, f"output of {c.id}", ran=verdict == "run")
    # two rounds run; the third and fourth are notes; the fifth round's first call stops the turn
    assert seen == ["run"] * 4 + ["nudge"] * 4 + ["stop"]


def test_a_changing_result_is_not_a_loop():
    guard = LoopGuard(limit=3)
    c = ToolCall(id="1", name="shell", arguments={"command": "date"})
    for i in range(6):
        assert guard.verdict(c) == "run"
        guard.record(c, f"tick {i}")


def test_limit_zero_turns_the_guard_off():
    guard = LoopGuard(limit=0)
    c = ToolCall(id="1", name="list_files", arguments={})
    for _ in range(10):
        assert guard.verdict(c) == "run"
        guard.record(c, "same")


def test_a_looping_model_is_told_then_stopped_and_the_log_stays_valid(tmp_path):
    (tmp_path / "app.py").write_text("x = 1\n")
    session = make(tmp_path, [call("read_file", path="app.py")] * 12, loop_limit=3)
    events = list(session.send("look at app.py"))
    assert session.outcome == "loop"
    kinds = [r.error_kind for r in results(events)]
    # two real reads; the third and fourth are not run (a note each); the fifth stops the turn
    assert kinds == [None, None, "repeated", "repeated", "loop"]
    assert "3rd identical read_file call" in results(events)[2].output
    assert session.stats.turns == 5 and session.stats.invalid_tool_calls == 0
    ended = session.end(session.outcome)
    log = read_log(tmp_path / "log.jsonl")
    assert ended.reason == "loop" and log.ended.reason == "loop" and log.problems == []


def test_a_model_that_heeds_the_note_goes_on(tmp_path):
    (tmp_path / "app.py").write_text("x = 1\n")
    replies = [call("read_file", path="app.py")] * 3 + [call("list_files"), "app.py sets x to 1."]
    session = make(tmp_path, replies, loop_limit=3)
    events = list(session.send("look"))
    assert session.outcome == "done" and session.final_text == "app.py sets x to 1."
    assert [r.error_kind for r in results(events)] == [None, None, "repeated", None]


def test_each_user_message_starts_a_new_count(tmp_path):
    (tmp_path / "app.py").write_text("x = 1\n")
    session = make(tmp_path, [call("read_file", path="app.py"), "ok"] * 4, loop_limit=2)
    for _ in range(4):
        events = list(session.send("read it again"))
        assert [r.error_kind for r in results(events)] == [None]


def test_headless_run_exits_3_and_says_why(tmp_path, repo):  # noqa: F811  (the fixture)
    model = script(tmp_path, [call("list_files")] * 12)
    result = limi("run", "-p", "loop", "-m", model, "--output-format", "json", cwd=repo, env={"LIMI_LOOP_LIMIT": "2"})
    assert result.returncode == 3, result.stderr
    assert json.loads(result.stdout)["subtype"] == "error_max_turns"
    assert log_of(repo).ended.reason == "loop"
    text = limi("run", "-p", "loop", "-m", script(tmp_path, [call("list_files")] * 12), cwd=repo, env={"LIMI_LOOP_LIMIT": "2"})
    assert text.returncode == 3 and "kept repeating the same call" in text.stderr


def test_line_mode_says_the_turn_stopped_on_a_loop(tmp_path):
    from tests.test_line_mode import Lines, chat

    line_chat, _, out, sessions = chat(tmp_path, [call("list_files")] * 12, Lines("list the files"))
    assert line_chat.run() == 0
    assert "[stopped: the model kept repeating the same call" in out.getvalue()
    assert read_log(sessions[0].writer.path).ended.reason == "loop"


@pytest.mark.anyio
async def test_the_tui_says_the_turn_stopped_on_a_loop(tmp_path):
    from limi_cli.tui.widgets.notice import Notice
    from tests.pilot_helpers import ready, turn
    from tests.test_tui_chat import SIZE, make_app, texts

    app, _ = make_app(tmp_path, [call("list_files")] * 12)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await turn(pilot, "list the files")
        assert any("kept repeating the same call" in t for t in texts(app, Notice))
        assert app.last_outcome == "loop"
    assert read_log(tmp_path / "log.jsonl").ended.reason == "loop"


def test_a_session_going_round_two_calls_is_stopped(tmp_path):
    (tmp_path / "app.py").write_text("x = 1\n")
    replies = [call("read_file", path="app.py"), call("shell", command="python app.py")] * 10
    session = make(tmp_path, replies, loop_limit=3)
    events = list(session.send("run app.py"))
    assert session.outcome == "loop"
    kinds = [r.error_kind for r in results(events)]
    assert kinds == [None] * 4 + ["repeated"] * 4 + ["loop"]
    assert "go round a cycle (read_file, shell) for the 3rd time" in results(events)[4].output
