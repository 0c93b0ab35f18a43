"""Long chats stay light: only the last blocks stay mounted, the earlier ones come back a page at a
time (scrolling up to the top, or a click on the "earlier blocks" line) in their order, and a
resumed log builds only its tail. Timings are measured in benchmarks/bench_tui_long.py, not here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Static

from agent.backends.scripted import ScriptedBackend
from agent.config import Config
from agent.policy import Policy
from agent.session import Session
from agent.session_builder import resume_session
from agent.tools.registry import default_tools
from agent.trajectory import TrajectoryWriter
from limi_cli.tui.app import ChatApp
from limi_cli.tui.history import PromptHistory
from limi_cli.tui.widgets.assistant_text import AssistantText
from limi_cli.tui.widgets.chat_view import ChatView
from limi_cli.tui.widgets.earlier_blocks import EarlierBlocks
from limi_cli.tui.widgets.notice import Notice
from limi_cli.tui.widgets.tool_block import ToolBlock
from limi_cli.tui.widgets.user_message import UserMessage
from tests.pilot_helpers import ready, turn, wait_until

SIZE = (100, 30)
pytestmark = pytest.mark.anyio


def call(name: str, **arguments) -> str:
    return f'<tool_call>{json.dumps({"name": name, "arguments": arguments})}</tool_call>'


def replies(turns: int) -> list[str]:
    """Per turn: a read_file call, then a Markdown answer naming the turn."""
    out = []
    for i in range(turns):
        out += [f"Reading for task {i}.\n" + call("read_file", path="notes.txt"),
                f"## Answer {i}\n\n- the notes say *milk*\n- task **{i}** done\n"]
    return out


def chat_app(ws: Path, backend: ScriptedBackend, resume: Path | None = None) -> ChatApp:
    def factory(approver, log):
        if log is not None:
            return resume_session(Config(approval="yolo"), ws, log, backend=backend, approver=approver)
        return Session(backend, default_tools(), workspace=ws, session_id="long", system_prompt="SYS",
                       policy=Policy(mode="yolo", approver=approver), writer=TrajectoryWriter(ws / "log.jsonl"),
                       mode="chat")

    return ChatApp(factory, ws, resume=resume, history=PromptHistory(None))


def user_texts(view: ChatView) -> list[str]:
    return [b.text for b in view.blocks if isinstance(b, UserMessage)]


async def show_all_earlier(pilot, view: ChatView) -> None:
    """Scroll to the top again and again, as a person would, until every block is back."""
    while view.earlier:
        left = len(view.earlier)
        await wait_until(pilot, lambda: view.scroll_y >= 1 or view.max_scroll_y < 1)
        view.scroll_home(animate=False, immediate=True)
        if view.max_scroll_y < 1:  # nothing to scroll: the line at the top is there to click
            await pilot.click(EarlierBlocks)
        await wait_until(pilot, lambda: len(view.earlier) < left)


async def test_a_long_chat_keeps_few_blocks_mounted_and_scrolling_up_brings_back_the_earlier_ones(tmp_path):
    (tmp_path / "notes.txt").write_text("milk\n")
    turns = 14
    app = chat_app(tmp_path, ScriptedBackend(replies(turns)))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        view = app.query_one(ChatView)
        view.max_live, view.keep, view.page = 12, 8, 5
        for i in range(turns):
            await turn(pilot, f"task {i}")
            assert len(view.blocks) <= view.max_live
        # per turn: the user's message, the text before the call, the tool block, the answer
        assert len(view.earlier) + len(view.blocks) == 1 + 4 * turns  # the welcome notice first
        assert all(callable(e) for e in view.earlier)  # unmounted, kept as makers
        placeholder = view.query_one(EarlierBlocks)
        assert placeholder.count == len(view.earlier)
        assert f"{len(view.earlier)} earlier blocks" in str(placeholder.render())
        assert user_texts(view)[-1] == f"task {turns - 1}" and "task 0" not in user_texts(view)

        first_shown = view.blocks[0]
        view.scroll_home(animate=False, immediate=True)  # up to the top: a page of earlier blocks comes back
        row = first_shown.virtual_region.y - view.scroll_y  # where it is in the view
        await wait_until(pilot, lambda: view.blocks[0] is not first_shown)
        assert view.blocks.index(first_shown) == view.page  # above what was shown, in order
        # what was on screen stays where it was: the new blocks are above, out of sight
        await wait_until(pilot, lambda: view.scroll_y >= 1 and first_shown.virtual_region.y - view.scroll_y == row)

        await show_all_earlier(pilot, view)
        assert not view.query(EarlierBlocks)
        assert isinstance(view.blocks[0], Notice)  # the welcome line
        assert user_texts(view) == [f"task {i}" for i in range(turns)]
        answers = [b.text for b in view.blocks if isinstance(b, AssistantText) and b.text.startswith("## Answer")]
        assert answers == [f"## Answer {i}\n\n- the notes say *milk*\n- task **{i}** done\n" for i in range(turns)]
        tools = [b for b in view.blocks if isinstance(b, ToolBlock)]
        assert len(tools) == turns and all(b.status == "ok" and "milk" in b.output for b in tools)

        # back at the bottom, the next turn trims again
        view.scroll_end(animate=False, immediate=True)
        await wait_until(pilot, lambda: view.following)
        await turn(pilot, "one more")
        assert len(view.blocks) <= view.max_live and view.earlier


async def test_resuming_a_long_log_builds_only_its_tail_and_the_rest_loads_on_demand(tmp_path):
    (tmp_path / "notes.txt").write_text("milk\n")
    turns = 40  # 160 blocks, more than a view keeps mounted
    session = Session(ScriptedBackend(replies(turns)), default_tools(), workspace=tmp_path, session_id="long",
                      system_prompt="SYS", policy=Policy(mode="yolo"), writer=TrajectoryWriter(tmp_path / "log.jsonl"),
                      mode="chat")
    session.start()
    for i in range(turns):
        list(session.send(f"task {i}"))
    session.end()

    app = chat_app(tmp_path, ScriptedBackend([]), resume=tmp_path / "log.jsonl")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.session is not None and view_ready(app))
        view = app.query_one(ChatView)
        assert len(view.blocks) == view.keep + 1 <= view.max_live  # the tail only, and the "resumed" notice
        assert len(view.earlier) + len(view.blocks) == 4 * turns + 1  # + the "resumed" notice
        assert "resumed session" in view.blocks[-1].text
        assert view.blocks[-2].text.startswith(f"## Answer {turns - 1}")
        assert len(app.query(ToolBlock)) < turns  # old blocks were never built

        view.page = 50
        await show_all_earlier(pilot, view)
        assert user_texts(view) == [f"task {i}" for i in range(turns)]
        assert [b.status for b in view.blocks if isinstance(b, ToolBlock)] == ["ok"] * turns


def view_ready(app: ChatApp) -> bool:
    blocks = app.query_one(ChatView).blocks
    return bool(blocks) and "resumed session" in getattr(blocks[-1], "text", "")


async def test_a_streamed_answer_ends_whole_however_it_was_batched(tmp_path):
    answer = "".join(f"## Part {i}\n\nSome `code` and **bold** text, line {i}.\n\n```python\nx = {i}\n```\n\n"
                     for i in range(40))
    app = chat_app(tmp_path, ScriptedBackend([answer], chunk_chars=3))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await turn(pilot, "write a lot")
        shown = app.query(AssistantText).last()
        assert shown.text == answer and shown.source == answer
        assert not shown.streaming


class Opaque(Static):
    """A block with no ``frozen()``: the view cannot rebuild it."""


class ViewApp(App):
    def compose(self) -> ComposeResult:
        yield ChatView(max_live=6, keep=4, page=3)


async def test_blocks_that_cannot_be_rebuilt_are_hidden_in_place_and_busy_ones_stay():
    app = ViewApp()
    async with app.run_test(size=(60, 12)) as pilot:
        view = app.query_one(ChatView)
        busy = Notice("still streaming")
        view.busy = lambda block: block is busy
        await view.add(busy)
        for i in range(5):
            await view.add(Notice(f"n{i}"))
        await view.add(Opaque("opaque"))
        assert len(view.blocks) == 7  # over the limit, but the oldest is busy: nothing goes
        view.busy = lambda block: False
        for i in range(5, 10):
            await view.add(Notice(f"n{i}"))
        assert len(view.blocks) <= 6
        opaque = app.query_one(Opaque)  # still mounted, hidden where it was
        assert opaque in view.earlier and not opaque.display
        assert [type(e) for e in view.earlier].count(Opaque) == 1

        await view.load_earlier(100)
        await pilot.pause()
        names = [getattr(b, "text", None) or str(b.render()) for b in view.blocks]
        assert names == ["still streaming"] + [f"n{i}" for i in range(5)] + ["opaque"] + [f"n{i}" for i in range(5, 10)]
        assert opaque.display and not view.earlier and not view.query(EarlierBlocks)


class TallViewApp(App):
    def compose(self) -> ComposeResult:
        yield ChatView(max_live=4, keep=2, page=2)


async def test_when_everything_fits_a_click_on_the_line_or_the_wheel_at_the_top_shows_earlier_blocks():
    app = TallViewApp()
    async with app.run_test(size=(60, 40)) as pilot:
        view = app.query_one(ChatView)
        for i in range(7):
            await view.add(Notice(f"n{i}"))
        assert [b.text for b in view.blocks] == ["n3", "n4", "n5", "n6"] and len(view.earlier) == 3
        await pilot.pause()
        assert view.max_scroll_y == 0  # nothing to scroll: the line at the top is the way back
        await pilot.click(EarlierBlocks)
        await wait_until(pilot, lambda: len(view.earlier) == 1)
        assert [b.text for b in view.blocks] == [f"n{i}" for i in range(1, 7)]
        assert view.query_one(EarlierBlocks).count == 1
        view.post_message(events.MouseScrollUp(view, 1, 1, 0, -1, 0, False, False, False))
        await wait_until(pilot, lambda: not view.earlier)
        assert [b.text for b in view.blocks] == [f"n{i}" for i in range(7)]
        assert not view.query(EarlierBlocks)
