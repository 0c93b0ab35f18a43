"""Pick a logged session of this workspace to resume; dismissed with its log path or ``None``."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from agent.session_store import SessionSummary
from limi_cli.chat.commands import session_label


class SessionPicker(ModalScreen[Path | None]):
    """A list of sessions, newest first; enter resumes, escape cancels."""

    DEFAULT_CSS = """
    SessionPicker { align: center middle; }
    SessionPicker > Vertical { width: 90%; max-width: 120; height: auto; max-height: 80%;
        border: thick $accent; background: $surface; padding: 1 2; }
    SessionPicker OptionList { height: auto; max-height: 20; }
    """

    BINDINGS = [Binding("escape", "cancel", "cancel", show=False)]

    def __init__(self, sessions: list[SessionSummary]):
        super().__init__()
        self.sessions = sessions

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Resume which session? (enter resumes, esc cancels)")
            yield OptionList(*[Option(session_label(s), id=str(s.path)) for s in self.sessions])

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(Path(event.option.id or ""))

    def action_cancel(self) -> None:
        self.dismiss(None)
