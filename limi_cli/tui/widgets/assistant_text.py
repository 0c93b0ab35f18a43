"""The assistant's answer as Markdown, streamed: only the last block re-renders as text arrives."""

from __future__ import annotations

from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownStream


class AssistantText(Markdown):
    """Markdown that grows with :meth:`stream`; :meth:`finish` flushes what is still queued."""

    DEFAULT_CSS = """
    AssistantText { margin: 1 0 0 0; padding: 0 1; background: transparent; }
    """

    def __init__(self, text: str = ""):
        super().__init__(text)
        self.text = text
        self._stream: MarkdownStream | None = None

    async def stream(self, fragment: str) -> None:
        """Add streamed text; fragments that come faster than a repaint are merged."""
        self.text += fragment
        if self._stream is None:
            self._stream = Markdown.get_stream(self)
        await self._stream.write(fragment)

    async def finish(self) -> None:
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
