"""Approval policy: which tool calls run, which need a person's yes, which are refused.

Policy wraps tools from outside (the session asks it before every call); tools know
nothing about it. Modes, from strictest:

- ``read-only``: read tools run; edits and commands are refused.
- ``ask``: read tools run; edits and commands need approval.
- ``auto-edit``: reads and file edits run; commands need approval.
- ``yolo``: everything runs.

In headless runs nobody can answer, so "needs approval" becomes "refused" with a
message that tells the model (and the user reading the log) what would allow it.

Rules from the config refine the mode per call (see :class:`ApprovalRules`): ``deny``
refuses, ``ask`` asks, ``allow`` runs what the mode would ask about (it never lifts a
refusal of the mode). A shell command is parsed (:mod:`agent.shell_syntax`) and each
simple command in it is judged: a rule for ``git status*`` does not allow
``git status && rm x``, and a command that writes a file (``> out``) is never allowed by
a rule alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, field_validator

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


# the argument a rule's pattern is matched against, by tool; other tools: their call summary
_SUBJECT_ARGS = ("command", "path", "url", "query", "pattern")

RuleList = list[str] | dict[str, str | list[str]]


@dataclass(frozen=True)
class Rule:
    """``tool: pattern``: ``tool`` and ``pattern`` are globs (``*`` matches anything, spaces too)."""

    tool: str
    pattern: str

    @classmethod
    def parse(cls, text: str) -> Rule:
        tool, sep, pattern = text.partition(":")
        return cls(tool.strip(), pattern.strip() if sep else "*")

    def __str__(self) -> str:
        return f"{self.tool}: {self.pattern}"

    def covers(self, tool: str, subject: str) -> bool:
        return fnmatchcase(tool, self.tool) and fnmatchcase(subject, self.pattern)


class ApprovalRules(BaseModel):
    """``[rules]`` in config.toml: lists of ``"tool: pattern"`` or tables ``tool = pattern(s)``.

    ``deny = ["shell: rm -rf *"]``, ``allow = ["shell: git status*", "shell: pytest*"]``,
    or ``[rules.allow] shell = ["git status*", "git diff*"]``.
    """

    model_config = ConfigDict(extra="forbid")

    allow: list[Rule] = []
    ask: list[Rule] = []
    deny: list[Rule] = []

    @field_validator("allow", "ask", "deny", mode="before")
    @classmethod
    def _parse(cls, value: Any) -> list[Rule]:
        if isinstance(value, dict):
            pairs = [(tool, p) for tool, ps in value.items() for p in ([ps] if isinstance(ps, str) else ps)]
            return [Rule(str(tool), str(p)) for tool, p in pairs]
        if isinstance(value, list):
            return [v if isinstance(v, Rule) else Rule(**v) if isinstance(v, dict) else Rule.parse(str(v)) for v in value]
        raise ValueError('give a list of "tool: pattern" strings or a table of tool = pattern(s)')

    def judge(self, tool: Tool, call: ToolCall, summary: str) -> tuple[Verdict | None, str]:
        """The rules' verdict on a call (None: no rule says anything) and why."""
        if tool.name == "shell" and isinstance(call.arguments.get("command"), str):
            return self._judge_shell(call.arguments["command"])
        subject = _subject(call, summary)
        for verdict, rules in (("deny", self.deny), ("ask", self.ask), ("allow", self.allow)):
            for rule in rules:
                if rule.covers(tool.name, subject):
                    return verdict, f"the {verdict} rule '{rule}'"  # type: ignore[return-value]
        return None, ""

    def _judge_shell(self, command: str) -> tuple[Verdict | None, str]:
        from agent.shell_syntax import ShellParseError, simple_commands

        for rule in self.deny:  # the whole line first: it holds even when parsing fails
            if rule.covers("shell", command.strip()):
                return "deny", f"the deny rule '{rule}'"
        try:
            parts = simple_commands(command)
        except ShellParseError:
            return None, ""  # nothing to trust: the mode decides
        for part in parts:
            for rule in self.deny:
                if rule.covers("shell", part.text) or rule.covers("shell", part.program):
                    return "deny", f"the deny rule '{rule}' (for `{part.text}`)"
        for part in parts:
            for rule in self.ask:
                if rule.covers("shell", part.text) or rule.covers("shell", part.program):
                    return "ask", f"the ask rule '{rule}' (for `{part.text}`)"
        if parts and all(
            not p.writes_file and any(r.covers("shell", p.text) for r in self.allow) for p in parts
        ):
            return "allow", "the allow rules"
        return None, ""


def _subject(call: ToolCall, summary: str) -> str:
    for name in _SUBJECT_ARGS:
        value = call.arguments.get(name)
        if isinstance(value, str):
            return value
    return summary


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
    rules: ApprovalRules = field(default_factory=ApprovalRules)

    def verdict(self, tool: Tool, call: ToolCall | None = None, summary: str = "") -> Verdict:
        return self._verdict(tool, call, summary)[0]

    def _verdict(self, tool: Tool, call: ToolCall | None, summary: str) -> tuple[Verdict, str]:
        v: Verdict = _TABLE[self.mode][tool.kind]
        ruled, why = self.rules.judge(tool, call, summary) if call is not None else (None, "")
        if ruled == "deny" or v == "deny":
            return "deny", why if ruled == "deny" else ""
        if ruled == "ask":
            return "ask", why
        if ruled == "allow" or (v == "ask" and tool.name in self.allowed_for_session):
            return "allow", why
        return v, ""

    def check(self, tool: Tool, call: ToolCall, summary: str) -> Decision:
        v, why = self._verdict(tool, call, summary)
        if v == "allow":
            return Decision(True)
        if v == "deny":
            if why:
                return Decision(False, note=f"refused: {summary} is forbidden by {why} in the config; do it another way or ask the user.")
            return Decision(False, note=f"refused: {tool.name} is not allowed in {self.mode} mode.")
        decision = self.approver(tool, call, summary, self.mode)
        if decision.allowed and decision.remember:
            self.allowed_for_session.add(tool.name)
        return decision
