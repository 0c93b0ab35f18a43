"""/model switches the model and the conversation goes on in the same log; /rate labels the session."""

from __future__ import annotations

import json

import pytest

from agent.config import Config
from agent.curation.annotations import load_annotation
from agent.trajectory import read_log
from limi_cli.tui.app import ChatApp
from limi_cli.tui.history import PromptHistory
from limi_cli.chat.factory import SessionFactory
from limi_cli.tui.widgets.notice import Notice
from tests.pilot_helpers import ready, say, turn, wait_until
from tests.test_tui_chat import SIZE

pytestmark = pytest.mark.anyio


def scripted(tmp_path, name, replies) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(replies))
    return f"scripted:{path}"


def app_on(tmp_path, model: str) -> ChatApp:
    ws = tmp_path / "ws"
    ws.mkdir(exist_ok=True)
    factory = SessionFactory(Config(model=model), ws)
    return ChatApp(factory, ws, context_window=8192, history=PromptHistory(ws / ".limi" / "history"))


async def test_model_command_switches_and_the_log_goes_on(tmp_path):
    first, second = scripted(tmp_path, "a.json", ["from A"]), scripted(tmp_path, "b.json", ["from B"])
    app = app_on(tmp_path, first)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await turn(pilot, "hello")
        log = app.session.writer.path
        await say(pilot, f"/model {second}")
        await wait_until(pilot, lambda: app.session is not None and app.session.backend.model == "scripted:b.json")
        await turn(pilot, "again")
        assert app.session.writer.path == log
    events = read_log(log).events
    assert [e.content for e in events if e.type == "assistant_message"] == ["from A", "from B"]
    assert [e.model for e in events if e.type == "session_resumed"] == ["scripted:b.json"]


async def test_model_command_refuses_what_cannot_be_a_model(tmp_path):
    app = app_on(tmp_path, scripted(tmp_path, "a.json", ["hi"]))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        before = app.session
        await say(pilot, "/model no-such-model")
        await wait_until(pilot, lambda: any("no server is set" in str(n.render()) for n in app.query(Notice)))
        assert app.session is before


async def test_rate_saves_quality_and_tags_beside_the_log(tmp_path):
    app = app_on(tmp_path, scripted(tmp_path, "a.json", ["hi"]))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await turn(pilot, "hello")
        await say(pilot, "/rate 4 bugfix python")
        await wait_until(pilot, lambda: any("rated 4/5" in str(n.render()) for n in app.query(Notice)))
        log = app.session.writer.path
        await say(pilot, "/rate 9")  # refused: the rating stays
        await wait_until(pilot, lambda: any("quality from 1 to 5" in str(n.render()) for n in app.query(Notice)))
    annotation = load_annotation(log)
    assert annotation.quality == 4 and annotation.tags == ["bugfix", "python"]
    assert log.read_bytes().count(b"\n") == len(read_log(log).events)  # the log itself is not rewritten
