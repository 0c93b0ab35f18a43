"""The model's reasoning: dimmed, open while it streams, folded away once the answer starts."""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Collapsible, Static


class ReasoningBlock(Collapsible):
    """A collapsible "thinking" block; :meth:`append` adds streamed reasoning."""

    DEFAULT_CSS = """
    ReasoningBlock { margin: 1 0 0 0; border: none; padding: 0; background: transparent; }
    ReasoningBlock Static { color: $text-muted; text-style: italic; }
    """

    def __init__(self, text: str = "", collapsed: bool = False):
        self.text = text
        self._body = Static(Text(text))
        super().__init__(self._body, title="thinking", collapsed=collapsed)

    def append(self, fragment: str) -> None:
        self.text += fragment
        self._body.update(Text(self.text))

    def fold(self) -> None:
        self.collapsed = True

    def frozen(self) -> Callable[[], Widget] | None:
        """A maker of a fresh copy of this block, folded or not as it is now (see :class:`ChatView`)."""
        if type(self) is not ReasoningBlock:
            return None
        text, collapsed = self.text, self.collapsed
        return lambda: ReasoningBlock(text, collapsed=collapsed)
