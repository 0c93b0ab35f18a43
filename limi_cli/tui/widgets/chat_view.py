"""The scrolling conversation. It stays at the bottom while things stream in, until the user
scrolls up (then it leaves the view alone: no jumps)."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widget import Widget


class ChatView(VerticalScroll, can_focus=False):
    """A container of chat blocks, newest last."""

    DEFAULT_CSS = """
    ChatView { height: 1fr; padding: 0 1; scrollbar-size-vertical: 1; }
    """

    def on_mount(self) -> None:
        self.anchor()

    async def add(self, block: Widget) -> Widget:
        await self.mount(block)
        return block

    async def clear(self) -> None:
        await self.remove_children()
        self.anchor()
