"""``limi-cli record`` in the TUI, driven by Pilot: a scripted model proposes, the expert accepts,
edits (in the form built from the tool's schema) and writes steps; real tools run on real
files; the log keeps the final actions with ExpertStep notes; the label becomes the annotation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.backends.demonstration import DemonstrationBackend
from agent.backends.scripted import ScriptedBackend
from agent.curation.annotations import load_annotation
from agent.events import AssistantMessage, ExpertStep, ToolResult, TurnInterrupted
from agent.policy import Policy
from agent.session import Session
from agent.tools.registry import default_tools
from agent.trajectory import TrajectoryWriter, read_log
from limi_cli.tui.history import PromptHistory
from limi_cli.tui.record_app import RecordApp
from limi_cli.tui.screens.expert_step_screen import ExpertStepScreen
from limi_cli.tui.screens.label_screen import LabelScreen
from limi_cli.tui.widgets.tool_form import ToolForm
from tests.pilot_helpers import wait_until

pytestmark = pytest.mark.anyio
SIZE = (110, 45)


def call(name: str, **arguments) -> str:
    return f'<tool_call>{json.dumps({"name": name, "arguments": arguments})}</tool_call>'


def make_app(ws: Path, proposals: list[str] | None):
    proposer = ScriptedBackend(proposals) if proposals is not None else None
    log = ws / ".limi" / "sessions" / "rec-1.jsonl"

    def make_session(approver, ask):
        backend = DemonstrationBackend([], proposer, ask=ask)
        return Session(backend, default_tools(), workspace=ws, session_id="rec-1", system_prompt="SYS",
                       policy=Policy(mode="yolo", approver=approver), writer=TrajectoryWriter(log), mode="record")

    app = RecordApp(make_session, ws, "fix the off-by-one in count.py", history=PromptHistory(None))
    return app, log


async def step_screen(pilot, number: int) -> ExpertStepScreen:
    """The step screen asking for step ``number`` (not the previous one, still closing)."""
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ExpertStepScreen)
                     and pilot.app.screen.request.number == number and pilot.app.screen.is_mounted)
    await pilot.pause()
    return pilot.app.screen


async def test_accept_edit_write_then_label(tmp_path):
    (tmp_path / "count.py").write_text("def count(n):\n    return list(range(n - 1))\n")
    proposals = [
        "Let me read it.\n" + call("read_file", path="count.py"),
        "Fix it.\n" + call("edit", path="count.py", old_string="n - 2", new_string="n"),  # wrong: the expert edits it
        "I think it is fine.",  # the expert writes a better answer
    ]
    app, log = make_app(tmp_path, proposals)
    async with app.run_test(size=SIZE) as pilot:
        screen = await step_screen(pilot, 1)
        assert "read_file" in str(screen.query_one("#proposal").render())
        await pilot.press("a")  # accept: read_file runs

        screen = await step_screen(pilot, 2)
        await pilot.press("e")  # edit: the form is prefilled from the proposal
        await wait_until(pilot, lambda: screen.query(ToolForm) and screen.query_one(ToolForm).is_mounted)
        form = screen.query_one(ToolForm)
        assert form.query_one("#arg-old_string").text == "n - 2"
        form.set_value("old_string", "n - 1")
        await pilot.press("ctrl+s")

        screen = await step_screen(pilot, 3)
        await pilot.press("w")
        await wait_until(pilot, lambda: screen.editing == "write")
        screen.query_one("#thought").load_text("Fixed: range(n) now includes the last item.")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.turns_done == 1)
        assert app.last_outcome == "done"

        app.prompt.set_text("/finish")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, LabelScreen))
        label = app.screen
        label.query_one("#outcome").value = "success"
        label.query_one("#quality").value = 5
        label.query_one("#tags").value = "bugfix, python"
        label.query_one("#notes").load_text("clean fix")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.annotation_path is not None)

    assert (tmp_path / "count.py").read_text() == "def count(n):\n    return list(range(n))\n"  # the tool really ran
    events = read_log(log).events
    notes = [e for e in events if isinstance(e, ExpertStep)]
    assert [n.source for n in notes] == ["model", "edited", "expert"]
    assert notes[1].proposal["tool_calls"][0]["arguments"]["old_string"] == "n - 2"  # the proposal is kept
    assert notes[2].proposal["content"] == "I think it is fine."
    assistant = [e for e in events if isinstance(e, AssistantMessage)]
    assert assistant[1].tool_calls[0].arguments["old_string"] == "n - 1"  # the training view: the final action
    assert assistant[2].content == "Fixed: range(n) now includes the last item."
    assert all(not e.is_error for e in events if isinstance(e, ToolResult))
    assert events[-1].type == "session_ended" and events[-1].reason == "done"
    annotation = load_annotation(log)
    assert (annotation.outcome, annotation.quality, annotation.tags, annotation.notes, annotation.source) == \
        ("success", 5, ["bugfix", "python"], "clean fix", "record")


async def test_without_a_proposer_the_expert_writes_and_a_bad_form_is_refused(tmp_path):
    app, log = make_app(tmp_path, None)
    async with app.run_test(size=SIZE) as pilot:
        screen = await step_screen(pilot, 1)
        assert screen.editing == "write"  # no proposal: straight to the editor
        screen.query_one("#thought").load_text("Create the file.")
        screen.query_one("#tool").value = "write_file"
        # write_file's form is up
        await wait_until(pilot, lambda: screen.query(ToolForm) and screen.query_one(ToolForm).is_mounted)
        await pilot.press("ctrl+s")  # path and content missing
        await wait_until(pilot, lambda: "path" in str(screen.query_one("#error").render()))
        assert isinstance(app.screen, ExpertStepScreen)
        form = screen.query_one(ToolForm)
        form.set_value("path", "hello.txt")
        form.set_value("content", "hi\n")
        await pilot.press("ctrl+s")
        screen = await step_screen(pilot, 2)
        await pilot.press("escape")  # stop the turn: logged as interrupted, the session goes on
        await wait_until(pilot, lambda: app.turns_done == 1)
        assert app.last_outcome == "interrupted"
    assert (tmp_path / "hello.txt").read_text() == "hi\n"
    events = read_log(log).events
    assert [e.source for e in events if isinstance(e, ExpertStep)] == ["expert"]
    assert any(isinstance(e, TurnInterrupted) for e in events)
    assert load_annotation(log) is None  # never labelled
