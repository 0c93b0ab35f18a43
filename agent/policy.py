"""Approval policy: which tool calls run, which need a person's yes, which are refused.

Policy wraps tools from outside (the session asks it before every call); tools know
nothing about it. Modes, from strictest:

- ``read-only``: read tools run; edits and commands are refused.
- ``plan``: as read-only; the model explores and ends with a plan (``present_plan``,
  :mod:`agent.tools.plan`) that the person accepts, edits or rejects.
- ``ask``: read tools run; edits and commands need approval.
- ``auto-edit``: reads and file edits run; commands need approval.
- ``yolo``: everything runs.

In headless runs nobody can answer, so "needs approval" becomes "refused" with a
message that tells the model (and the user reading the log) what would allow it.

Rules from the config refine the mode per call (see :class:`ApprovalRules`): ``deny``
refuses, ``ask`` asks, ``allow`` runs what the mode would ask about (it never lifts a
refusal of the mode). A shell command is parsed (:mod:`agent.shell_syntax`) and each
simple command in it is judged: a rule for ``git status*`` does not allow
``git status && rm x`` (nor ``git status; export X=...``), and a command that writes a file
(``> out``) is never allowed by a rule alone.

Rules fail closed. A deny (or ask) rule covers the program wherever it runs: inside
``bash -c '...'``, ``env``, ``sudo``, ``timeout``, ``xargs``, ``find -exec`` and other wrappers, as
``\\rm``, ``'rm'`` or ``/bin/rm``, with its flags spelt any way (``rm -rf *`` covers ``rm -fr``,
``rm -r -f``, ``rm --recursive --force``, ``find -delete``). A command that cannot be judged (it
does not parse, its program is ``$X`` or ``$(...)``, it uses ``eval``, it pipes text into a shell)
is unknown: with deny rules configured it needs a person's approval even in ``yolo``, and no
allow rule ever lets it run.

The files that configure limi-cli itself (anything under ``.limi/``, the user config dir) are
protected: an edit tool writing there needs a person's approval in every mode below ``yolo``,
whatever the rules say, so the agent cannot widen its own permissions for the next start.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, field_validator

from agent.messages import ToolCall
from agent.shell_syntax import analyze, shape_covers
from agent.tools.base import Tool, ToolKind

ApprovalMode = Literal["read-only", "plan", "ask", "auto-edit", "yolo"]
# strictest first (agent.config compares positions); shift+tab cycles them in this order
APPROVAL_MODES: tuple[ApprovalMode, ...] = ("read-only", "plan", "ask", "auto-edit", "yolo")
Verdict = Literal["allow", "ask", "deny"]

_TABLE: dict[ApprovalMode, dict[ToolKind, Verdict]] = {
    "read-only": {"read": "allow", "edit": "deny", "exec": "deny"},
    "plan": {"read": "allow", "edit": "deny", "exec": "deny"},
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
        line = command.strip()
        for rule in self.deny:  # the whole line first: it holds whatever the parse says
            if rule.covers("shell", line):
                return "deny", f"the deny rule '{rule}'"
        found = analyze(command)
        maybe = ""
        for verdict, rules in (("deny", self.deny), ("ask", self.ask)):
            for rule in rules:
                if not fnmatchcase("shell", rule.tool):
                    continue
                for unit in found.units:
                    if rule.covers("shell", unit):
                        return verdict, f"the {verdict} rule '{rule}' (for `{unit}`)"  # type: ignore[return-value]
                for inv in found.invocations:
                    where = f"`{inv.text}`" + (f", run by {inv.via}" if inv.via else "")
                    if rule.covers("shell", inv.text):
                        return verdict, f"the {verdict} rule '{rule}' (for {where})"  # type: ignore[return-value]
                    match = shape_covers(rule.pattern, inv.argv)
                    if match == "yes":
                        return verdict, f"the {verdict} rule '{rule}' (for {where})"  # type: ignore[return-value]
                    if match == "maybe" and not maybe:
                        maybe = f"the {verdict} rule '{rule}' may cover {where}: part of it is known only when it runs"
        if maybe:
            return "ask", maybe
        if found.unknown:
            if self.deny:
                return "ask", f"the command cannot be checked against the deny rules ({found.unknown[0]})"
            return None, ""  # nothing to trust: the mode decides
        if (
            found.units
            and not found.writes_file
            and ".limi" not in command  # limi-cli's own config: never on a rule's say-so
            and all(any(r.covers("shell", u) for r in self.allow) for u in found.units)
            and all(any(r.covers("shell", i.text) for r in self.allow) for i in found.invocations if i.via)
        ):
            return "allow", "the allow rules"
        return None, ""

    def merged(self, other: ApprovalRules) -> ApprovalRules:
        """These rules and ``other``'s together: a later layer adds rules, never removes one."""
        return ApprovalRules(allow=[*self.allow, *other.allow], ask=[*self.ask, *other.ask], deny=[*self.deny, *other.deny])


# arguments of edit tools that name the file they write
_PATH_ARGS = ("path", "file_path", "file", "filename", "target", "destination", "dest", "paths", "files")
CONFIG_DIR_NAME = ".limi"


def protected_path(path: str, workspace: Path) -> str | None:
    """Why writing ``path`` would change how limi-cli itself runs (None: it would not): a file
    under a ``.limi`` directory (project config: rules, MCP servers, whatever is added there
    later), or under the user config dir. Checked as written and with symlinks followed, so
    neither ``x/../.limi/config.toml`` nor a link into ``.limi`` gets past."""
    from agent.config import user_config_path  # here, not at the top: agent.config imports this module

    raw = Path(os.path.expanduser(path))
    candidate = raw if raw.is_absolute() else workspace / raw
    lexical = Path(os.path.normpath(candidate))
    try:
        resolved = candidate.resolve()
    except (OSError, RuntimeError, ValueError):  # a symlink loop, a lone surrogate: judged as written
        resolved = lexical
    for p in (lexical, resolved):
        if any(part.casefold() == CONFIG_DIR_NAME for part in p.parts):
            return f"{path} is limi-cli's own configuration (under {CONFIG_DIR_NAME}/)"
    roots = {(workspace / CONFIG_DIR_NAME).resolve(), user_config_path().parent.resolve()}
    for root in roots:
        if resolved == root or root in resolved.parents or lexical == root or root in lexical.parents:
            return f"{path} is limi-cli's own configuration (in {root})"
    return None


def _paths_written(call: ToolCall) -> list[str]:
    found: list[str] = []
    for name in _PATH_ARGS:
        value = call.arguments.get(name)
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list):
            found += [v for v in value if isinstance(v, str)]
    return found


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

    def refuse(self, tool: Tool, summary: str, mode: ApprovalMode, why: str) -> Decision:
        """The refusal when something other than the mode asks for a person (a protected file, a rule)."""
        return Decision(
            allowed=False,
            note=(
                f"refused: {summary} needs a person's approval in {mode} mode because {why}, and this run is "
                "headless, so nobody can approve it. Carry on without it, or tell the user to do it themselves."
            ),
        )


@dataclass
class Policy:
    mode: ApprovalMode = "auto-edit"
    approver: Approver = field(default_factory=HeadlessApprover)
    allowed_for_session: set[str] = field(default_factory=set)
    rules: ApprovalRules = field(default_factory=ApprovalRules)
    workspace: Path | None = None  # where relative paths point (None: the current directory)

    def allows_edits(self) -> bool:
        """Whether edit tools can run in this mode at all (asked, or allowed)."""
        return _TABLE[self.mode]["edit"] != "deny"

    def verdict(self, tool: Tool, call: ToolCall | None = None, summary: str = "") -> Verdict:
        return self._verdict(tool, call, summary)[0]

    def guard(self, tool: Tool, call: ToolCall) -> str | None:
        """Why this call needs a person whatever the rules say (None: nothing special): an edit
        tool writing limi-cli's own configuration."""
        if tool.kind != "edit":
            return None
        root = (self.workspace or Path.cwd()).resolve()
        for path in _paths_written(call):
            if why := protected_path(path, root):
                return why
        return None

    def _verdict(self, tool: Tool, call: ToolCall | None, summary: str) -> tuple[Verdict, str, bool]:
        """The verdict, why (a rule, a protected file), and whether a person must be asked each time."""
        v: Verdict = _TABLE[self.mode][tool.kind]
        ruled, why = self.rules.judge(tool, call, summary) if call is not None else (None, "")
        if ruled == "deny" or v == "deny":
            return "deny", why if ruled == "deny" else "", False
        guarded = self.guard(tool, call) if call is not None else None
        if guarded and self.mode != "yolo":
            return "ask", guarded, True
        if ruled == "ask":
            return "ask", why, True
        if ruled == "allow" or (v == "ask" and tool.name in self.allowed_for_session):
            return "allow", why, False
        return v, "", False

    def check(self, tool: Tool, call: ToolCall, summary: str) -> Decision:
        v, why, every_time = self._verdict(tool, call, summary)
        if v == "allow":
            return Decision(True)
        if v == "deny":
            if why:
                return Decision(False, note=f"refused: {summary} is forbidden by {why} in the config; do it another way or ask the user.")
            if self.mode == "plan":
                return Decision(False, note=f"refused: {tool.name} does not run in plan mode, where only read tools "
                                            "run; explore, then present your plan with present_plan.")
            needed = "yolo" if tool.kind == "exec" else "auto-edit"  # the least that runs it without asking
            return Decision(False, note=f"refused: {tool.name} is not allowed in {self.mode} mode; tell the user that "
                                        f"--approval {needed} (or ask, to approve each call) would allow it.")
        if why and isinstance(self.approver, HeadlessApprover):
            return self.approver.refuse(tool, summary, self.mode, why)
        shown = f"{summary}  [{why}]" if why and not why.startswith("the ask rule") else summary
        decision = self.approver(tool, call, shown, self.mode)
        if decision.allowed and decision.remember and not every_time:
            self.allowed_for_session.add(tool.name)
        return decision
