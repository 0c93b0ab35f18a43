"""Approvals from a person, for front ends whose session runs in a worker thread.

The session calls the approver in its worker thread; :class:`ThreadApprover` hands an
:class:`ApprovalRequest` to the front end (which shows a modal or a y/n prompt on its own
thread) and blocks the worker until the front end resolves the request's future.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from agent.messages import ToolCall
from agent.policy import ApprovalMode, Decision
from agent.tools.base import Tool
from agent.tools.plan import PlanReview


@dataclass
class ApprovalRequest:
    """One question to the person: may ``tool`` run as ``summary`` says?"""

    tool: str
    kind: str  # read, edit, exec
    summary: str
    arguments: dict[str, Any]
    mode: ApprovalMode
    answer: Future[Decision] = field(default_factory=Future)

    def allow(self, remember: bool = False) -> None:
        self._resolve(Decision(True, remember=remember))

    def deny(self, note: str | None = None) -> None:
        note = (note or "").strip()
        self._resolve(Decision(False, note=f"the user refused {self.tool}: {note}" if note else None))

    def _resolve(self, decision: Decision) -> None:
        if not self.answer.done():
            self.answer.set_result(decision)


@dataclass
class PlanRequest:
    """Plan mode's question to the person: accept ``plan`` (as it is or edited, going on in
    ``auto-edit`` or ``ask``), or reject it with a note for the model."""

    plan: str
    mode: ApprovalMode
    answer: Future[PlanReview] = field(default_factory=Future)

    def accept(self, mode: str = "auto-edit", plan: str | None = None) -> None:
        self._resolve(PlanReview("accept", self.plan if plan is None else plan, mode))

    def deny(self, note: str | None = None) -> None:
        """Reject the plan (``note`` reaches the model); also how an interrupt answers it."""
        self._resolve(PlanReview("reject", note=(note or "").strip()))

    def _resolve(self, review: PlanReview) -> None:
        if not self.answer.done():
            self.answer.set_result(review)


class ThreadApprover:
    """An :class:`~agent.policy.Approver` that asks through ``ask`` and waits for the answer.

    ``ask`` is called in the session's worker thread and must not block: it hands the
    request over to the front end's own thread (``App.call_from_thread``, a queue).
    """

    def __init__(self, ask: Callable[[ApprovalRequest], None]):
        self.ask = ask

    def __call__(self, tool: Tool, call: ToolCall, summary: str, mode: ApprovalMode) -> Decision:
        request = ApprovalRequest(tool.name, tool.kind, summary, dict(call.arguments), mode)
        self.ask(request)
        return request.answer.result()

    def review_plan(self, plan: str, mode: ApprovalMode) -> PlanReview:
        """Plan mode: show the plan through ``ask`` (a :class:`PlanRequest`) and wait for the person."""
        request = PlanRequest(plan, mode)
        self.ask(request)  # type: ignore[arg-type]
        return request.answer.result()


def approval_diff(tool: str, args: dict[str, Any], workspace: Path | None = None, limit: int = 200) -> str | None:
    """What an edit call would change, as a unified diff for the person approving it (None: the
    call is no edit): ``edit`` and ``multi_edit`` as their old and new text, ``write_file`` against
    the file as it is now (read inside ``workspace`` only), at most ``limit`` lines."""
    import difflib

    path = str(args.get("path", ""))
    if tool == "edit" and {"old_string", "new_string"} <= args.keys():
        pairs = [(args["old_string"], args["new_string"])]
    elif tool == "multi_edit" and isinstance(args.get("edits"), list):
        pairs = [(e.get("old_string", ""), e.get("new_string", "")) for e in args["edits"] if isinstance(e, dict)]
    elif tool == "write_file" and isinstance(args.get("content"), str):
        old = _current_text(workspace, path) if workspace is not None and path else None
        lines = list(difflib.unified_diff((old or "").splitlines(), args["content"].splitlines(),
                                          "/dev/null" if old is None else f"a/{path}", f"b/{path}", lineterm="", n=3))
        return _cut_lines(lines or [f"--- a/{path}", f"+++ b/{path}", "(no change)"], limit)
    else:
        return None
    lines = [f"--- {path}", f"+++ {path}"]
    for old, new in pairs:
        lines += ["@@", *(f"-{line}" for line in str(old).splitlines()), *(f"+{line}" for line in str(new).splitlines())]
    return _cut_lines(lines, limit)


def _current_text(workspace: Path, path: str) -> str | None:
    """The file's text now (None: it does not exist, or cannot be read from inside the workspace)."""
    from agent.tools.safe_open import read_bytes
    from agent.tools.workspace import Workspace

    ws = Workspace(workspace)
    try:
        return read_bytes(ws, ws.resolve(path), 1 << 20).decode("utf-8", errors="replace")
    except Exception:  # missing, outside, a directory, not a regular file: shown as a new file
        return None


def _cut_lines(lines: list[str], limit: int) -> str:
    if len(lines) > limit:
        lines = [*lines[:limit], f"[... {len(lines) - limit} more lines]"]
    return "\n".join(lines)
