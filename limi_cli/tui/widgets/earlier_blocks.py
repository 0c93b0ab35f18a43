"""The line at the top of a long chat standing for the blocks it no longer keeps on screen."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Static


class EarlierBlocks(Static):
    """``▲ N earlier blocks: scroll up or click to show them``; a click asks its :class:`ChatView` to load a page."""

    DEFAULT_CSS = """
    EarlierBlocks { padding: 0 1; color: $text-muted; text-style: italic; }
    EarlierBlocks:hover { color: $text; background: $boost; }
    """

    class Load(Message):
        """Show a page of the earlier blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def show(self, count: int) -> None:
        self.count = count
        self.update(Text(f"▲ {count} earlier block{'s' * (count != 1)}: scroll up or click to show them"))

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(self.Load())
