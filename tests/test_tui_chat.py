"""The Textual chat driven headless by Pilot, with a scripted model: streaming, tool blocks,
approvals, interrupts, keys, history, commands and @file mentions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.backends.scripted import ScriptedBackend
from agent.events import TurnInterrupted
from agent.policy import Policy
from agent.session import Session
from agent.tools.registry import default_tools
from agent.trajectory import TrajectoryWriter, read_log
from limi_cli.tui.app import ChatApp
from limi_cli.tui.history import PromptHistory
from limi_cli.tui.screens.approval_screen import ApprovalScreen
from limi_cli.tui.widgets.assistant_text import AssistantText
from limi_cli.tui.widgets.notice import Notice
from limi_cli.tui.widgets.tool_block import ToolBlock
from limi_cli.tui.widgets.user_message import UserMessage
from tests.pilot_helpers import ready, say, turn, wait_until

SIZE = (100, 40)
pytestmark = pytest.mark.anyio  # async tests run by anyio's pytest plugin, on asyncio


def call(name: str, **arguments) -> str:
    return f'<tool_call>{json.dumps({"name": name, "arguments": arguments})}</tool_call>'


def make_app(ws: Path, replies, *, approval="auto-edit", delay_s=0.0, chunk_chars=7):
    """A chat app on ``ws`` whose sessions use one scripted backend; the log is ws/log.jsonl."""
    backend = ScriptedBackend(replies, delay_s=delay_s, chunk_chars=chunk_chars)

    def factory(approver, log):
        return Session(backend, default_tools(), workspace=ws, session_id="chat-test", system_prompt="SYS",
                       policy=Policy(mode=approval, approver=approver), writer=TrajectoryWriter(ws / "log.jsonl"),
                       mode="chat")

    app = ChatApp(factory, ws, context_window=8192, history=PromptHistory(ws / ".limi" / "history"))
    return app, backend


def texts(app, kind) -> list[str]:
    return [w.text for w in app.query(kind)]


async def test_a_message_streams_back_as_markdown(tmp_path):
    app, _ = make_app(tmp_path, ["Here is **bold** and code:\n\n```python\nprint(1)\n```"])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await turn(pilot, "hello")
        assert texts(app, UserMessage) == ["hello"]
        assert texts(app, AssistantText) == ["Here is **bold** and code:\n\n```python\nprint(1)\n```"]
        assert "print(1)" in app.query_one(AssistantText).source
        assert app.status.tokens > 0 and app.status.session_id == "chat-test"


async def test_an_edit_shows_as_a_tool_block_with_status_and_diff(tmp_path):
    (tmp_path / "app.py").write_text("print('hi')\n")
    app, _ = make_app(tmp_path, ["Editing.\n" + call("edit", path="app.py", old_string="hi", new_string="hello"), "Done."])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await turn(pilot, "fix it")
        block = app.query_one(ToolBlock)
        assert (block.tool_name, block.status) == ("edit", "ok")
        assert "app.py" in str(block.title) and block.duration_s is not None
        assert not block.collapsed  # diffs are shown unfolded
        assert "+print('hello')" in block.output
        assert (tmp_path / "app.py").read_text() == "print('hello')\n"


async def test_a_failing_tool_shows_an_error_block(tmp_path):
    app, _ = make_app(tmp_path, [call("read_file", path="missing.py"), "It is missing."])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await turn(pilot, "read it")
        assert app.query_one(ToolBlock).status == "error"


async def test_allow_once_runs_the_command(tmp_path):
    app, _ = make_app(tmp_path, [call("shell", command="echo approved > out.txt"), "Ran it."], approval="ask")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await say(pilot, "run it")
        await wait_until(pilot, lambda: isinstance(app.screen, ApprovalScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: app.turns_done == 1)
        assert (tmp_path / "out.txt").read_text().strip() == "approved"
        assert app.query_one(ToolBlock).status == "ok"


async def test_allow_for_session_is_not_asked_again(tmp_path):
    replies = [call("shell", command="echo 1"), call("shell", command="echo 2"), "Done."]
    app, _ = make_app(tmp_path, replies, approval="ask")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await say(pilot, "run both")
        await wait_until(pilot, lambda: isinstance(app.screen, ApprovalScreen))
        await pilot.press("a")
        await wait_until(pilot, lambda: app.turns_done == 1)
        assert [b.status for b in app.query(ToolBlock)] == ["ok", "ok"]


async def test_deny_with_a_note_tells_the_model(tmp_path):
    app, backend = make_app(tmp_path, [call("shell", command="rm -rf build"), "Understood."], approval="ask")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await say(pilot, "clean up")
        await wait_until(pilot, lambda: isinstance(app.screen, ApprovalScreen))
        app.screen.query_one("#note").value = "use make clean instead"
        await pilot.press("n")
        await wait_until(pilot, lambda: app.turns_done == 1)
        assert app.query_one(ToolBlock).status == "error"
        tool_message = backend.calls[1][-1]
        assert tool_message.role == "tool" and "use make clean instead" in tool_message.content


async def test_esc_interrupts_a_slow_reply_and_the_session_goes_on(tmp_path):
    # a reply far longer than the wait for it (4,000 chunks at 20 ms): the esc lands while it streams
    app, backend = make_app(tmp_path, ["word " * 4000, "Second answer."], delay_s=0.02, chunk_chars=5)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await say(pilot, "talk a lot")
        await wait_until(pilot, lambda: app.query(AssistantText) and len(app.query_one(AssistantText).text) > 20)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.turns_done == 1)
        assert app.last_outcome == "interrupted"
        assert any("interrupted" in t for t in texts(app, Notice))
        await turn(pilot, "again")
        assert texts(app, AssistantText)[-1] == "Second answer."
    log = read_log(tmp_path / "log.jsonl")
    assert log.problems == []
    stop = next(e for e in log.events if isinstance(e, TurnInterrupted))
    assert stop.during == "generation" and stop.partial_text.startswith("word word")


async def test_ctrl_c_while_idle_twice_quits_and_ends_the_log(tmp_path):
    app, _ = make_app(tmp_path, ["Hi."])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await turn(pilot, "hi")
        await pilot.press("ctrl+c")
        assert app.status.hint and app.is_running
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: not app.is_running)
    assert read_log(tmp_path / "log.jsonl").ended.reason == "done"


async def test_shift_tab_cycles_the_approval_mode(tmp_path):
    app, _ = make_app(tmp_path, [], approval="auto-edit")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("shift+tab")
        assert app.session.policy.mode == "yolo" and app.status.mode == "yolo"
        await pilot.press("shift+tab")
        assert app.session.policy.mode == "read-only"


async def test_up_recalls_history_saved_per_project(tmp_path):
    app, _ = make_app(tmp_path, ["One.", "Two."])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await turn(pilot, "first message")
        await pilot.press("up")
        assert app.prompt.text == "first message"
        await pilot.press("down")
        assert app.prompt.text == ""
    assert PromptHistory(tmp_path / ".limi" / "history").entries == ["first message"]


async def test_shift_enter_and_ctrl_j_add_newlines(tmp_path):
    app, _ = make_app(tmp_path, [])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("a", "ctrl+j", "b", "shift+enter", "c")
        assert app.prompt.text == "a\nb\nc" and not app.working


async def test_slash_completion_and_help(tmp_path):
    app, _ = make_app(tmp_path, [])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("/", "h", "e")
        assert app.completions.shown and app.completions.chosen() == "/help "
        await pilot.press("tab")
        assert app.prompt.text == "/help "
        await pilot.press("enter")
        await wait_until(pilot, lambda: any("/resume" in t for t in texts(app, Notice)))
        assert "/resume" in texts(app, Notice)[-1]


async def test_mode_command_sets_the_mode(tmp_path):
    app, _ = make_app(tmp_path, [])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await say(pilot, "/mode ask")
        await wait_until(pilot, lambda: any("approval mode: ask" in t for t in texts(app, Notice)))
        assert app.session.policy.mode == "ask" and app.status.mode == "ask"


async def test_at_mention_completes_and_attaches_the_file(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "calculator.py").write_text("def add(a, b):\n    return a + b\n")
    app, backend = make_app(tmp_path, ["Seen."])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press(*"explain @calc")
        assert app.completions.chosen() == "src/calculator.py"
        await pilot.press("tab")
        assert app.prompt.text == "explain @src/calculator.py "
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.turns_done == 1)
        sent = backend.calls[0][-1].content
        assert sent.startswith("explain @src/calculator.py") and "return a + b" in sent
        assert "src/calculator.py" in str(app.query_one(UserMessage).render())


@pytest.mark.parametrize("command", ["/clear", "/sessions", "/model", "/export rows.jsonl"])
async def test_commands_answer_in_the_chat(tmp_path, command):
    app, _ = make_app(tmp_path, ["Hi."])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await turn(pilot, "hi")
        before, notices = app.session, len(app.query(Notice))
        await say(pilot, command)
        if command == "/clear":  # a new session, an empty transcript
            await wait_until(pilot, lambda: app.session not in (None, before) and not app.query(UserMessage))
        else:  # the command's answer
            await wait_until(pilot, lambda: len(app.query(Notice)) > notices)
    if command.startswith("/export"):
        assert (tmp_path / "rows.jsonl").read_text().strip()
