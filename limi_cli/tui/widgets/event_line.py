"""One dim line for a bookkeeping event of the log: checkpoints, undos, compactions, expert steps."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from agent.events import Checkpoint, Compaction, ExpertStep, Undo


def event_line(event) -> str | None:
    """The line for ``event``, or None when it is not one of these events."""
    if isinstance(event, Checkpoint):
        if event.commit is None:
            return f"◆ no checkpoint before {event.tool} (step {event.step}): {event.error}"
        return f"◆ checkpoint {event.step} before {event.tool} · /undo {event.step} puts the files back"
    if isinstance(event, Undo):
        return (f"↶ undo to checkpoint {event.step}: {len(event.restored)} files written back, "
                f"{len(event.deleted)} deleted")
    if isinstance(event, Compaction):
        return f"≡ compacted ({event.trigger}): {event.replaced} older messages replaced by a summary"
    if isinstance(event, ExpertStep):
        how = {"expert": "written by the expert", "model": "the model's proposal, accepted",
               "edited": "the model's proposal, edited by the expert"}[event.source]
        return f"✎ step {event.turn}: {how}"
    return None


class EventLine(Static):
    """A compact, dimmed line in the chat."""

    DEFAULT_CSS = """
    EventLine { padding: 0 1; color: $text-muted; text-style: italic; }
    """

    def __init__(self, text: str):
        super().__init__(Text(text))
        self.text = text
