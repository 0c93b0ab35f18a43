"""One tool call: a compact line (status, name, key argument, duration) that unfolds to the
output, cut to its first lines. Edits show their unified diff, coloured."""

from __future__ import annotations

from typing import Any, Callable, Literal

from rich.text import Text
from textual.markup import escape
from textual.widget import Widget
from textual.widgets import Collapsible, Static

from limi_cli.tui.widgets.diff_view import DiffView, looks_like_diff

Status = Literal["waiting", "running", "ok", "error"]
SHOWN_LINES = 40
_KEY_ARGS = ("command", "path", "pattern", "query", "url")
_GLYPH = {"waiting": "[dim]○[/]", "running": "[yellow]●[/]", "ok": "[green]✓[/]", "error": "[red]✗[/]"}


def key_arguments(arguments: dict[str, Any], limit: int = 70) -> str:
    """The arguments worth a glance (the command, the path...), on one short line."""
    keys = [k for k in _KEY_ARGS if k in arguments] or [k for k, v in arguments.items() if isinstance(v, str)][:1]
    text = " ".join(" ".join(str(arguments[k]).split()) for k in keys)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cut_output(output: str, lines: int = SHOWN_LINES) -> str:
    parts = output.splitlines()
    if len(parts) <= lines:
        return output
    return "\n".join(parts[:lines]) + f"\n[... {len(parts) - lines} more lines]"


class ToolBlock(Collapsible):
    """A tool call and, once it ran, its result."""

    DEFAULT_CSS = """
    ToolBlock { margin: 0; padding: 0; border: none; background: transparent; }
    /* The full row, not its text's width: an auto width measured for "○ read_file x" could be
       kept after the heading grew to "✓ read_file x  0.05s" (Textual reuses a size measured
       before a pending layout ran), which cut the duration off. */
    ToolBlock > CollapsibleTitle { width: 1fr; }
    ToolBlock > Contents { padding: 0 0 0 2; }
    ToolBlock .tool-output { color: $text-muted; }
    """

    def __init__(self, call_id: str, name: str, arguments: dict[str, Any], error: str | None = None, *,
                 result: tuple[str, bool, float] | None = None, collapsed: bool | None = None):
        """``result`` is ``(output, is_error, duration_s)`` for a block shown with its result
        already in (a resumed session, a block loaded again); ``collapsed`` overrides the default
        (folded, except a diff)."""
        self.call_id, self.tool_name, self.arguments, self.error = call_id, name, arguments, error
        self.status: Status = "waiting"
        self.duration_s: float | None = None
        self.output = ""
        self._args = error and f"invalid call: {error}" or key_arguments(arguments)
        children: list[Widget] = []
        if result is not None:
            output, is_error, self.duration_s = result
            self.status, self.output = ("error" if is_error else "ok"), output
            body, unfold = self._body(output)
            children.append(body)
            collapsed = (not unfold) if collapsed is None else collapsed
        super().__init__(*children, title=self._heading(), collapsed=True if collapsed is None else collapsed)

    def _heading(self) -> str:
        duration = f"  [dim]{self.duration_s:.2f}s[/]" if self.duration_s is not None else ""
        note = {"running": "  [dim]running…[/]", "error": "  [red]error[/]"}.get(self.status, "")
        return f"{_GLYPH[self.status]} [b]{escape(self.tool_name)}[/b] {escape(self._args)}{note}{duration}"

    @staticmethod
    def _body(output: str) -> tuple[Widget, bool]:
        """The widget showing ``output``, and whether the block opens for it (a diff does)."""
        shown = cut_output(output)
        if looks_like_diff(shown):
            return DiffView(shown), True
        return Static(Text(shown), classes="tool-output"), False

    def set_running(self) -> None:
        self.status = "running"
        self.title = self._heading()

    def set_result(self, output: str, is_error: bool, duration_s: float) -> None:
        """Show the result; a diff is shown unfolded, other output stays folded."""
        self.status, self.output, self.duration_s = ("error" if is_error else "ok"), output, duration_s
        self.title = self._heading()
        body, unfold = self._body(output)
        self.query_one(Collapsible.Contents).mount(body)
        if unfold:
            self.collapsed = False

    @property
    def done(self) -> bool:
        return self.status in ("ok", "error")

    def frozen(self) -> Callable[[], Widget] | None:
        """A maker of a fresh copy of this block, folded or not as it is now (see :class:`ChatView`;
        a call that never got its result comes back waiting)."""
        if type(self) is not ToolBlock:
            return None
        call_id, name, arguments, error = self.call_id, self.tool_name, self.arguments, self.error
        result = (self.output, self.status == "error", self.duration_s or 0.0) if self.done else None
        collapsed = self.collapsed
        return lambda: ToolBlock(call_id, name, arguments, error, result=result, collapsed=collapsed)
