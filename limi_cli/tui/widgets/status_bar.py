"""The footer: a spinner with the elapsed time while the model works, then model, backend,
approval mode, tokens used, context fill and session id. Only this line repaints as it ticks."""

from __future__ import annotations

import time

from rich.text import Text
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def human_tokens(n: int) -> str:
    return f"{n / 1000:.1f}k" if n >= 1000 else str(n)


class StatusBar(Widget):
    """One line of session facts; set its reactives, it repaints itself."""

    DEFAULT_CSS = """
    StatusBar { height: 1; dock: bottom; padding: 0 1; background: $panel; color: $text-muted; }
    """

    model: reactive[str] = reactive("")
    backend: reactive[str] = reactive("")
    mode: reactive[str] = reactive("")
    tokens: reactive[int] = reactive(0)
    context_pct: reactive[int | None] = reactive(None)
    session_id: reactive[str] = reactive("")
    working: reactive[bool] = reactive(False)
    hint: reactive[str] = reactive("")

    def __init__(self) -> None:
        super().__init__()
        self._since = 0.0
        self._timer: Timer | None = None

    def watch_working(self, working: bool) -> None:
        if working:
            self._since = time.monotonic()
            self._timer = self.set_interval(0.1, self.refresh)
        elif self._timer is not None:
            self._timer.stop()
            self._timer = None

    def elapsed(self) -> float:
        return time.monotonic() - self._since if self.working else 0.0

    def render(self) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis")
        if self.working:
            frame = SPINNER[int(self.elapsed() * 10) % len(SPINNER)]
            out.append(f"{frame} working {self.elapsed():.1f}s", style="bold yellow")
            out.append("  esc to stop │ ", style="dim")
        elif self.hint:
            out.append(self.hint, style="bold")
            out.append(" │ ", style="dim")
        out.append(f"{self.model} ({self.backend})")
        out.append(" │ ", style="dim")
        mode_style = {"yolo": "bold red", "read-only": "cyan", "plan": "bold magenta", "ask": "green"}.get(self.mode, "")
        out.append(self.mode, style=mode_style)
        out.append(" (shift+tab)", style="dim")
        out.append(" │ ", style="dim")
        out.append(f"{human_tokens(self.tokens)} tokens")
        if self.context_pct is not None:
            out.append(f" │ ctx {self.context_pct}%")
        out.append(" │ ", style="dim")
        out.append(self.session_id, style="dim")
        return out
