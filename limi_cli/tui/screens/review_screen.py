"""Review trajectories step by step: rate, tag, set the outcome, redact, cut, mark not-to-train.

Every change is saved at once (see :mod:`limi_cli.tui.review_items`); the logs and
datasets themselves are never written.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from agent.curation.annotations import OUTCOMES
from limi_cli.tui.review_items import ReviewItem
from limi_cli.tui.widgets.annotation_bar import AnnotationBar

KEYS = ("q quit · up/down step · 1-5 quality · o outcome · x not-to-train · c cut here · "
        "ctrl+r redact selection · t tags · r redact text · n notes · [ ] trajectory")  # quit first: a narrow footer cuts the end


class ReviewScreen(Screen[None]):
    """Steps of one trajectory at a time; ``[`` and ``]`` move between trajectories."""

    DEFAULT_CSS = """
    ReviewScreen { layout: vertical; }
    ReviewScreen #title { height: auto; max-height: 3; padding: 0 1; background: $panel; text-style: bold; }
    ReviewScreen Horizontal#body { height: 1fr; }
    ReviewScreen #steps { width: 44; height: 1fr; border: round $panel; }
    ReviewScreen #steps:focus { border: round $accent; }
    ReviewScreen #step { width: 1fr; height: 1fr; border: round $panel; }
    ReviewScreen #step:focus { border: round $accent; }
    ReviewScreen Horizontal#fields { height: 3; }
    ReviewScreen Horizontal#fields Input { width: 1fr; }
    ReviewScreen #keys { height: 1; padding: 0 1; color: $text-muted; }
    """

    BINDINGS = [
        *[Binding(str(n), f"rate({n})", f"quality {n}", show=False) for n in range(1, 6)],
        Binding("o", "cycle_outcome", "outcome", show=False),
        Binding("x", "toggle_exclude", "not-to-train", show=False),
        Binding("c", "toggle_cut", "cut here", show=False),
        Binding("ctrl+r", "redact_selection", "redact selection", show=False),
        Binding("t", "focus('#tags')", "tags", show=False),
        Binding("r", "focus('#redact')", "redact", show=False),
        Binding("n", "focus('#notes')", "notes", show=False),
        Binding("right_square_bracket", "trajectory(1)", "next trajectory", show=False),
        Binding("left_square_bracket", "trajectory(-1)", "previous trajectory", show=False),
        Binding("escape", "focus('#steps')", "steps", show=False),
        Binding("q", "quit_review", "quit", show=False),
    ]

    def __init__(self, items: list[ReviewItem]):
        super().__init__()
        self.items = items
        self.index = 0  # the trajectory shown
        self.step = 1  # the step shown (1-based)
        self.saved_to = ""

    @property
    def item(self) -> ReviewItem:
        return self.items[self.index]

    def compose(self) -> ComposeResult:
        yield Static(id="title")
        with Horizontal(id="body"):
            yield OptionList(id="steps")
            yield TextArea(id="step", read_only=True, soft_wrap=True, show_line_numbers=False)
        yield AnnotationBar()
        with Horizontal(id="fields"):
            yield Input(placeholder="tags, comma separated (enter saves)", id="tags")
            yield Input(placeholder="text to redact (enter adds)", id="redact")
            yield Input(placeholder="notes (enter saves)", id="notes")
        yield Static(Text(KEYS), id="keys")

    def on_mount(self) -> None:
        self.show_item()

    # -- showing ----------------------------------------------------------------------

    def show_item(self) -> None:
        """Show the current trajectory from its first step."""
        item = self.item
        task = " ".join(item.task.split())
        title = f"review {self.index + 1}/{len(self.items)} · {item.id} · {len(item.steps)} steps\ntask: {task}"
        self.query_one("#title", Static).update(Text(title, overflow="ellipsis"))
        self.query_one("#tags", Input).value = ", ".join(item.annotation.tags)
        self.query_one("#notes", Input).value = item.annotation.notes
        self.query_one("#redact", Input).value = ""
        self.saved_to = ""
        self.step = 1
        self.refresh_steps()
        steps = self.query_one("#steps", OptionList)
        if item.steps:
            steps.highlighted = 0
        steps.focus()
        self.show_step()

    def refresh_steps(self) -> None:
        """Rebuild the step list (markers change as steps are cut or excluded)."""
        steps = self.query_one("#steps", OptionList)
        highlighted = steps.highlighted
        steps.clear_options()
        steps.add_options([Option(self._step_label(s.number, s.summary()), id=str(s.number)) for s in self.item.steps])
        if highlighted is not None and steps.option_count:
            steps.highlighted = min(highlighted, steps.option_count - 1)
        self.query_one(AnnotationBar).show(self.item.annotation, self.saved_to)

    def _step_label(self, number: int, summary: str) -> Text:
        a = self.item.annotation
        marks = ("✂" if a.cut_at_step == number else " ") + ("⊘" if number in a.exclude_steps else " ")
        dropped = a.cut_at_step is not None and number > a.cut_at_step
        return Text(f"{number:>3} {marks} {summary}", style="dim strike" if dropped else "")

    def show_step(self) -> None:
        area = self.query_one("#step", TextArea)
        if not self.item.steps:
            area.load_text("(this trajectory has no assistant step)")
            return
        step = self.item.steps[self.step - 1]
        a = self.item.annotation
        notes = []
        if step.number in a.exclude_steps:
            notes.append("[not-to-train: loss mask off for this step]")
        if a.cut_at_step is not None and step.number > a.cut_at_step:
            notes.append(f"[cut: the trajectory ends at step {a.cut_at_step}; this step is dropped]")
        head = f"step {step.number}/{len(self.item.steps)}" + ("  " + " ".join(notes) if notes else "")
        area.load_text(f"{head}\n\n{step.text()}")

    @on(OptionList.OptionHighlighted, "#steps")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id:
            self.step = int(event.option.id)
            self.show_step()

    @on(OptionList.OptionSelected, "#steps")
    def _selected(self) -> None:
        self.query_one("#step", TextArea).focus()

    # -- changing the annotation -----------------------------------------------------

    def save(self) -> None:
        """Save the annotation now and show where it went."""
        self.item.annotation.source = self.item.annotation.source or "review"
        path = self.item.save()
        self.saved_to = _short(path)
        self.refresh_steps()
        self.show_step()

    def action_rate(self, quality: int) -> None:
        self.item.annotation.quality = quality
        self.save()

    def action_cycle_outcome(self) -> None:
        order = [None, *OUTCOMES]
        a = self.item.annotation
        a.outcome = order[(order.index(a.outcome) + 1) % len(order)]  # type: ignore[assignment]
        self.save()

    def action_toggle_exclude(self) -> None:
        if not self.item.steps:
            return
        a = self.item.annotation
        steps = set(a.exclude_steps) ^ {self.step}
        a.exclude_steps = sorted(steps)
        self.save()

    def action_toggle_cut(self) -> None:
        if not self.item.steps:
            return
        a = self.item.annotation
        a.cut_at_step = None if a.cut_at_step == self.step else self.step
        self.save()

    def action_redact_selection(self) -> None:
        selected = self.query_one("#step", TextArea).selected_text
        if not selected.strip():
            self.notify("select text in the step first (shift+arrows or the mouse), then ctrl+r", severity="warning")
            return
        self.add_redaction(selected)

    def add_redaction(self, span: str) -> None:
        a = self.item.annotation
        if span and span not in a.redactions:
            a.redactions = [*a.redactions, span]
            self.save()
            self.notify(f"redacted at export: {span[:40]!r}")

    def action_trajectory(self, delta: int) -> None:
        self.index = (self.index + delta) % len(self.items)
        self.show_item()

    def action_focus(self, selector: str) -> None:
        self.query_one(selector).focus()

    def action_quit_review(self) -> None:
        self.app.exit(0)

    @on(Input.Submitted, "#tags")
    def _tags(self, event: Input.Submitted) -> None:
        self.item.annotation.tags = list(dict.fromkeys(t.strip() for t in event.value.split(",") if t.strip()))
        self.save()
        self.query_one("#steps").focus()

    @on(Input.Submitted, "#notes")
    def _notes(self, event: Input.Submitted) -> None:
        self.item.annotation.notes = event.value.strip()
        self.save()
        self.query_one("#steps").focus()

    @on(Input.Submitted, "#redact")
    def _redact(self, event: Input.Submitted) -> None:
        self.add_redaction(event.value)
        event.input.value = ""
        self.query_one("#steps").focus()


def _short(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
