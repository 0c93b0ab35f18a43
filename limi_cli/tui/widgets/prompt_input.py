"""The multi-line prompt: enter sends, shift+enter or ctrl+j adds a newline; up on the first
line and down on the last ask for history (or move through the suggestions)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual import events
from textual.message import Message
from textual.widgets import TextArea


class PromptInput(TextArea):
    """A TextArea that posts messages for the keys the app decides about."""

    DEFAULT_CSS = """
    PromptInput { height: auto; min-height: 3; max-height: 12; border: round $accent; padding: 0 1; }
    PromptInput:disabled { border: round $panel; }
    """

    @dataclass
    class Submitted(Message):
        """Enter: send (or accept the highlighted suggestion)."""

        text: str

    @dataclass
    class Navigate(Message):
        """Up on the first line or down on the last: history, or the suggestion list."""

        direction: Literal["up", "down"]

    @dataclass
    class Complete(Message):
        """Tab: accept the highlighted suggestion."""

    def __init__(self, **kwargs) -> None:
        super().__init__(soft_wrap=True, show_line_numbers=False, tab_behavior="focus", **kwargs)

    async def _on_key(self, event: events.Key) -> None:
        key = event.key
        if key == "enter":
            self._consume(event)
            self.post_message(self.Submitted(self.text))
        elif key in ("shift+enter", "ctrl+j", "alt+enter"):
            self._consume(event)
            self.insert("\n")
        elif key == "tab":
            self._consume(event)
            self.post_message(self.Complete())
        elif key == "up" and self.cursor_location[0] == 0:
            self._consume(event)
            self.post_message(self.Navigate("up"))
        elif key == "down" and self.cursor_location[0] == self.document.line_count - 1:
            self._consume(event)
            self.post_message(self.Navigate("down"))
        else:
            await super()._on_key(event)

    @staticmethod
    def _consume(event: events.Key) -> None:
        event.stop()
        event.prevent_default()

    def set_text(self, text: str) -> None:
        """Replace the text and put the cursor at its end."""
        self.load_text(text)
        self.move_cursor(self.document.end)
