"""Session events into chat blocks: the one place that knows which widget shows which event.

Used for the live turn and to render a resumed session's logged history; it keeps the
block being streamed and the tool blocks waiting for their result.
"""

from __future__ import annotations

from agent.events import (
    AssistantMessage,
    SessionEnded,
    TextDelta,
    ToolResult,
    TurnInterrupted,
    UserMessage,
)
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
            await self._assistant(event, live=True)
        elif isinstance(event, ToolResult):
            await self._tool_result(event)
        elif isinstance(event, TurnInterrupted):
            await self.end_stream()
            await self.notice("interrupted: the session goes on; say what to do next", "warning")
        elif (line := event_line(event)) is not None:
            await self.view.add(EventLine(line))

    async def replay(self, events: list) -> None:
        """Render a logged conversation (a resumed session): whole messages, no streaming."""
        kept = False  # the interrupted reply was logged as a message (logs before that keep it only here)
        for event in events:
            if isinstance(event, UserMessage):
                await self.user(event.content)
            elif isinstance(event, AssistantMessage):
                await self._assistant(event, live=False)
            elif isinstance(event, ToolResult):
                await self._tool_result(event)
            elif isinstance(event, TurnInterrupted):
                if event.partial_text and not kept:
                    await self.view.add(AssistantText(event.partial_text))
                await self.notice("interrupted", "warning")
            elif isinstance(event, SessionEnded) and event.reason == "error":
                await self.notice(f"error: {event.error}", "error")
            elif (line := event_line(event)) is not None:
                await self.view.add(EventLine(line))
            kept = isinstance(event, AssistantMessage) and event.interrupted
        await self.end_stream()

    async def _delta(self, event: TextDelta) -> None:
        if event.reasoning:
            if self.reasoning is None:
                self.reasoning = await self.view.add(ReasoningBlock())  # type: ignore[assignment]
            self.reasoning.append(event.text)
            return
        if self.reasoning is not None:
            self.reasoning.fold()
        if self.text is None:
            self.text = await self.view.add(AssistantText())  # type: ignore[assignment]
        await self.text.stream(event.text)

    async def _assistant(self, event: AssistantMessage, live: bool) -> None:
        if not live:
            if event.reasoning:
                await self.view.add(ReasoningBlock(event.reasoning, collapsed=True))
            if event.content:
                await self.view.add(AssistantText(event.content))
        elif self.text is None and event.content:  # nothing streamed (a backend that does not stream)
            await self.view.add(AssistantText(event.content))
        await self.end_stream()
        for i, call in enumerate(event.tool_calls):
            block = await self.view.add(ToolBlock(call.id, call.name, call.arguments, call.error))
            self.tools[call.id] = block  # type: ignore[assignment]
            if live and i == 0:
                block.set_running()  # type: ignore[attr-defined]

    async def _tool_result(self, event: ToolResult) -> None:
        block = self.tools.pop(event.tool_call_id, None)
        if block is None:
            block = await self.view.add(ToolBlock(event.tool_call_id, event.name, {}))  # type: ignore[assignment]
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
