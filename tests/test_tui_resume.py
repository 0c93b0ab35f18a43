"""Resuming a session: the log goes on (session_resumed), the conversation and counts come
back, the chat renders the history; interruptions are logged with what had streamed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.backends.scripted import ScriptedBackend
from agent.config import Config
from agent.events import AssistantMessage, TextDelta, ToolResult, TurnInterrupted, UserMessage
from agent.session import Interrupted
from agent.session_builder import build_session, resume_session
from agent.trajectory import read_log
from limi_cli.tui.app import ChatApp
from limi_cli.tui.history import PromptHistory
from limi_cli.tui.launch import resume_target
from limi_cli.tui.screens.session_picker import SessionPicker
from limi_cli.tui.widgets.assistant_text import AssistantText
from limi_cli.tui.widgets.tool_block import ToolBlock
from limi_cli.tui.widgets.user_message import UserMessage as UserBlock
from tests.pilot_helpers import wait_until
from tests.waiting import When

pytestmark = pytest.mark.anyio


def call(name: str, **arguments) -> str:
    return f'<tool_call>{json.dumps({"name": name, "arguments": arguments})}</tool_call>'


def first_session(ws: Path) -> Path:
    """A finished session in ``ws``: one message, a read_file call, an answer."""
    (ws / "notes.txt").write_text("remember the milk\n")
    backend = ScriptedBackend([call("read_file", path="notes.txt"), "It says: remember the milk."])
    session = build_session(Config(), ws, backend=backend, mode="chat")
    session.start()
    list(session.send("what do my notes say?"))
    session.end()
    return session.writer.path


def test_resume_restores_the_conversation_and_appends_to_the_same_log(tmp_path):
    log_path = first_session(tmp_path)
    backend = ScriptedBackend(["You asked about your notes."])
    session = resume_session(Config(), tmp_path, log_path, backend=backend)
    session.start()
    list(session.send("what did I ask?"))
    ended = session.end()
    sent = backend.calls[0]
    assert [m.role for m in sent] == ["system", "user", "assistant", "tool", "assistant", "user"]
    assert ended.turns == 3 and ended.tool_calls == 1  # counts go on from the first part
    log = read_log(log_path)
    assert log.problems == []
    assert [e.type for e in log.events].count("session_resumed") == 1
    assert log.ended.turns == 3
    assert log.messages()[-1].content == "You asked about your notes."


def test_a_resumed_session_that_has_not_ended_counts_as_unfinished(tmp_path):
    log_path = first_session(tmp_path)
    session = resume_session(Config(), tmp_path, log_path, backend=ScriptedBackend([]))
    session.start()
    assert read_log(log_path).ended is None
    session.end()
    assert read_log(log_path).ended is not None


def test_a_killed_session_resumes_with_its_dangling_calls_answered(tmp_path):
    backend = ScriptedBackend([call("shell", command="sleep 30")])
    session = build_session(Config(approval="ask"), tmp_path, backend=backend, mode="chat")
    session.start()
    gen = session.send("sleep")
    for event in gen:  # stop reading right after the call is logged, as a kill would
        if isinstance(event, AssistantMessage):
            break
    session.writer.close()
    resumed = resume_session(Config(), tmp_path, session.writer.path, backend=ScriptedBackend(["Back."]))
    resumed.start()
    list(resumed.send("go on"))
    resumed.end()
    log = read_log(session.writer.path)
    assert log.problems == []
    result = next(e for e in log.events if isinstance(e, ToolResult))
    assert result.error_kind == "interrupted"


def test_an_interrupted_generation_is_logged_with_its_partial_text(tmp_path):
    backend = ScriptedBackend(["partial " * 200], delay_s=0.01)
    session = build_session(Config(), tmp_path, backend=backend, mode="chat")
    session.start()
    deltas = []
    with pytest.raises(Interrupted):
        for event in session.send("talk"):
            deltas += [event] if isinstance(event, TextDelta) else []
            if len(deltas) == 3:  # mid-generation, whatever the machine's speed
                session.interrupt()
    session.end("interrupted")
    log = read_log(session.writer.path)
    assert log.problems == []
    stop = next(e for e in log.events if isinstance(e, TurnInterrupted))
    assert stop.during == "generation" and stop.partial_text.startswith("partial partial")


def test_an_interrupted_tool_is_logged_and_the_next_message_works(tmp_path):
    backend = ScriptedBackend([call("shell", command="touch started; sleep 100") + call("shell", command="echo later"), "Fine."])
    session = build_session(Config(approval="yolo"), tmp_path, backend=backend, mode="chat")
    session.start()
    When(lambda: (tmp_path / "started").exists(), session.interrupt)  # while the command runs
    with pytest.raises(Interrupted):
        list(session.send("sleep"))
    list(session.send("never mind"))
    session.end()
    log = read_log(session.writer.path)
    assert log.problems == []
    assert [e.error_kind for e in log.events if isinstance(e, ToolResult)] == ["interrupted", "interrupted"]
    assert next(e for e in log.events if isinstance(e, TurnInterrupted)).during == "tool"
    assert [e.content for e in log.events if isinstance(e, UserMessage)] == ["sleep", "never mind"]


def test_continue_picks_the_latest_session(tmp_path):
    first_session(tmp_path)
    latest = first_session(tmp_path)
    assert resume_target(Config(), tmp_path, "latest") == latest
    assert resume_target(Config(), tmp_path, latest.stem) == latest
    assert resume_target(Config(), tmp_path, None) is None


def chat_app(ws: Path, replies, **kwargs) -> ChatApp:
    backend = ScriptedBackend(replies)

    def factory(approver, log):
        if log is None:
            return build_session(Config(), ws, backend=backend, approver=approver, mode="chat")
        return resume_session(Config(), ws, log, backend=backend, approver=approver)

    return ChatApp(factory, ws, history=PromptHistory(None), **kwargs)


async def test_the_chat_renders_a_resumed_history_and_goes_on_in_its_log(tmp_path):
    log_path = first_session(tmp_path)
    app = chat_app(tmp_path, ["Milk, still."], resume=log_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_until(pilot, lambda: app.session is not None and app.query(AssistantText))
        assert [w.text for w in app.query(UserBlock)] == ["what do my notes say?"]
        assert app.query_one(ToolBlock).status == "ok"
        assert app.query(AssistantText).last().text == "It says: remember the milk."
        app.prompt.set_text("and now?")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.turns_done == 1)
        await app.action_quit()
    log = read_log(log_path)
    assert log.problems == [] and log.ended is not None
    types = [e.type for e in log.events]
    assert types[types.index("session_resumed") + 1] == "user_message"
    assert log.messages()[-1].content == "Milk, still."


async def test_resume_without_an_id_opens_a_picker(tmp_path):
    log_path = first_session(tmp_path)
    app = chat_app(tmp_path, [], pick_session=True)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SessionPicker))
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.session is not None)
        assert app.session.session_id == log_path.stem and app.session.resumed
