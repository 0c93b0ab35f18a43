"""A line from limi-cli itself in the chat: command output, interruptions, errors."""

from __future__ import annotations

from typing import Callable, Literal

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static


class Notice(Static):
    """Plain text, dimmed for info, red for errors, yellow for warnings."""

    DEFAULT_CSS = """
    Notice { margin: 1 0 0 0; padding: 0 1; color: $text-muted; }
    Notice.error { color: $error; }
    Notice.warning { color: $warning; }
    """

    def __init__(self, text: str, level: Literal["info", "warning", "error"] = "info"):
        super().__init__(Text(text), classes=level)
        self.text, self.level = text, level

    def frozen(self) -> Callable[[], Widget] | None:
        """A maker of a fresh copy of this block (see :class:`ChatView`)."""
        if type(self) is not Notice:
            return None
        text, level = self.text, self.level
        return lambda: Notice(text, level)
