"""A unified diff, coloured: additions green, removals red, hunk headers cyan."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


def looks_like_diff(text: str) -> bool:
    return "\n--- " in f"\n{text}" and "\n+++ " in text and "\n@@" in text


def diff_text(diff: str) -> Text:
    out = Text()
    for line in diff.splitlines():
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        elif line.startswith("@@"):
            style = "cyan"
        else:
            style = ""
        out.append(line + "\n", style=style)
    out.rstrip()
    return out


class DiffView(Static):
    """A coloured unified diff (other lines of the text are shown plain)."""

    DEFAULT_CSS = """
    DiffView { padding: 0 1; }
    """

    def __init__(self, diff: str):
        super().__init__(diff_text(diff))
        self.diff = diff
