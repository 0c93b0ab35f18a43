"""One dim line for a bookkeeping event of the log (its text: :func:`limi_cli.chat.outcomes.event_line`)."""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static


class EventLine(Static):
    """A compact, dimmed line in the chat."""

    DEFAULT_CSS = """
    EventLine { padding: 0 1; color: $text-muted; text-style: italic; }
    """

    def __init__(self, text: str):
        super().__init__(Text(text))
        self.text = text

    def frozen(self) -> Callable[[], Widget] | None:
        """A maker of a fresh copy of this block (see :class:`ChatView`)."""
        if type(self) is not EventLine:
            return None
        text = self.text
        return lambda: EventLine(text)
