"""One step of a live demonstration: the expert accepts the model's proposal (a), edits it (e),
or writes the step themselves (w): a thought, and a tool call in a form built from the tool's
schema (or no call: a final answer). ctrl+s runs the step; esc stops the turn."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Select, Static, TextArea

from agent.backends.demonstration import DemoCall, DemoStep
from agent.tools.base import Tool
from limi_cli.tui.step_request import StepRequest
from limi_cli.tui.widgets.tool_form import FormError, ToolForm

ANSWER = "__answer__"  # the tool choice "no call: a final answer"


def proposal_text(proposal: dict[str, Any]) -> Text:
    """The proposal as the expert reads it: reasoning dimmed, the thought, each call as JSON."""
    out = Text()
    if proposal.get("reasoning"):
        out.append(proposal["reasoning"] + "\n", style="dim italic")
    out.append(proposal.get("content") or "(no text)", style="" if proposal.get("content") else "dim")
    for call in proposal.get("tool_calls") or []:
        if call.get("error"):
            out.append(f"\ninvalid call: {call['error']}", style="red")
        else:
            out.append(f"\n→ {call.get('name')} {json.dumps(call.get('arguments') or {}, ensure_ascii=False)}", style="bold cyan")
    return out


class ExpertStepScreen(ModalScreen[None]):
    """Resolves ``request`` with the expert's :class:`DemoStep`, or cancels it (esc)."""

    DEFAULT_CSS = """
    ExpertStepScreen { align: center middle; }
    ExpertStepScreen > VerticalScroll { width: 95%; max-width: 120; height: auto; max-height: 95%;
        border: thick $accent; background: $surface; padding: 1 2; }
    ExpertStepScreen #heading { text-style: bold; }
    ExpertStepScreen #proposal { background: $boost; padding: 0 1; margin: 1 0; }
    ExpertStepScreen Horizontal { height: auto; }
    ExpertStepScreen Button { margin-right: 1; }
    ExpertStepScreen #editor { height: auto; display: none; }
    ExpertStepScreen.-editing #editor { display: block; }
    ExpertStepScreen.-editing #choices { display: none; }
    ExpertStepScreen #thought { height: auto; min-height: 3; max-height: 8; }
    ExpertStepScreen #error { color: $error; }
    """

    BINDINGS = [
        Binding("a", "accept", "accept", show=False),
        Binding("e", "edit", "edit", show=False),
        Binding("w", "write", "write", show=False),
        Binding("ctrl+s", "run_step", "run the step", show=False),
        Binding("escape", "stop", "stop the turn", show=False),
    ]

    def __init__(self, request: StepRequest, tools: dict[str, Tool]):
        super().__init__()
        self.request, self.tools = request, tools
        self.editing: str | None = None  # "edit" or "write" once the editor is open

    def compose(self) -> ComposeResult:
        p = self.request.proposal
        with VerticalScroll():
            heading = f"Step {self.request.number}: " + ("the model proposes" if p else "write the next step")
            yield Static(heading, id="heading")
            if p is not None:
                yield Static(proposal_text(p), id="proposal")
            with Horizontal(id="choices"):
                if p is not None:
                    yield Button("Accept [a]", id="accept", variant="success")
                    yield Button("Edit [e]", id="edit", variant="primary")
                yield Button("Write my own [w]", id="write")
            with Vertical(id="editor"):
                yield Static("thought (what the assistant says before acting, or the final answer):")
                yield TextArea(id="thought", soft_wrap=True, show_line_numbers=False, tab_behavior="focus")
                options = [("no tool call: a final answer", ANSWER)] + [(name, name) for name in self.tools]
                yield Select(options, value=ANSWER, allow_blank=False, id="tool")
                yield Vertical(id="form")
                yield Static(id="error")
                with Horizontal():
                    yield Button("Run this step [ctrl+s]", id="run", variant="success")
                    yield Button("Stop the turn [esc]", id="stop", variant="error")

    def on_mount(self) -> None:
        if self.request.proposal is None:
            self.action_write()
        else:
            self.query_one("#accept", Button).focus()

    # -- choices ------------------------------------------------------------------------

    def action_accept(self) -> None:
        if self.editing is None and self.request.proposal is not None:
            self._done(DemoStep(kind="propose", propose="accept", origin="tui"))

    def action_edit(self) -> None:
        p = self.request.proposal
        if self.editing is not None or p is None:
            return
        calls = [c for c in p.get("tool_calls") or [] if c.get("name") in self.tools]
        self._open_editor("edit", p.get("content") or "", calls[0] if calls else None)

    def action_write(self) -> None:
        if self.editing is None:
            self._open_editor("write", "", None)

    def _open_editor(self, how: str, thought: str, call: dict[str, Any] | None) -> None:
        self.editing = how
        self.add_class("-editing")
        self.query_one("#thought", TextArea).load_text(thought)
        tool = call["name"] if call else ANSWER
        self.query_one("#tool", Select).value = tool
        self._show_form(tool, (call or {}).get("arguments") or {})
        self.query_one("#thought", TextArea).focus()

    @on(Select.Changed, "#tool")
    def _tool_changed(self, event: Select.Changed) -> None:
        if self.editing is not None:
            self._show_form(str(event.value), {})

    def _show_form(self, tool: str, arguments: dict[str, Any]) -> None:
        box = self.query_one("#form", Vertical)
        current = next(iter(box.query(ToolForm)), None)
        if current is not None and current.tool.name == tool and not arguments:
            return  # the same tool chosen again: keep what was typed
        box.remove_children()
        if tool != ANSWER:
            box.mount(ToolForm(self.tools[tool], arguments))

    # -- running ------------------------------------------------------------------------

    def action_run_step(self) -> None:
        if self.editing is None:
            return
        thought = self.query_one("#thought", TextArea).text.strip()
        tool = str(self.query_one("#tool", Select).value)
        calls = []
        if tool != ANSWER:
            try:
                calls = [DemoCall(tool, self.query_one(ToolForm).arguments())]
            except FormError as e:
                self.query_one("#error", Static).update(Text(f"{tool}: {e}"))
                return
        elif not thought:
            self.query_one("#error", Static).update("write the answer, or choose a tool to call")
            return
        kind = "act" if calls else "answer"
        propose = "edit" if self.editing == "edit" else None
        self._done(DemoStep(kind=kind, text=thought, calls=calls, propose=propose, origin="tui"))  # type: ignore[arg-type]

    def action_stop(self) -> None:
        self.request.cancel()
        self.dismiss()

    def _done(self, step: DemoStep) -> None:
        self.request.decide(step)
        self.dismiss()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        actions = {"accept": self.action_accept, "edit": self.action_edit, "write": self.action_write,
                   "run": self.action_run_step, "stop": self.action_stop}
        actions[event.button.id or "stop"]()
