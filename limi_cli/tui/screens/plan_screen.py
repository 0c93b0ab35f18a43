"""Plan mode's modal: the plan the model presented, editable, to accept (going on in auto-edit
or ask) or to reject with a note that reaches the model."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static, TextArea

from limi_cli.tui.approver import PlanRequest


class PlanScreen(ModalScreen[None]):
    """Answers one :class:`PlanRequest`; dismissed once answered."""

    DEFAULT_CSS = """
    PlanScreen { align: center middle; }
    PlanScreen > Vertical { width: 90%; max-width: 120; height: 90%;
        border: thick $accent; background: $surface; padding: 1 2; }
    PlanScreen #question { text-style: bold; }
    PlanScreen #help { color: $text-muted; margin-bottom: 1; }
    PlanScreen #plan { height: 1fr; }
    PlanScreen Horizontal { height: auto; margin-top: 1; }
    PlanScreen Button { margin-right: 1; }
    PlanScreen Input { margin-top: 1; }
    """

    BINDINGS = [
        Binding("a", "accept", "accept, auto-edit", show=False),
        Binding("k", "accept_ask", "accept, ask", show=False),
        Binding("e", "edit", "edit the plan", show=False),
        Binding("r", "reject_note", "reject with a note", show=False),
        Binding("ctrl+s", "accept", "accept, auto-edit", show=False),
        Binding("escape", "escape", "leave the editor / reject", show=False),
    ]

    def __init__(self, request: PlanRequest):
        super().__init__()
        self.request = request

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("The agent's plan"), id="question")
            yield Static(Text("a accept and go on in auto-edit · k accept, ask before each action · e edit the plan "
                              "(esc leaves the editor, ctrl+s accepts) · r reject with a note"), id="help")
            yield TextArea(self.request.plan, id="plan", soft_wrap=True, show_line_numbers=False)
            with Horizontal():
                yield Button("Accept, auto-edit [a]", id="accept", variant="success")
                yield Button("Accept, ask [k]", id="accept_ask", variant="primary")
                yield Button("Edit [e]", id="edit")
                yield Button("Reject [r]", id="reject", variant="error")
            yield Input(placeholder="note for the model when rejecting (enter rejects with it)", id="note")

    def on_mount(self) -> None:
        self.query_one("#accept", Button).focus()

    @property
    def plan_text(self) -> str:
        return self.query_one("#plan", TextArea).text

    def action_accept(self) -> None:
        self.request.accept("auto-edit", self.plan_text)
        self.dismiss()

    def action_accept_ask(self) -> None:
        self.request.accept("ask", self.plan_text)
        self.dismiss()

    def action_edit(self) -> None:
        self.query_one("#plan", TextArea).focus()

    def action_reject_note(self) -> None:
        self.query_one("#note", Input).focus()

    def action_reject(self) -> None:
        self.request.deny(self.query_one("#note", Input).value)
        self.dismiss()

    def action_escape(self) -> None:
        if isinstance(self.focused, (TextArea, Input)):
            self.query_one("#accept", Button).focus()
        else:
            self.action_reject()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        actions = {"accept": self.action_accept, "accept_ask": self.action_accept_ask, "edit": self.action_edit,
                   "reject": self.action_reject}
        actions[event.button.id or "reject"]()

    @on(Input.Submitted, "#note")
    def _note(self) -> None:
        self.action_reject()
