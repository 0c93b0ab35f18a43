"""The chat has no dead ends: a model that fails to load falls back to the one that worked,
an exact command beats the completion menu, /sessions lists this session, an empty screen
says what to do."""

from __future__ import annotations

import pytest

from agent.config import Config
from limi_cli.tui.app import ChatApp
from limi_cli.tui.history import PromptHistory
from limi_cli.chat.factory import SessionFactory
from limi_cli.tui.widgets.notice import Notice
from tests.pilot_helpers import ready, say, turn, wait_until
from tests.test_tui_chat import SIZE
from tests.test_tui_model_rate import app_on, scripted

pytestmark = pytest.mark.anyio


def notices(app) -> list[str]:
    return [str(n.render()) for n in app.query(Notice)]


async def test_a_model_that_does_not_load_falls_back_to_the_previous_one(tmp_path):
    app = app_on(tmp_path, scripted(tmp_path, "a.json", ["from A"]))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await turn(pilot, "hello")
        log = app.session.writer.path
        await say(pilot, "/model /nonexistent/model.gguf")
        await wait_until(pilot, lambda: any("back on the previous model" in n for n in notices(app)))
        await ready(pilot)
        assert app.session.backend.model == "scripted:a.json" and app.status.model == "scripted:a.json"
        assert app.session.writer.path == log
        await turn(pilot, "and now?")
        assert app.session.messages[-1].content == "from A"  # the model is rebuilt: its script starts again
        assert [m.content for m in app.session.messages if m.role == "user"] == ["hello", "and now?"]
        assert any("could not start the session" in n for n in notices(app))


async def test_a_chat_whose_model_never_loaded_can_load_another(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    app = ChatApp(SessionFactory(Config(model="/nonexistent/model.gguf"), ws), ws, context_window=8192,
                  history=PromptHistory(ws / ".limi" / "history"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: any("could not start the session" in n for n in notices(app)))
        assert app.status.model == "no model"
        await say(pilot, "hello")
        await wait_until(pilot, lambda: any("no session is open" in n for n in notices(app)))
        await say(pilot, f"/model {scripted(tmp_path, 'b.json', ['from B'])}")
        await ready(pilot)
        await turn(pilot, "hi")
        assert app.session.messages[-1].content == "from B"


async def test_typing_a_whole_command_runs_it_not_the_first_menu_entry(tmp_path):
    app = app_on(tmp_path, scripted(tmp_path, "a.json", ["hi"]))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.prompt.set_text("/mode")
        await wait_until(pilot, lambda: app.completions.shown)
        await pilot.press("enter")
        await wait_until(pilot, lambda: any(n.startswith("approval mode:") for n in notices(app)))
        assert not any(n.startswith("model ") for n in notices(app))


async def test_sessions_lists_this_session_and_the_screen_starts_with_a_hint(tmp_path):
    app = app_on(tmp_path, scripted(tmp_path, "a.json", ["hi"]))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await wait_until(pilot, lambda: any("Type a task" in n for n in notices(app)))
        await turn(pilot, "hello")
        await say(pilot, "/sessions")
        await wait_until(pilot, lambda: any("(this session)" in n for n in notices(app)))
        assert any(app.session.session_id in n for n in notices(app))
