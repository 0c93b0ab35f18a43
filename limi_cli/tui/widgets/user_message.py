"""What the user said, as sent (attachments noted under it)."""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static


class UserMessage(Static):
    """One user message in the chat."""

    DEFAULT_CSS = """
    UserMessage {
        margin: 1 0 0 0;
        padding: 0 1;
        border-left: thick $accent;
        background: $boost;
    }
    """

    def __init__(self, text: str, attached: list[str] | None = None):
        body = Text(text)
        for note in attached or []:
            body.append(f"\n+ {note}", style="dim")
        super().__init__(body)
        self.text, self.attached = text, list(attached or [])

    def frozen(self) -> Callable[[], Widget] | None:
        """A maker of a fresh copy of this block (see :class:`ChatView`)."""
        if type(self) is not UserMessage:
            return None
        text, attached = self.text, self.attached
        return lambda: UserMessage(text, attached)
