"""Asking the expert for the next step of a live demonstration (``limi-cli record`` in the TUI).

The :class:`~agent.backends.demonstration.DemonstrationBackend` calls :class:`ThreadStepAsker`
in the session's worker thread; it hands a :class:`StepRequest` to the app (which shows the
step screen) and blocks until the app resolves it with the expert's
:class:`~agent.backends.demonstration.DemoStep`, or cancels it (the turn is interrupted).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from agent.backends.demonstration import DemoStep


@dataclass
class StepRequest:
    """The model's proposal for step ``number`` (None without a proposer), waiting for the expert."""

    number: int
    proposal: dict[str, Any] | None
    answer: Future[DemoStep] = field(default_factory=Future)

    def decide(self, step: DemoStep) -> None:
        if not self.answer.done():
            self.answer.set_result(step)

    def cancel(self) -> None:
        """Stop the turn: the session logs it as interrupted and goes on."""
        from agent.session import Interrupted

        if not self.answer.done():
            self.answer.set_exception(Interrupted())


class ThreadStepAsker:
    """The backend's ``ask``: hands each request to ``post`` (non-blocking) and waits for it."""

    def __init__(self, post: Callable[[StepRequest], None]):
        self.post = post

    def __call__(self, proposal: dict[str, Any] | None, number: int) -> DemoStep:
        request = StepRequest(number, proposal)
        self.post(request)
        return request.answer.result()
