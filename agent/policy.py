"""Approval policy: which tool calls run, which need a person's yes, which are refused.

Policy wraps tools from outside (the session asks it before every call); tools know
nothing about it. Modes, from strictest:

- ``read-only``: read tools run; edits and commands are refused.
- ``ask``: read tools run; edits and commands need approval.
- ``auto-edit``: reads and file edits run; commands need approval.
- ``yolo``: everything runs.

In headless runs nobody can answer, so "needs approval" becomes "refused" with a
message that tells the model (and the user reading the log) what would allow it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from agent.messages import ToolCall
from agent.tools.base import Tool, ToolKind

ApprovalMode = Literal["read-only", "ask", "auto-edit", "yolo"]
APPROVAL_MODES: tuple[ApprovalMode, ...] = ("read-only", "ask", "auto-edit", "yolo")
Verdict = Literal["allow", "ask", "deny"]

_TABLE: dict[ApprovalMode, dict[ToolKind, Verdict]] = {
    "read-only": {"read": "allow", "edit": "deny", "exec": "deny"},
    "ask": {"read": "allow", "edit": "ask", "exec": "ask"},
    "auto-edit": {"read": "allow", "edit": "allow", "exec": "ask"},
    "yolo": {"read": "allow", "edit": "allow", "exec": "allow"},
}


@dataclass
class Decision:
    allowed: bool
    note: str | None = None  # told to the model (why it was refused, the person's words)
    remember: bool = False  # allow this tool for the rest of the session


class Approver(Protocol):
    """Asks a person. Front ends implement it (a modal, a y/n prompt)."""

    def __call__(self, tool: Tool, call: ToolCall, summary: str, mode: ApprovalMode) -> Decision: ...


class HeadlessApprover:
    """Nobody is there to ask: refuse at once, and say what would have allowed it."""

    def __call__(self, tool: Tool, call: ToolCall, summary: str, mode: ApprovalMode) -> Decision:
        needed = "yolo" if tool.kind == "exec" else "auto-edit"
        return Decision(
            allowed=False,
            note=(
                f"refused: {tool.name} needs approval in {mode} mode and this run is headless, so nobody can "
                f"approve it. Carry on with the tools that are allowed, or tell the user to rerun with --approval {needed}."
            ),
        )


@dataclass
class Policy:
    mode: ApprovalMode = "auto-edit"
    approver: Approver = field(default_factory=HeadlessApprover)
    allowed_for_session: set[str] = field(default_factory=set)

    def verdict(self, tool: Tool) -> Verdict:
        v = _TABLE[self.mode][tool.kind]
        if v == "ask" and tool.name in self.allowed_for_session:
            return "allow"
        return v

    def check(self, tool: Tool, call: ToolCall, summary: str) -> Decision:
        v = self.verdict(tool)
        if v == "allow":
            return Decision(True)
        if v == "deny":
            return Decision(False, note=f"refused: {tool.name} is not allowed in {self.mode} mode.")
        decision = self.approver(tool, call, summary, self.mode)
        if decision.allowed and decision.remember:
            self.allowed_for_session.add(tool.name)
        return decision
