"""The todo panel: it follows the todo tool's results live, and comes back on resume; checkpoints
and compactions show as compact lines in the chat."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from agent.backends.scripted import ScriptedBackend
from agent.config import Config
from agent.session_builder import build_session, resume_session
from limi_cli.tui.app import ChatApp
from limi_cli.tui.history import PromptHistory
from limi_cli.tui.widgets.event_line import EventLine
from limi_cli.tui.widgets.todo_panel import TodoPanel, todo_text
from tests.pilot_helpers import turn, wait_until

pytestmark = pytest.mark.anyio
SIZE = (100, 40)


def call(name: str, **arguments) -> str:
    return f'<tool_call>{json.dumps({"name": name, "arguments": arguments})}</tool_call>'


PLAN = [{"content": "read the code", "status": "done"}, {"content": "fix the bug", "status": "in_progress"},
        {"content": "run the tests", "status": "pending"}]


def make_app(ws: Path, replies: list[str], resume: Path | None = None) -> ChatApp:
    backend = ScriptedBackend(replies)

    def factory(approver, log):
        if log is None:
            return build_session(Config(approval="yolo", tools=["todo", "read_file", "write_file"]), ws, backend=backend, approver=approver, mode="chat")
        return resume_session(Config(approval="yolo", tools=["todo", "read_file", "write_file"]), ws, log, backend=backend, approver=approver)

    return ChatApp(factory, ws, resume=resume, history=PromptHistory(None))


async def test_the_panel_follows_the_todo_tool_and_comes_back_on_resume(tmp_path):
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    replies = [call("todo", todos=PLAN), call("write_file", path="a.txt", content="x\n"), "Planned and started."]
    app = make_app(tmp_path, replies)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        panel = app.query_one(TodoPanel)
        assert not panel.display or not panel.has_class("-shown")  # hidden while empty
        await turn(pilot, "plan the work")
        assert panel.items == PLAN and panel.has_class("-shown")
        text = str(panel.render())
        assert "todo 1/3" in text and "fix the bug" in text
        lines = [w.text for w in app.query(EventLine)]
        assert any(line.startswith("◆ checkpoint 1 before write_file") for line in lines)  # shown live
        log = app.session.writer.path
    app = make_app(tmp_path, ["ok"], resume=log)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.session is not None and app.query_one(TodoPanel).items == PLAN)
        assert app.query_one(TodoPanel).items == PLAN  # restored from the log
        assert any("checkpoint 1" in w.text for w in app.query(EventLine))  # replayed


def test_todo_text_marks_and_cuts_long_lists():
    items = [{"content": f"item {i}", "status": "done" if i < 5 else "pending"} for i in range(12)]
    lines = todo_text(items).plain.splitlines()
    assert lines[0] == "todo 5/12" and lines[1:3] == ["○ item 5", "○ item 6"]  # the open items first
    assert lines[-1] == "… 5 more" and "✓ item 0" not in lines
