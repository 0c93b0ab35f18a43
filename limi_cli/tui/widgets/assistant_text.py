"""The assistant's answer as Markdown, streamed: only the last block re-renders as text arrives,
and at most :attr:`AssistantText.FLUSH_S` apart, so a fast model never keeps the UI busy."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Callable

from textual.widget import Widget
from textual.widgets import Markdown


class ThrottledStream:
    """Appends streamed fragments to a :class:`Markdown` widget in batches.

    The first fragment shows at once; later ones are merged and appended at most every
    ``interval`` seconds, and never sooner than the last append took (a slow one, say of a long
    code block, spaces out the next). Each append costs a layout and a repaint of the scrolled
    chat whatever its size, so fewer, larger appends are what keeps the UI thread light. Textual's
    ``MarkdownStream`` appends again as soon as the last append is done: at 200 tokens/s that
    took 40-50% of the UI thread and, through the GIL, slowed the model's thread down with it.
    """

    def __init__(self, markdown: Markdown, interval: float):
        self.markdown, self.interval = markdown, interval
        self._pending: list[str] = []
        self._wake = asyncio.Event()
        self._closing = asyncio.Event()
        self._task = asyncio.create_task(self._run())

    async def write(self, fragment: str) -> None:
        """Queue ``fragment``; it never waits for the screen (async like Textual's ``MarkdownStream.write``)."""
        if fragment:
            self._pending.append(fragment)
            self._wake.set()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self._pending:
                chunk = "".join(self._pending)
                self._pending.clear()
                started = time.monotonic()
                await self.markdown.append(chunk)
                pause = max(self.interval, time.monotonic() - started)
                if not self._closing.is_set():
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(self._closing.wait(), pause)
                    self._wake.set()  # look again: text may have come during the pause
            if self._closing.is_set() and not self._pending:
                return

    async def stop(self) -> None:
        """Append what is still pending and end."""
        self._closing.set()
        self._wake.set()
        await self._task

    def cancel(self) -> None:
        self._task.cancel()


class AssistantText(Markdown):
    """Markdown that grows with :meth:`stream`; :meth:`finish` flushes what is still queued."""

    DEFAULT_CSS = """
    AssistantText { margin: 1 0 0 0; padding: 0 1; background: transparent; }
    """
    FLUSH_S = 0.15  # about 7 Markdown updates a second while streaming (Rich's Live refreshes 4 a second)

    def __init__(self, text: str = ""):
        super().__init__(text)
        self.text = text
        self._stream: ThrottledStream | None = None

    async def stream(self, fragment: str) -> None:
        """Add streamed text; fragments that come faster than :attr:`FLUSH_S` are merged."""
        self.text += fragment
        if self._stream is None:
            self._stream = ThrottledStream(self, self.FLUSH_S)
        await self._stream.write(fragment)

    @property
    def streaming(self) -> bool:
        return self._stream is not None

    async def finish(self) -> None:
        if self._stream is not None:
            stream, self._stream = self._stream, None
            await stream.stop()

    def on_unmount(self) -> None:
        if self._stream is not None:  # removed mid-stream (/clear): nothing more to show
            self._stream.cancel()
            self._stream = None

    def frozen(self) -> Callable[[], Widget] | None:
        """A maker of a fresh copy of this finished answer (see :class:`ChatView`); None while it streams."""
        if self._stream is not None or type(self) is not AssistantText:
            return None
        text = self.text
        return lambda: AssistantText(text)
