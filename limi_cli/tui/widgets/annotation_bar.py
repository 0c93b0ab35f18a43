"""One line summing up a trajectory's annotation as it is being reviewed."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from agent.curation.annotations import Annotation

_OUTCOME_STYLE = {"success": "green", "partial": "yellow", "fail": "red"}


def annotation_text(a: Annotation, saved_to: str = "") -> Text:
    """``outcome · quality ★★★☆☆ · tags · cut · not-to-train · redactions``, and where it was saved."""
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append("outcome ")
    out.append(a.outcome or "-", style=_OUTCOME_STYLE.get(a.outcome or "", "dim"))
    out.append(" · quality ")
    out.append(f"{'★' * a.quality}{'☆' * (5 - a.quality)} {a.quality}" if a.quality else "-",
               style="yellow" if a.quality else "dim")
    out.append(" · tags ")
    out.append(", ".join(a.tags) or "-", style="" if a.tags else "dim")
    out.append(f" · cut at {a.cut_at_step}" if a.cut_at_step else "")
    if a.exclude_steps:
        out.append(f" · not-to-train {', '.join(map(str, a.exclude_steps))}")
    if a.redactions:
        out.append(f" · {len(a.redactions)} redaction{'s' * (len(a.redactions) > 1)}")
    if saved_to:
        out.append(f"  saved {saved_to}", style="dim")
    return out


class AnnotationBar(Static):
    """Shows an :class:`Annotation`; call :meth:`show` after every change."""

    DEFAULT_CSS = """
    AnnotationBar { height: 1; padding: 0 1; background: $boost; }
    """

    def show(self, annotation: Annotation, saved_to: str = "") -> None:
        self.update(annotation_text(annotation, saved_to))
