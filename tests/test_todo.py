"""The todo tool: a task list the model keeps across the session, recorded in the log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from agent.backends.scripted import ScriptedBackend
from agent.config import Config
from agent.events import ToolResult
from agent.policy import Policy
from agent.session import Session
from agent.session_builder import resume_session
from agent.tools.base import ToolContext, ToolError
from agent.tools.todo import TodoTool, todo_list
from agent.tools.workspace import Workspace
from agent.trajectory import TrajectoryWriter, read_log

ITEMS = [
    {"content": "read the failing test", "status": "done"},
    {"content": "fix the parser", "status": "in_progress"},
    {"content": "run the suite", "status": "pending"},
]


@pytest.fixture
def ctx(tmp_path: Path) -> ToolContext:
    return ToolContext(workspace=Workspace(tmp_path))


def todo(ctx, **args):
    tool = TodoTool()
    return tool.run(tool.Params.model_validate(args), ctx)


def test_writing_the_list_returns_it_with_marks_and_counts(ctx):
    out = todo(ctx, todos=ITEMS).output
    assert out == ("todo list (3 items: 1 done, 1 in progress, 1 pending)\n"
                   "[x] read the failing test\n[>] fix the parser\n[ ] run the suite")


def test_calling_without_todos_reads_the_list(ctx):
    todo(ctx, todos=ITEMS)
    assert todo(ctx).output.splitlines()[1] == "[x] read the failing test"


def test_a_new_list_replaces_the_old_one(ctx):
    todo(ctx, todos=ITEMS)
    todo(ctx, todos=[{"content": "ship it"}])
    assert todo_list(ctx) == [{"content": "ship it", "status": "pending"}]


def test_empty_list_reads_as_empty(ctx):
    assert todo(ctx).output == "the todo list is empty"


def test_two_items_in_progress_is_an_error(ctx):
    with pytest.raises(ToolError, match="2 items are in_progress"):
        todo(ctx, todos=[{"content": "a", "status": "in_progress"}, {"content": "b", "status": "in_progress"}])


def test_unknown_status_is_a_bad_argument():
    with pytest.raises(ValidationError, match="in_progress"):
        TodoTool.Params.model_validate({"todos": [{"content": "a", "status": "doing"}]})


def test_the_list_is_recorded_in_the_log_and_restored_on_resume(tmp_path):
    reply = f'<tool_call>{json.dumps({"name": "todo", "arguments": {"todos": ITEMS}})}</tool_call>'
    session = Session(ScriptedBackend([reply, "planned"]), [TodoTool()], workspace=tmp_path, session_id="s",
                      system_prompt="SYS", policy=Policy(), writer=TrajectoryWriter(tmp_path / "log.jsonl"))
    session.start()
    list(session.send("plan the work"))
    session.end()
    results = [e for e in read_log(tmp_path / "log.jsonl").events if isinstance(e, ToolResult)]
    assert results[0].todo == ITEMS and "[>] fix the parser" in results[0].output
    resumed = resume_session(Config(), tmp_path, tmp_path / "log.jsonl", backend=ScriptedBackend([]), tools=[TodoTool()])
    assert todo_list(resumed.ctx) == ITEMS
