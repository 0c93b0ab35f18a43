"""Approvals from a person, for front ends whose session runs in a worker thread.

The session calls the approver in its worker thread; :class:`ThreadApprover` hands an
:class:`ApprovalRequest` to the front end (which shows a modal or a y/n prompt on its own
thread) and blocks the worker until the front end resolves the request's future.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable

from agent.messages import ToolCall
from agent.policy import ApprovalMode, Decision
from agent.tools.base import Tool


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
