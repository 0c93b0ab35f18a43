"""The model's todo list (the ``todo`` tool), above the prompt; hidden while the list is empty."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

_MARK = {"done": ("✓", "green"), "in_progress": ("▶", "bold yellow"), "pending": ("○", "")}
SHOWN_ITEMS = 8


def todo_text(items: list[dict[str, str]]) -> Text:
    """``todo 1/3`` then one line an item (done ones dimmed); long lists show the open items first."""
    done = sum(i.get("status") == "done" for i in items)
    out = Text(f"todo {done}/{len(items)}", style="bold")
    shown = items if len(items) <= SHOWN_ITEMS else [i for i in items if i.get("status") != "done"][:SHOWN_ITEMS]
    for item in shown:
        mark, style = _MARK.get(item.get("status", "pending"), _MARK["pending"])
        out.append(f"\n{mark} ", style=style)
        out.append(item.get("content", ""), style="dim strike" if item.get("status") == "done" else style)
    if len(shown) < len(items):
        out.append(f"\n… {len(items) - len(shown)} more", style="dim")
    return out


class TodoPanel(Static):
    """Call :meth:`show` with the whole list each time a todo result arrives."""

    DEFAULT_CSS = """
    TodoPanel { display: none; height: auto; max-height: 10; margin: 0 1; padding: 0 1;
        border-left: thick $secondary; background: $boost; }
    TodoPanel.-shown { display: block; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.items: list[dict[str, str]] = []

    def show(self, items: list[dict[str, str]]) -> None:
        self.items = list(items)
        self.set_class(bool(items), "-shown")
        self.update(todo_text(items) if items else "")
