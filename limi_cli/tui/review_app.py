"""The app of ``limi-cli review``: one :class:`~limi_cli.tui.screens.review_screen.ReviewScreen`."""

from __future__ import annotations

from textual.app import App

from limi_cli.tui.review_items import ReviewItem
from limi_cli.tui.screens.review_screen import ReviewScreen


class ReviewApp(App[int]):
    """Step through ``items`` and annotate them; exits with 0."""

    TITLE = "limi-cli review"

    def __init__(self, items: list[ReviewItem]):
        super().__init__()
        self.items = items

    def on_mount(self) -> None:
        self.push_screen(ReviewScreen(self.items))
