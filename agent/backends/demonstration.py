"""A backend whose policy is the expert: it plays the steps of a demonstration.

``limi-cli record`` runs an ordinary :class:`~agent.session.Session` with this backend,
so the loop, the approval policy, the tools and the log are exactly those of any other
session; only the "model" differs. Each model call takes the next :class:`DemoStep`:

- an expert step (a thought and tool calls, or a final answer) is streamed as written;
- ``propose="accept"`` asks the proposer backend (a real model) and passes its reply on
  unchanged;
- ``propose="edit"`` asks the proposer too, but streams the expert's version instead.

After each call :attr:`DemonstrationBackend.last` says where the reply came from and what
the model proposed; the driver logs it as an :class:`~agent.events.ExpertStep` event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Literal

from agent.backends.base import Backend, BackendError, Chunk, ReasoningChunk, TextChunk, ToolCallChunk, UsageChunk
from agent.messages import Message, Sampling, ToolCall, ToolSpec, Usage


@dataclass
class DemoCall:
    """One tool call the expert wrote: a tool name and its arguments."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass
class DemoStep:
    """One step of a demonstration.

    ``kind`` is ``act`` (thought plus tool calls), ``answer`` (a final message without
    calls), ``user`` (a follow-up user message: handled by the driver, never by the
    backend) or ``propose`` (let the model propose; ``propose`` says accept or edit).
    ``origin`` is where the step was written (``steps.yaml:12``) for error messages.
    """

    kind: Literal["act", "answer", "user", "propose"]
    text: str = ""  # the thought (act), the answer, or the user's message
    reasoning: str | None = None
    calls: list[DemoCall] = field(default_factory=list)
    propose: Literal["accept", "edit"] | None = None
    origin: str = ""
    index: int = 0  # 1-based position among all steps
    expect_error: bool = False  # a call of this step is meant to fail (showing how the error is handled)


@dataclass
class StepRecord:
    """Where the last reply came from (see :class:`~agent.events.ExpertStep`)."""

    step: DemoStep
    source: Literal["expert", "model", "edited"]
    proposal: dict[str, Any] | None = None


# live demonstrations: given the model's proposal (None without a proposer) and the step's
# number, return the expert's step; it blocks until the expert decides and may raise to stop
AskStep = Callable[["dict[str, Any] | None", int], DemoStep]


class DemonstrationBackend:
    """Streams the expert's steps (model-facing steps only: no ``user`` steps).

    With ``ask`` (an interactive recording), once the written steps are played each call
    first asks the proposer (if any), then hands the proposal to ``ask`` for the expert's
    decision: a step with ``propose="accept"`` keeps the model's reply, ``propose="edit"``
    replaces it with the step's text and calls, any other step is the expert's own.
    """

    name = "demonstration"

    def __init__(self, steps: list[DemoStep], proposer: Backend | None = None, *, source: str | None = None,
                 ask: AskStep | None = None):
        self.steps = [s for s in steps if s.kind != "user"]
        self.proposer = proposer
        self.source = source  # the steps file, for the session metadata
        self.ask = ask
        self.model = "expert" if proposer is None else f"expert+{proposer.model}"
        self.position = 0
        self.last: StepRecord | None = None

    def describe(self) -> dict:
        info: dict[str, Any] = {"steps": len(self.steps), "steps_file": self.source}
        if self.proposer is not None:
            info["proposer"] = {"backend": self.proposer.name, "model": self.proposer.model, **self.proposer.describe()}
        return info

    def stream(self, messages: list[Message], tools: list[ToolSpec], sampling: Sampling) -> Iterator[Chunk]:
        if self.ask is not None and self.position >= len(self.steps):
            yield from self._live(messages, tools, sampling)
            return
        if self.position >= len(self.steps):
            raise BackendError("the demonstration has no step left: end the steps file with an answer step")
        step = self.steps[self.position]
        self.position += 1
        if step.kind != "propose":
            self.last = StepRecord(step, "expert")
            yield from _expert_chunks(step)
            return
        if self.proposer is None:
            raise BackendError(f"{step.origin}: a propose step needs a model to propose; pass --model")
        chunks = list(self.proposer.stream(messages, tools, sampling))
        proposal = _proposal(chunks)
        if step.propose == "accept":
            self.last = StepRecord(step, "model", proposal)
            yield from chunks
        else:
            self.last = StepRecord(step, "edited", proposal)
            yield from _expert_chunks(step)

    def _live(self, messages: list[Message], tools: list[ToolSpec], sampling: Sampling) -> Iterator[Chunk]:
        chunks = list(self.proposer.stream(messages, tools, sampling)) if self.proposer is not None else None
        proposal = _proposal(chunks) if chunks is not None else None
        self.position += 1
        assert self.ask is not None
        step = self.ask(proposal, self.position)
        step.index = self.position
        if step.propose == "accept" and chunks is not None:
            self.last = StepRecord(step, "model", proposal)
            yield from chunks
            return
        self.last = StepRecord(step, "edited" if step.propose == "edit" and proposal is not None else "expert", proposal)
        yield from _expert_chunks(step)


def _expert_chunks(step: DemoStep) -> Iterator[Chunk]:
    if step.reasoning:
        yield ReasoningChunk(text=step.reasoning)
    if step.text:
        yield TextChunk(text=step.text)
    for k, call in enumerate(step.calls, 1):
        # ids derive from the step, so a replayed demonstration logs the same ids
        yield ToolCallChunk(call=ToolCall(id=f"call_s{step.index}_{k}", name=call.name, arguments=dict(call.arguments)))
    yield UsageChunk(usage=Usage(), finish_reason="tool_calls" if step.calls else "stop")


def _proposal(chunks: list[Chunk]) -> dict[str, Any]:
    text = "".join(c.text for c in chunks if isinstance(c, TextChunk)).strip()
    reasoning = "".join(c.text for c in chunks if isinstance(c, ReasoningChunk)).strip() or None
    calls = [c.call.model_dump(exclude_none=True) for c in chunks if isinstance(c, ToolCallChunk)]
    return {"content": text, "reasoning": reasoning, "tool_calls": calls}
