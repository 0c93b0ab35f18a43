"""Line mode with a scripted model and scripted input lines: streaming, approvals as
y/n/a questions, ctrl+c, commands, history and completion."""

from __future__ import annotations

import io
import json
import os
import signal
from pathlib import Path

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from agent.backends.scripted import ScriptedBackend
from agent.config import Config
from agent.events import TurnInterrupted
from agent.session_builder import build_session
from agent.trajectory import read_log
from limi_cli.line_mode import ChatCompleter, LineChat
from limi_cli.tui.history import PromptHistory
from tests.waiting import When


def call(name: str, **arguments) -> str:
    return f'<tool_call>{json.dumps({"name": name, "arguments": arguments})}</tool_call>'


class Lines:
    """Answers prompts from a list; EOF (quit) once they run out. Records the prompts."""

    def __init__(self, *lines: str):
        self.lines, self.prompts = list(lines), []

    def __call__(self, prompt: str) -> str:
        self.prompts.append(prompt)
        if not self.lines:
            raise EOFError
        return self.lines.pop(0)


def chat(ws: Path, replies, lines: Lines, approval="auto-edit", **backend_kw):
    backend = ScriptedBackend(replies, **backend_kw)
    sessions = []

    def factory(approver, log):
        sessions.append(build_session(Config(approval=approval), ws, backend=backend, approver=approver, mode="chat"))
        return sessions[-1]

    out = io.StringIO()
    line_chat = LineChat(factory, ws, history=PromptHistory(ws / ".limi" / "history"), read=lines, out=out)
    return line_chat, backend, out, sessions


def test_a_reply_streams_and_the_log_is_written(tmp_path):
    line_chat, _, out, sessions = chat(tmp_path, ["Hello there."], Lines("hi"))
    assert line_chat.run() == 0
    assert "Hello there." in out.getvalue()
    log = read_log(sessions[0].writer.path)
    assert log.problems == [] and log.ended.reason == "done"


def test_tool_calls_and_results_are_printed(tmp_path):
    (tmp_path / "a.txt").write_text("alpha\n")
    line_chat, _, out, _ = chat(tmp_path, [call("read_file", path="a.txt"), "Read it."], Lines("read a.txt"))
    line_chat.run()
    text = out.getvalue()
    assert "● read_file" in text and "⎿ ok" in text and "Read it." in text


def test_y_allows_a_command(tmp_path):
    lines = Lines("make a file", "y")
    line_chat, _, _, _ = chat(tmp_path, [call("shell", command="echo yes > f.txt"), "Made."], lines, approval="ask")
    line_chat.run()
    assert (tmp_path / "f.txt").read_text().strip() == "yes"
    assert any("allow?" in p for p in lines.prompts)


def test_a_note_denies_and_reaches_the_model(tmp_path):
    lines = Lines("delete it", "no, keep the file")
    line_chat, backend, _, _ = chat(tmp_path, [call("shell", command="rm x"), "Kept."], lines, approval="ask")
    line_chat.run()
    tool_message = backend.calls[1][-1]
    assert tool_message.role == "tool" and "no, keep the file" in tool_message.content


def test_a_allows_for_the_rest_of_the_session(tmp_path):
    lines = Lines("two commands", "a")
    replies = [call("shell", command="echo 1"), call("shell", command="echo 2"), "Both ran."]
    line_chat, _, out, _ = chat(tmp_path, replies, lines, approval="ask")
    line_chat.run()
    assert sum("allow?" in p for p in lines.prompts) == 1 and "Both ran." in out.getvalue()


def test_ctrl_c_interrupts_the_reply_and_the_chat_goes_on(tmp_path):
    lines = Lines("talk", "again")
    # a reply far longer than the wait for it (20k chunks at 10 ms): the ctrl+c lands while it streams
    line_chat, _, out, sessions = chat(tmp_path, ["blah " * 20000, "Short."], lines, delay_s=0.01, chunk_chars=5)
    # a real ctrl+c, once the reply is streaming (not after a fixed delay: the session may not have started yet)
    ctrl_c = When(lambda: "blah blah" in out.getvalue(), lambda: os.kill(os.getpid(), signal.SIGINT))
    line_chat.run()
    assert not ctrl_c.failed
    assert "[interrupted" in out.getvalue() and out.getvalue().rstrip().endswith("Short.")
    log = read_log(sessions[0].writer.path)
    assert log.problems == [] and any(isinstance(e, TurnInterrupted) for e in log.events)


def test_mentions_attach_files(tmp_path):
    (tmp_path / "todo.md").write_text("- ship it\n")
    line_chat, backend, out, _ = chat(tmp_path, ["Noted."], Lines("see @todo.md"))
    line_chat.run()
    assert "ship it" in backend.calls[0][-1].content and "+ todo.md" in out.getvalue()


def test_commands_and_history(tmp_path):
    line_chat, _, out, sessions = chat(tmp_path, [], Lines("/help", "/mode ask", "/bogus", "/quit", "never read"))
    line_chat.run()
    text = out.getvalue()
    assert "/resume" in text and "approval mode: ask" in text and "unknown command /bogus" in text
    assert sessions[0].policy.mode == "ask"
    assert PromptHistory(tmp_path / ".limi" / "history").entries == ["/help", "/mode ask", "/bogus", "/quit"]


def test_completion_of_commands_and_paths(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "parser.py").write_text("")
    completer = ChatCompleter(tmp_path)
    slash = [c.text for c in completer.get_completions(Document("/res"), CompleteEvent())]
    paths = [c.text for c in completer.get_completions(Document("look at @pars"), CompleteEvent())]
    assert slash == ["/resume"] and paths == ["@pkg/parser.py"]
