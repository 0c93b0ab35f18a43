"""``limi-cli review``: stepping through a real session log and a dataset with Pilot, annotating
it; annotations land beside the log (or in the dataset's sidecar) and the inputs' bytes never change."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from agent.backends.scripted import ScriptedBackend
from agent.curation.annotations import (
    annotation_path,
    apply_annotation,
    load_annotation,
)
from agent.curation.dataset_io import load_inputs
from agent.policy import Policy
from agent.session import Session
from agent.tools.registry import default_tools
from agent.trajectory import TrajectoryWriter
from limi_cli.commands.common import UserError
from limi_cli.commands.review import resolve_inputs
from limi_cli.tui.review_app import ReviewApp
from limi_cli.tui.review_items import load_items, read_sidecar
from limi_cli.tui.screens.review_screen import ReviewScreen
from tests.pilot_helpers import wait_until

pytestmark = pytest.mark.anyio
SIZE = (120, 40)
SECRET = "sk-live-ABCDEF123456"


def call(name: str, **arguments) -> str:
    return f'<tool_call>{json.dumps({"name": name, "arguments": arguments})}</tool_call>'


def record_session(ws: Path, session_id: str = "s1") -> Path:
    """A real session: three steps (read, edit, answer) with real tools on real files."""
    (ws / "conf.py").write_text(f"KEY = '{SECRET}'\nDEBUG = True\n")
    replies = [
        "Let me read the config.\n" + call("read_file", path="conf.py"),
        "Turn debug off.\n" + call("edit", path="conf.py", old_string="DEBUG = True", new_string="DEBUG = False"),
        "Debug is off now.",
    ]
    log = ws / ".limi" / "sessions" / f"{session_id}.jsonl"
    session = Session(ScriptedBackend(replies), default_tools(), workspace=ws, session_id=session_id, system_prompt="SYS",
                      policy=Policy(mode="yolo"), writer=TrajectoryWriter(log), mode="chat")
    session.start()
    list(session.send("turn debug off in conf.py"))
    session.end()
    return log


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_review_a_session_annotates_beside_the_log_and_leaves_it_untouched(tmp_path):
    log = record_session(tmp_path)
    before = digest(log)
    items, problems = load_items([log])
    assert problems == [] and len(items) == 1 and len(items[0].steps) == 3
    app = ReviewApp(items)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, ReviewScreen))
        screen = app.screen
        area = screen.query_one("#step")
        assert "read_file" in area.text and "Let me read the config." in area.text and SECRET in area.text
        await pilot.press("4", "o")  # quality 4, outcome success
        await pilot.press("down")  # step 2
        assert screen.step == 2 and "DEBUG = False" in area.text
        await pilot.press("x")  # step 2 not-to-train
        await pilot.press("down", "c")  # cut at step 3 (keeps all), then toggle it back off
        await pilot.press("c")
        await pilot.press("up", "c")  # cut at step 2
        # redact by selecting the secret in step 1's text
        await pilot.press("up")
        area.focus()
        start = area.text.index(SECRET)
        row = area.text[:start].count("\n")
        col = start - (area.text.rfind("\n", 0, start) + 1)
        area.selection = type(area.selection)((row, col), (row, col + len(SECRET)))
        assert area.selected_text == SECRET
        await pilot.press("ctrl+r")
        # tags and notes by their inputs; a typed digit goes into the input, not into the rating
        await pilot.press("escape", "t")
        await pilot.press(*"bugfix, config 2", "enter")
        await pilot.press("n")
        await pilot.press(*"clean", "enter")
        # a string to redact typed in
        await pilot.press("r")
        await pilot.press(*"DEBUG", "enter")
        # saved on disk (each change is saved as it is made)
        await wait_until(pilot, lambda: (a := load_annotation(log)) is not None and "DEBUG" in a.redactions)
    annotation = load_annotation(log)
    assert annotation is not None
    assert (annotation.quality, annotation.outcome) == (4, "success")
    assert annotation.exclude_steps == [2] and annotation.cut_at_step == 2
    assert annotation.tags == ["bugfix", "config 2"] and annotation.notes == "clean"
    assert annotation.redactions == [SECRET, "DEBUG"] and annotation.source == "review"
    assert digest(log) == before  # the raw log is never rewritten
    # export applies it: two steps kept, step 2 masked, the secret gone
    [t] = load_inputs([log]).rows
    assistant = [m for m in t.row["messages"] if m["role"] == "assistant"]
    assert len(assistant) == 2 and assistant[1].get("weight") == 0 and "weight" not in assistant[0]
    assert SECRET not in json.dumps(t.row) and t.meta["quality"] == 4


async def test_review_a_dataset_writes_a_sidecar_by_line(tmp_path):
    log = record_session(tmp_path)
    [t] = load_inputs([log]).rows
    dataset = tmp_path / "rows.jsonl"
    rows = [t.dataset_line(), {**t.dataset_line(), "meta": {"id": "second"}}]
    dataset.write_text("".join(json.dumps(r) + "\n" for r in rows))
    before = digest(dataset)
    items, problems = load_items([dataset])
    assert problems == [] and [i.id for i in items] == ["s1", "second"]
    app = ReviewApp(items)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, ReviewScreen))
        await pilot.press("5", "right_square_bracket")  # row 1: quality 5; go to row 2
        assert app.screen.index == 1
        await pilot.press("o", "o", "o", "down", "down", "x")  # row 2: fail, step 3 not-to-train
    assert digest(dataset) == before
    sidecar = read_sidecar(dataset)
    assert annotation_path(dataset).name == "rows.annotations.json"
    assert sidecar[1].quality == 5 and sidecar[1].session_id == "s1"
    assert sidecar[2].outcome == "fail" and sidecar[2].exclude_steps == [3]
    masked = apply_annotation(rows[1], sidecar[2])
    assert [m.get("weight") for m in masked["messages"] if m["role"] == "assistant"] == [None, None, 0]
    # reopening shows the saved annotation
    again, _ = load_items([dataset])
    assert again[1].annotation.outcome == "fail"
    # and curation (filter, export) reads the dataset with its annotations applied
    loaded = load_inputs([dataset]).rows
    assert [t.meta.get("quality") for t in loaded] == [5, None] and loaded[1].meta["outcome"] == "fail"
    assert [m.get("weight") for m in loaded[1].row["messages"] if m["role"] == "assistant"] == [None, None, 0]


def test_review_inputs_resolve_ids_and_paths(tmp_path):
    log = record_session(tmp_path, "20260101-000000-abcdef")
    assert resolve_inputs([], tmp_path, None) == [tmp_path / ".limi" / "sessions"]
    assert resolve_inputs(["20260101"], tmp_path, None) == [log]
    assert resolve_inputs([str(log)], tmp_path, None) == [log]
    with pytest.raises(UserError):
        resolve_inputs(["nope"], tmp_path, None)


def test_a_bad_dataset_line_is_named_and_the_rest_reads(tmp_path):
    dataset = tmp_path / "d.jsonl"
    dataset.write_text('{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}\n{oops\n')
    items, problems = load_items([dataset])
    assert len(items) == 1 and problems == [f"{dataset}:2: not JSON: " + problems[0].split("not JSON: ")[1]]
