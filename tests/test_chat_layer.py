"""The chat layer every front end shares: line mode has the TUI's commands (``/compact`` really
compacts, ``/model NAME`` really switches), and a backend error, an interrupt and a tool crash
end the same way in all six front ends (TUI, line mode, headless run, record, batch, eval)."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
from pathlib import Path

import pytest

from agent.backends.base import BackendError
from agent.backends.demonstration import DemonstrationBackend
from agent.backends.scripted import ScriptedBackend
from agent.config import Config
from agent.curation.recording import record_demonstration
from agent.curation.steps_file import load_steps
from agent.events import Compaction, SessionEnded, ToolResult
from agent.session_builder import build_session
from agent.tools.search import ListFilesTool
from agent.trajectory import read_log
from evaluation.runner import run_task
from evaluation.task import load_suite
from limi_cli.chat.factory import SessionFactory
from limi_cli.headless import run_headless
from limi_cli.line_mode import LineChat
from limi_cli.tui.app import ChatApp
from limi_cli.tui.history import PromptHistory
from tests.pilot_helpers import ready, turn
from tests.test_line_mode import Lines, call
from tests.test_tui_chat import SIZE


def scripted(tmp_path: Path, name: str, replies: list[str]) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(replies))
    return f"scripted:{path}"


# -- line mode has every command ------------------------------------------------------


def test_line_mode_compact_summarises_the_older_turns(tmp_path):
    for i in range(4):
        (tmp_path / f"notes{i}.txt").write_text(f"note {i}\n")
    replies = [call("read_file", path=f"notes{i}.txt") for i in range(4)] + ["Read them all.", "SUMMARY: read four notes."]
    sessions = []

    def factory(approver, log):
        sessions.append(build_session(Config(), tmp_path, backend=ScriptedBackend(replies), approver=approver, mode="chat"))
        return sessions[-1]

    out = io.StringIO()
    LineChat(factory, tmp_path, read=Lines("read the notes", "/compact"), out=out).run()
    assert "compacting: the model is summarising" in out.getvalue()
    compactions = [e for e in read_log(sessions[0].writer.path).events if isinstance(e, Compaction)]
    assert [c.trigger for c in compactions] == ["manual"]
    assert f"compacted: {compactions[0].replaced} messages replaced by a summary" in out.getvalue()
    assert "SUMMARY: read four notes." in compactions[0].summary


def test_line_mode_compact_on_a_short_conversation_says_so(tmp_path):
    factory = SessionFactory(Config(model=scripted(tmp_path, "a.json", ["hi"])), tmp_path)
    out = io.StringIO()
    LineChat(factory, tmp_path, read=Lines("hello", "/compact"), out=out).run()
    assert "nothing to compact yet" in out.getvalue()


def test_line_mode_model_switches_and_the_log_goes_on(tmp_path):
    factory = SessionFactory(Config(model=scripted(tmp_path, "a.json", ["from A"])), tmp_path)
    second = scripted(tmp_path, "b.json", ["from B"])
    out = io.StringIO()
    chat = LineChat(factory, tmp_path, read=Lines("hello", "/model", f"/model {second}", "again", "/model"), out=out)
    chat.run()
    text = out.getvalue()
    assert "model scripted:a.json on the scripted backend" in text and "model scripted:b.json on the scripted backend" in text
    assert "the conversation goes on in the same log" in text
    (log,) = (tmp_path / ".limi" / "sessions").glob("*.jsonl")
    events = read_log(log).events
    assert [e.content for e in events if e.type == "assistant_message"] == ["from A", "from B"]
    assert [e.model for e in events if e.type == "session_resumed"] == ["scripted:b.json"]


def test_line_mode_model_that_does_not_load_falls_back(tmp_path):
    factory = SessionFactory(Config(model=scripted(tmp_path, "a.json", ["from A", "from A again"])), tmp_path)
    out = io.StringIO()
    LineChat(factory, tmp_path, read=Lines("hello", "/model no-such-model", "/model /nonexistent/model.gguf", "and now?"),
             out=out).run()
    text = out.getvalue()
    assert "no server is set" in text  # refused before anything is closed
    assert "could not start the session" in text and "back on the previous model" in text
    (log,) = (tmp_path / ".limi" / "sessions").glob("*.jsonl")
    assert [e.content for e in read_log(log).events if e.type == "assistant_message"] == ["from A", "from A"]


# -- one way to end, six front ends ---------------------------------------------------

ERROR = "the model server went away"


class FaultyBackend(ScriptedBackend):
    """Scripted replies; its ``fail_at``-th call raises a BackendError, its ``interrupt_at``-th
    call streams a long reply and calls ``interrupt`` (set per front end) after the first chunk."""

    def __init__(self, replies, *, fail_at: int | None = None, interrupt_at: int | None = None):
        super().__init__(replies, chunk_chars=5, delay_s=0.0)
        self.fail_at, self.interrupt_at = fail_at, interrupt_at
        self.interrupt = lambda: None

    def stream(self, messages, tools, sampling):
        n = len(self.calls) + 1
        if n == self.fail_at:
            self.calls.append(list(messages))
            raise BackendError(ERROR)
        if n == self.interrupt_at:
            self.replies.insert(0, "Working on it " + "and on " * 20000)
            self.delay_s = 0.005  # a slow model (minutes): the interrupt lands long before the reply ends, even on a busy machine
        for i, chunk in enumerate(super().stream(messages, tools, sampling)):
            yield chunk
            if n == self.interrupt_at and i == 0:
                self.interrupt()


def sigint() -> None:
    os.kill(os.getpid(), signal.SIGINT)  # a real ctrl+c


CASES = {
    # case: (backend, the session_ended reason and error every front end writes)
    "backend_error": (lambda: FaultyBackend([], fail_at=1), "error", ERROR),
    "interrupt": (lambda: FaultyBackend([], interrupt_at=1), "interrupted", None),
    "tool_crash": (lambda: FaultyBackend([call("list_files"), "Listed."]), "done", None),
}
# what each front end reports besides the log, per case
STATUS = {
    "tui": {"backend_error": "error", "interrupt": "interrupted", "tool_crash": "done"},  # the turn's outcome
    "line": {"backend_error": 0, "interrupt": 0, "tool_crash": 0},  # exit code: the chat goes on after each
    "headless": {"backend_error": 1, "interrupt": 130, "tool_crash": 0},  # exit code
    "record": {"backend_error": "error", "interrupt": "interrupted", "tool_crash": "done"},  # the recording's end
    "batch": {"backend_error": "error", "interrupt": KeyboardInterrupt, "tool_crash": "fail"},  # the task's status
    "eval": {"backend_error": "error", "interrupt": KeyboardInterrupt, "tool_crash": "fail"},
}


def _tui(ws: Path, backend: FaultyBackend):
    def factory(approver, log):
        return build_session(Config(), ws, backend=backend, approver=approver, mode="chat")

    app = ChatApp(factory, ws, context_window=8192, history=PromptHistory(None))
    backend.interrupt = lambda: app.call_from_thread(app.action_escape)  # esc

    async def drive():
        async with app.run_test(size=SIZE) as pilot:
            await ready(pilot)
            await turn(pilot, "go")
            return app.session.writer.path, app.last_outcome

    return asyncio.run(drive())


def _line(ws: Path, backend: FaultyBackend):
    sessions = []

    def factory(approver, log):
        sessions.append(build_session(Config(), ws, backend=backend, approver=approver, mode="chat"))
        return sessions[-1]

    backend.interrupt = sigint
    out = io.StringIO()
    code = LineChat(factory, ws, history=PromptHistory(None), read=Lines("go"), out=out).run()
    if backend.fail_at:
        assert f"error: {ERROR}" in out.getvalue()
    return sessions[0].writer.path, code


def _headless(ws: Path, backend: FaultyBackend, capsys):
    backend.interrupt = sigint
    code = run_headless("go", ws, {}, "json", False, True, backend=backend)
    result = json.loads(capsys.readouterr().out)
    return Path(result["limi"]["log_path"]), code


def _record(ws: Path, backend: FaultyBackend):
    steps = ws.parent / "steps.yaml"
    steps.write_text("task: go\nsteps:\n  - propose: accept\n  - propose: accept\n")
    script = load_steps(steps)
    backend.interrupt = sigint
    demo = DemonstrationBackend(script.steps, backend)
    session = build_session(Config(approval="yolo"), ws, backend=demo, mode="record")
    recording = record_demonstration(session, demo, script.exchanges("go"))
    return recording.log_path, recording.ended.reason


def _evaluation(run_dir: Path, backend: FaultyBackend, rounds: int):
    task = load_suite("builtin").select("fix-sum-to").tasks[0]
    backend.interrupt = sigint
    try:
        result = run_task(task, Config(), run_dir, rounds=rounds, backend=backend)
    except KeyboardInterrupt:  # ctrl+c stops the whole batch, once the session has ended
        status = KeyboardInterrupt
    else:
        assert result.error == (ERROR if result.status == "error" else None)
        status = result.status
    (log,) = (run_dir / "trajectories").glob("*/*.jsonl")
    return log, status


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("front_end", list(STATUS))
def test_every_front_end_ends_the_same_way(front_end, case, tmp_path, monkeypatch, capsys):
    def crash(self, params, ctx):
        raise RuntimeError("the tool fell over")

    monkeypatch.setattr(ListFilesTool, "run", crash)
    make_backend, reason, error = CASES[case]
    backend = make_backend()
    ws = tmp_path / "ws"
    ws.mkdir()
    if front_end == "tui":
        log, status = _tui(ws, backend)
    elif front_end == "line":
        log, status = _line(ws, backend)
    elif front_end == "headless":
        log, status = _headless(ws, backend, capsys)
    elif front_end == "record":
        log, status = _record(ws, backend)
    else:
        log, status = _evaluation(tmp_path / "run", backend, rounds=1 if front_end == "batch" else 2)
    assert status == STATUS[front_end][case]
    events = read_log(log).events
    ended = [e for e in events if isinstance(e, SessionEnded)]
    assert [(e.reason, e.error) for e in ended] == [(reason, error)]
    if case == "tool_crash":  # the session turned the crash into a tool error and the model went on
        (result,) = [e for e in events if isinstance(e, ToolResult)]
        assert result.is_error and result.error_kind == "tool_error" and "RuntimeError: the tool fell over" in result.output
