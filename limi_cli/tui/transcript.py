"""Session events into chat blocks: the one place that knows which widget shows which event.

Used for the live turn and to render a resumed session's logged history; it keeps the
block being streamed and the tool blocks waiting for their result. A resumed history is turned
into block makers, not widgets: the view builds only the last ones (see :class:`ChatView`).
"""

from __future__ import annotations

from typing import Callable

from textual.widget import Widget

from agent.events import (
    AssistantMessage,
    SessionEnded,
    TextDelta,
    ToolResult,
    TurnInterrupted,
    UserMessage,
)
from agent.messages import ToolCall
from limi_cli.chat.outcomes import event_line
from limi_cli.tui.widgets.assistant_text import AssistantText
from limi_cli.tui.widgets.chat_view import ChatView
from limi_cli.tui.widgets.event_line import EventLine
from limi_cli.tui.widgets.notice import Notice
from limi_cli.tui.widgets.reasoning_block import ReasoningBlock
from limi_cli.tui.widgets.tool_block import ToolBlock
from limi_cli.tui.widgets.user_message import UserMessage as UserBlock


class Transcript:
    """Renders events into a :class:`ChatView`, in order."""

    def __init__(self, view: ChatView):
        self.view = view
        self.text: AssistantText | None = None  # the answer streaming now
        self.reasoning: ReasoningBlock | None = None
        self.tools: dict[str, ToolBlock] = {}  # call id -> block, until its result arrives
        view.busy = self.busy

    def busy(self, block: Widget) -> bool:
        """Is ``block`` still to be updated (the view must keep it mounted)?"""
        return block is self.text or block is self.reasoning or block in self.tools.values()

    async def user(self, text: str, attached: list[str] | None = None) -> None:
        await self.end_stream()
        await self.view.add(UserBlock(text, attached))

    async def notice(self, text: str, level: str = "info") -> None:
        await self.end_stream()
        await self.view.add(Notice(text, level))  # type: ignore[arg-type]

    async def show(self, event) -> None:
        """Render one live event."""
        if isinstance(event, TextDelta):
            await self._delta(event)
        elif isinstance(event, AssistantMessage):
            await self._assistant(event)
        elif isinstance(event, ToolResult):
            await self._tool_result(event)
        elif isinstance(event, TurnInterrupted):
            await self.end_stream()
            await self.notice("interrupted: the session goes on; say what to do next", "warning")
        elif (line := event_line(event)) is not None:
            await self.view.add(EventLine(line))

    async def replay(self, events: list) -> None:
        """Render a logged conversation (a resumed session): whole messages, no streaming. The
        blocks are made as makers and only the last ones are built, so a long log opens at once."""
        await self.end_stream()
        makers: list[Callable[[], Widget]] = []
        waiting: dict[str, int] = {}  # call id -> its block's place in makers, until its result
        calls: dict[str, ToolCall] = {}
        kept = False  # the interrupted reply was logged as a message (logs before that keep it only here)
        add = makers.append
        for event in events:
            if isinstance(event, UserMessage):
                add(lambda text=event.content: UserBlock(text))
            elif isinstance(event, AssistantMessage):
                if event.reasoning:
                    add(lambda text=event.reasoning: ReasoningBlock(text, collapsed=True))
                if event.content:
                    add(lambda text=event.content: AssistantText(text))
                for call in event.tool_calls:
                    waiting[call.id], calls[call.id] = len(makers), call
                    add(lambda c=call: ToolBlock(c.id, c.name, c.arguments, c.error))
            elif isinstance(event, ToolResult):
                result = (event.output, event.is_error, event.duration_s)
                i, call = waiting.pop(event.tool_call_id, None), calls.pop(event.tool_call_id, None)
                if i is None or call is None:
                    add(lambda e=event, r=result: ToolBlock(e.tool_call_id, e.name, {}, result=r))
                else:
                    makers[i] = lambda c=call, r=result: ToolBlock(c.id, c.name, c.arguments, c.error, result=r)
            elif isinstance(event, TurnInterrupted):
                if event.partial_text and not kept:
                    add(lambda text=event.partial_text: AssistantText(text))
                add(lambda: Notice("interrupted", "warning"))
            elif isinstance(event, SessionEnded) and event.reason == "error":
                add(lambda text=f"error: {event.error}": Notice(text, "error"))  # type: ignore[misc]
            elif (line := event_line(event)) is not None:
                add(lambda text=line: EventLine(text))
            kept = isinstance(event, AssistantMessage) and event.interrupted
        await self.view.add_all(makers)

    async def _delta(self, event: TextDelta) -> None:
        if event.reasoning:
            if self.reasoning is None:
                self.reasoning = ReasoningBlock()
                await self.view.add(self.reasoning)
            self.reasoning.append(event.text)
            return
        if self.reasoning is not None:
            self.reasoning.fold()
        if self.text is None:
            self.text = AssistantText()  # set before it is added: the view must not unmount it
            await self.view.add(self.text)
        await self.text.stream(event.text)

    async def _assistant(self, event: AssistantMessage) -> None:
        if self.text is None and event.content:  # nothing streamed (a backend that does not stream)
            await self.view.add(AssistantText(event.content))
        await self.end_stream()
        for i, call in enumerate(event.tool_calls):
            block = ToolBlock(call.id, call.name, call.arguments, call.error)
            self.tools[call.id] = block  # before it is added: the view must not unmount it
            await self.view.add(block)
            if i == 0:
                block.set_running()

    async def _tool_result(self, event: ToolResult) -> None:
        block = self.tools.pop(event.tool_call_id, None)
        if block is None:
            await self.view.add(ToolBlock(event.tool_call_id, event.name, {},
                                          result=(event.output, event.is_error, event.duration_s)))
        else:
            block.set_result(event.output, event.is_error, event.duration_s)
        if self.tools:
            next(iter(self.tools.values())).set_running()

    async def end_stream(self) -> None:
        """Finish the streaming answer (flush its Markdown) and fold the reasoning."""
        if self.text is not None:
            await self.text.finish()
            self.text = None
        if self.reasoning is not None:
            self.reasoning.fold()
            self.reasoning = None

    async def clear(self) -> None:
        self.text, self.reasoning, self.tools = None, None, {}
        await self.view.clear()
