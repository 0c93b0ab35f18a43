"""Snapshot tests of the main screens (pytest-textual-snapshot): the chat with a tool block and a
diff, the approval modal, the resume picker, the review screen and the expert step screen.

The SVGs live in tests/__snapshots__/test_tui_snapshots/; after a deliberate change to how a
screen looks, regenerate them with ``pytest tests/test_tui_snapshots.py --snapshot-update`` and
look at the diff (the failure report, snapshot_report.html, shows old and new side by side).
Everything that varies from run to run is pinned: durations, clocks, time zone, ids.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from agent.backends.scripted import ScriptedBackend
from agent.config import Config
from agent.policy import Policy
from agent.session import Session
from agent.session_builder import resume_session
from agent.session_store import list_sessions
from agent.tools.registry import default_tools
from agent.trajectory import TrajectoryWriter
from limi_cli.tui.app import ChatApp
from limi_cli.tui.history import PromptHistory
from limi_cli.tui.review_app import ReviewApp
from limi_cli.tui.review_items import load_items
from limi_cli.tui.screens.approval_screen import ApprovalScreen
from limi_cli.tui.screens.review_screen import ReviewScreen
from limi_cli.tui.screens.session_picker import SessionPicker
from limi_cli.tui.widgets.status_bar import StatusBar
from tests.pilot_helpers import wait_until

SIZE = (100, 32)
T0 = 1_767_225_600.0  # 2026-01-01 00:00 UTC


@pytest.fixture(autouse=True)
def _pinned(monkeypatch):
    """Same pictures on every machine: UTC, a frozen spinner clock."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(StatusBar, "elapsed", lambda self: 1.5)
    yield
    time.tzset()


def call(name: str, **arguments) -> str:
    return f'<tool_call>{json.dumps({"name": name, "arguments": arguments})}</tool_call>'


def recorded(ws: Path, session_id: str, replies: list[str], task: str) -> Path:
    """A real session (real tools, real files), its timings then pinned in the log."""
    log = ws / ".limi" / "sessions" / f"{session_id}.jsonl"
    session = Session(ScriptedBackend(replies), default_tools(), workspace=ws, session_id=session_id, system_prompt="SYS",
                      policy=Policy(mode="yolo"), writer=TrajectoryWriter(log), mode="chat")
    session.start()
    list(session.send(task))
    session.end()
    lines = []
    for i, raw in enumerate(log.read_text().splitlines()):
        event = json.loads(raw)
        event["ts"] = T0 + i
        for key in ("duration_s", "latency_s"):
            if key in event:
                event[key] = 0.05
        lines.append(json.dumps(event))
    log.write_text("\n".join(lines) + "\n")
    return log


def edit_session(ws: Path, session_id: str = "20260101-000000-aaaaaa") -> Path:
    (ws / "app.py").write_text("def greet():\n    print('hi')\n")
    replies = ["Let me look.\n" + call("read_file", path="app.py"),
               "Say hello instead.\n" + call("edit", path="app.py", old_string="'hi'", new_string="'hello'"),
               "Done: `greet()` now prints **hello**."]
    return recorded(ws, session_id, replies, "make greet say hello")


def chat_app(ws: Path, replies: list[str], *, approval: str = "auto-edit", resume: Path | None = None) -> ChatApp:
    backend = ScriptedBackend(replies)

    def factory(approver, log):
        if log is not None:
            return resume_session(Config(approval=approval), ws, log, backend=backend, approver=approver)
        return Session(backend, default_tools(), workspace=ws, session_id="snapshot", system_prompt="SYS",
                       policy=Policy(mode=approval, approver=approver), writer=None, mode="chat")

    return ChatApp(factory, ws, resume=resume, history=PromptHistory(None))


async def settle(pilot, condition) -> None:
    """Wait until the screen shows what the picture is of, then until the app has handled its messages."""
    await wait_until(pilot, condition)
    steady_cursors(pilot.app)
    await pilot.pause()


def steady_cursors(app) -> None:
    """A blinking cursor is on or off depending on when the picture is taken (a loaded machine
    takes it later): stop the blinking, so a focused cursor is always drawn, on every screen."""
    for screen in app.screen_stack:
        for widget in screen.query("TextArea, Input"):
            widget.cursor_blink = False


def test_chat_with_a_tool_block_and_a_diff(snap_compare, tmp_path):
    app = chat_app(tmp_path, [], resume=edit_session(tmp_path))

    async def ready(pilot):
        await settle(pilot, lambda: app.session is not None and len(app.query("ToolBlock")) == 2)

    assert snap_compare(app, terminal_size=SIZE, run_before=ready)


def test_approval_modal(snap_compare, tmp_path):
    app = chat_app(tmp_path, [call("shell", command="rm -rf build && make")], approval="ask")

    async def ask(pilot):
        await settle(pilot, lambda: app.session is not None)
        app.prompt.set_text("clean and build")
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, ApprovalScreen))

    assert snap_compare(app, terminal_size=SIZE, run_before=ask)


def test_resume_picker(snap_compare, tmp_path):
    edit_session(tmp_path, "20260101-000000-aaaaaa")
    (tmp_path / "notes.txt").write_text("milk\n")
    recorded(tmp_path, "20260102-000000-bbbbbb", [call("read_file", path="notes.txt"), "It says milk."], "read my notes")
    sessions = list_sessions(tmp_path / ".limi" / "sessions")
    app = chat_app(tmp_path, [])

    async def pick(pilot):
        await settle(pilot, lambda: app.session is not None)
        app.push_screen(SessionPicker(sessions))
        await settle(pilot, lambda: isinstance(app.screen, SessionPicker))

    assert snap_compare(app, terminal_size=SIZE, run_before=pick)


def test_review_screen(snap_compare, tmp_path):
    items, _ = load_items([edit_session(tmp_path)])
    items[0].annotation.quality, items[0].annotation.outcome = 4, "success"
    items[0].annotation.exclude_steps = [1]
    app = ReviewApp(items)

    async def second_step(pilot):
        await settle(pilot, lambda: isinstance(app.screen, ReviewScreen))
        await pilot.press("down")
        await settle(pilot, lambda: app.screen.step == 2)

    assert snap_compare(app, terminal_size=(120, 36), run_before=second_step)
