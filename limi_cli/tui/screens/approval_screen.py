"""The approval modal: allow once (y), allow for this session (a), or deny (n) with an
optional note that goes to the model."""

from __future__ import annotations

import json
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from limi_cli.tui.approver import ApprovalRequest, approval_diff
from limi_cli.tui.widgets.diff_view import diff_text

PREVIEW_CHARS = 1500


def preview(request: ApprovalRequest, workspace: Path | None = None) -> Text:
    """What the call would do: the command, or the edit as a diff (a write against the file now)."""
    args = request.arguments
    if request.tool == "shell" and "command" in args:
        return Text(f"$ {args['command']}")
    if (diff := approval_diff(request.tool, args, workspace)) is not None:
        return diff_text(diff)
    text = json.dumps(args, indent=2, ensure_ascii=False)
    return Text(text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + "\n…")


class ApprovalScreen(ModalScreen[None]):
    """Asks about one request and resolves it; dismissed once answered."""

    DEFAULT_CSS = """
    ApprovalScreen { align: center middle; }
    ApprovalScreen > Vertical { width: 90%; max-width: 110; height: auto; max-height: 90%;
        border: thick $warning; background: $surface; padding: 1 2; }
    ApprovalScreen #question { text-style: bold; margin-bottom: 1; }
    ApprovalScreen #preview { max-height: 20; overflow-y: auto; background: $boost; padding: 0 1; }
    ApprovalScreen Horizontal { height: auto; margin-top: 1; }
    ApprovalScreen Button { margin-right: 1; }
    ApprovalScreen Input { margin-top: 1; }
    """

    BINDINGS = [
        Binding("y", "allow", "allow once", show=False),
        Binding("a", "allow_session", "allow for this session", show=False),
        Binding("n", "deny", "deny", show=False),
        Binding("escape", "deny", "deny", show=False),
    ]

    def __init__(self, request: ApprovalRequest):
        super().__init__()
        self.request = request

    def compose(self) -> ComposeResult:
        r = self.request
        with Vertical():
            yield Static(Text(f"Allow {r.tool}? ({r.kind}, approval mode {r.mode})"), id="question")
            yield Static(Text(r.summary, style="dim"))
            yield Static(preview(r, getattr(self.app, "workspace", None)), id="preview")
            with Horizontal():
                yield Button("Allow once [y]", id="allow", variant="success")
                yield Button("Allow for session [a]", id="allow_session", variant="primary")
                yield Button("Deny [n]", id="deny", variant="error")
            yield Input(placeholder="note for the model when denying (enter denies with it)", id="note")

    def on_mount(self) -> None:
        self.query_one("#allow", Button).focus()

    def action_allow(self) -> None:
        self.request.allow()
        self.dismiss()

    def action_allow_session(self) -> None:
        self.request.allow(remember=True)
        self.dismiss()

    def action_deny(self) -> None:
        self.request.deny(self.query_one("#note", Input).value)
        self.dismiss()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        {"allow": self.action_allow, "allow_session": self.action_allow_session, "deny": self.action_deny}[event.button.id or "deny"]()

    @on(Input.Submitted, "#note")
    def _note(self) -> None:
        self.action_deny()
