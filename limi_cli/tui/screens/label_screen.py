"""The end of a demonstration: the expert labels it (outcome, quality 1-5, tags, notes).
Dismissed with the label as a dict (the :class:`~agent.curation.annotations.Annotation`
fields), or None to leave it unlabelled."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Select, Static, TextArea

from agent.curation.annotations import OUTCOMES


class LabelScreen(ModalScreen[dict | None]):
    """A small form; ctrl+s saves, esc skips."""

    DEFAULT_CSS = """
    LabelScreen { align: center middle; }
    LabelScreen > Vertical { width: 80%; max-width: 90; height: auto; border: thick $success;
        background: $surface; padding: 1 2; }
    LabelScreen Horizontal { height: auto; margin-top: 1; }
    LabelScreen Select { width: 1fr; }
    LabelScreen #notes { height: 5; }
    LabelScreen Button { margin-right: 1; }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "save", show=False),
        Binding("escape", "skip", "skip", show=False),
    ]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Label the demonstration (saved beside its log)", classes="heading")
            with Horizontal():
                yield Select([(o, o) for o in OUTCOMES], prompt="outcome", id="outcome")
                yield Select([(f"quality {q}", q) for q in range(5, 0, -1)], prompt="quality 1-5", id="quality")
            yield Input(placeholder="tags, comma separated", id="tags")
            yield TextArea(id="notes", soft_wrap=True, show_line_numbers=False, tab_behavior="focus")
            with Horizontal():
                yield Button("Save [ctrl+s]", id="save", variant="success")
                yield Button("Skip [esc]", id="skip")

    def on_mount(self) -> None:
        self.query_one("#outcome", Select).focus()

    def label(self) -> dict:
        """The form's values; fields left empty are left out."""
        out: dict = {}
        outcome, quality = self.query_one("#outcome", Select).value, self.query_one("#quality", Select).value
        if outcome is not Select.NULL:
            out["outcome"] = outcome
        if quality is not Select.NULL:
            out["quality"] = quality
        tags = [t.strip() for t in self.query_one("#tags", Input).value.split(",") if t.strip()]
        if tags:
            out["tags"] = list(dict.fromkeys(tags))
        notes = self.query_one("#notes", TextArea).text.strip()
        if notes:
            out["notes"] = notes
        return out

    def action_save(self) -> None:
        self.dismiss(self.label())

    def action_skip(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_save() if event.button.id == "save" else self.action_skip()
