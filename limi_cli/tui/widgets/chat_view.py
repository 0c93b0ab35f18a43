"""The scrolling conversation. It stays at the bottom while things stream in, until the user
scrolls up (then it leaves the view alone: no jumps).

A long chat keeps only its last blocks mounted: every layout walks all mounted widgets, so a
session of thousands of events would otherwise get slower with each block (and hold every
widget in memory). Past :attr:`ChatView.max_live` blocks, while the view follows the bottom,
the oldest are unmounted and kept as small makers (a block's ``frozen()``: a function that
builds a fresh copy of it as it was); an :class:`EarlierBlocks` line at the top counts them.
Scrolling up past the top, or a click on that line, mounts them again a page at a time and
keeps what was on screen where it was. A block that cannot be rebuilt (no ``frozen()``, or it
returns None) is hidden instead of unmounted, so the order always holds.
"""

from __future__ import annotations

from typing import Callable, Literal, Union

from textual import events
from textual.containers import VerticalScroll
from textual.widget import Widget

from limi_cli.tui.widgets.earlier_blocks import EarlierBlocks

Maker = Callable[[], Widget]
Earlier = Union[Maker, Widget]  # a maker, or a block kept mounted but hidden


class ChatView(VerticalScroll, can_focus=False):
    """A container of chat blocks, newest last."""

    DEFAULT_CSS = """
    ChatView { height: 1fr; padding: 0 1; scrollbar-size-vertical: 1; }
    """
    MAX_LIVE = 30  # the most blocks mounted at once while the view follows the bottom
    KEEP = 20  # how many stay mounted after a trim (trims come in batches, not one per block)
    PAGE = 20  # blocks mounted again per "show earlier"

    def __init__(self, *, max_live: int | None | Literal["default"] = "default", keep: int | None = None,
                 page: int | None = None, **kwargs):
        """``max_live=None`` keeps every block mounted; left out, the class's :attr:`MAX_LIVE` (and
        :attr:`KEEP`, :attr:`PAGE`) apply."""
        super().__init__(**kwargs)
        self.max_live = self.MAX_LIVE if max_live == "default" else max_live
        self.page = page or self.PAGE
        self.keep = min(keep or self.KEEP, self.max_live) if self.max_live is not None else None
        self.earlier: list[Earlier] = []  # blocks before the mounted ones, oldest first
        self.busy: Callable[[Widget], bool] = lambda block: False  # still being updated: never unmounted
        self._placeholder: EarlierBlocks | None = None
        self._hidden: set[int] = set()  # ids of the hidden blocks in ``earlier``
        self._load_pending = False

    def on_mount(self) -> None:
        self.anchor()

    # -- what is shown ------------------------------------------------------------------------

    @property
    def blocks(self) -> list[Widget]:
        """The blocks mounted and shown, oldest first."""
        return [w for w in self.children if w is not self._placeholder and id(w) not in self._hidden]

    @property
    def following(self) -> bool:
        """Is the view kept at the bottom (the user has not scrolled away)?"""
        return self.is_anchored and not self._anchor_released

    async def add(self, block: Widget) -> Widget:
        await self.mount(block)
        await self.trim()
        return block

    async def add_all(self, makers: list[Maker]) -> None:
        """Add many finished blocks at once (a resumed session's history): only the last
        :attr:`keep` are built and mounted; the rest wait in :attr:`earlier`."""
        split = 0 if self.keep is None else max(0, len(makers) - self.keep)
        if split:
            await self._freeze(self.blocks)  # what is shown already comes before them
            self.earlier.extend(makers[:split])
            await self._sync_placeholder()
        await self.mount_all([make() for make in makers[split:]])
        await self.trim()

    async def clear(self) -> None:
        self.earlier.clear()
        self._hidden.clear()
        self._placeholder = None
        await self.remove_children()
        self.anchor()

    # -- keeping the mounted blocks few ---------------------------------------------------------

    async def trim(self) -> None:
        """While following the bottom, unmount the oldest blocks past :attr:`max_live` (down to :attr:`keep`)."""
        if self.max_live is None or self.keep is None or not self.following:
            return
        shown = self.blocks
        if len(shown) <= self.max_live:
            return
        old: list[Widget] = []
        for block in shown[: len(shown) - self.keep]:
            if self.busy(block):
                break
            old.append(block)
        await self._freeze(old)

    async def _freeze(self, blocks: list[Widget]) -> None:
        if not blocks:
            return
        gone = []
        for block in blocks:
            frozen = getattr(block, "frozen", None)
            maker = frozen() if callable(frozen) else None
            if maker is None:  # cannot be rebuilt: hidden where it is
                block.display = False
                self._hidden.add(id(block))
                self.earlier.append(block)
            else:
                self.earlier.append(maker)
                gone.append(block)
        await self._sync_placeholder()
        if gone:
            await self.remove_children(gone)

    async def _sync_placeholder(self) -> None:
        if self.earlier and self._placeholder is None:
            self._placeholder = EarlierBlocks()
            await self.mount(self._placeholder, before=0)
        elif not self.earlier and self._placeholder is not None:
            placeholder, self._placeholder = self._placeholder, None
            await placeholder.remove()
        if self._placeholder is not None:
            self._placeholder.show(len(self.earlier))

    # -- showing earlier blocks again -----------------------------------------------------------

    def request_earlier(self) -> None:
        """Show a page of earlier blocks soon (once, however many times it is asked before it runs)."""
        if self.earlier and not self._load_pending:
            self._load_pending = True
            self.call_later(self.load_earlier)

    async def load_earlier(self, count: int | None = None) -> int:
        """Mount the last ``count`` (default :attr:`page`) earlier blocks again, above the shown
        ones, keeping the shown ones where they are on screen; returns how many."""
        self._load_pending = False
        if not self.earlier:
            return 0
        count = count or self.page
        page, self.earlier = self.earlier[-count:], self.earlier[:-count]
        shown = self.blocks
        anchor = shown[0] if shown else None
        offset = anchor.virtual_region.y - self.scroll_y if anchor is not None else 0
        mounts, run = [], []
        for item in page:
            if isinstance(item, Widget):  # a hidden block: makers before it go before it
                if run:
                    mounts.append(self.mount_all(run, before=item))
                    run = []
                self._hidden.discard(id(item))
                item.display = True
            else:
                run.append(item())
        if run:
            mounts.append(self.mount_all(run, before=anchor) if anchor is not None else self.mount_all(run))
        for mounting in mounts:
            await mounting
        await self._sync_placeholder()
        if anchor is not None:
            self.call_after_refresh(self._keep_in_place, anchor, offset)
        return len(page)

    def _keep_in_place(self, block: Widget, offset: int) -> None:
        if block.is_attached:
            self.scroll_to(y=block.virtual_region.y - offset, animate=False, immediate=True)

    def on_earlier_blocks_load(self, message: EarlierBlocks.Load) -> None:
        message.stop()
        self.request_earlier()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value < 1 <= old_value and self.earlier and not self.following:  # the user scrolled to the top
            self.request_earlier()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        if self.scroll_y < 1 and self.earlier and not (event.ctrl or event.shift):  # up again at the top
            event.stop()
            self.request_earlier()
