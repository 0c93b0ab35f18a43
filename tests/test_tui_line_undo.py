"""``/undo`` in line mode: the files go back to how they were before the last checkpointed step,
and the log records the undo (real files, the real shadow-git checkpoints)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from agent.backends.scripted import ScriptedBackend
from agent.config import Config
from agent.events import Undo
from agent.session_builder import build_session
from agent.trajectory import read_log
from limi_cli.line_mode import LineChat
from limi_cli.tui.history import PromptHistory


def call(name: str, **arguments) -> str:
    return f'<tool_call>{json.dumps({"name": name, "arguments": arguments})}</tool_call>'


def test_undo_restores_the_files_and_is_logged(tmp_path: Path):
    (tmp_path / "a.txt").write_text("before\n")
    backend = ScriptedBackend([call("write_file", path="a.txt", content="after\n", overwrite=True), "Written."])
    sessions = []

    def factory(approver, log):
        sessions.append(build_session(Config(approval="yolo"), tmp_path, backend=backend, approver=approver, mode="chat"))
        return sessions[-1]

    lines = iter(["overwrite a.txt", "/undo x", "/undo"])

    def read(prompt: str) -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    out = io.StringIO()
    LineChat(factory, tmp_path, history=PromptHistory(None), read=read, out=out).run()
    text = out.getvalue()
    assert "give a step number" in text
    assert "files restored as they were before step 1 (write_file): 1 written back" in text
    assert (tmp_path / "a.txt").read_text() == "before\n"
    undos = [e for e in read_log(sessions[0].writer.path).events if isinstance(e, Undo)]
    assert [u.step for u in undos] == [1]


def test_rate_in_line_mode_saves_the_annotation(tmp_path: Path):
    from agent.curation.annotations import load_annotation

    sessions = []

    def factory(approver, log):
        sessions.append(build_session(Config(), tmp_path, backend=ScriptedBackend(["Hi."]), approver=approver, mode="chat"))
        return sessions[-1]

    lines = iter(["hello", "/rate 5 demo"])

    def read(prompt: str) -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    out = io.StringIO()
    LineChat(factory, tmp_path, history=PromptHistory(None), read=read, out=out).run()
    assert "rated 5/5, tags demo" in out.getvalue()
    annotation = load_annotation(sessions[0].writer.path)
    assert (annotation.quality, annotation.tags) == (5, ["demo"])
