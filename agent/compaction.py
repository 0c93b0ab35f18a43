"""Long sessions: replace older turns with a summary written by the model.

The context is measured after every model call (the call's prompt tokens plus what it
wrote, plus a character estimate of the messages added since). When it passes
``compact_at`` of the context window, :class:`Compactor` keeps the system prompt, the
task (the first user message) and the last turns, and has the model summarise what lies
between them (instructions in ``prompts/compact.md``). The session logs a
:class:`~agent.events.Compaction` event; the log keeps every original message, and
:func:`compacted_messages` replays the compactions to give the view the model had.

Where that cannot help (too few turns yet: on a small window a few large tool results fill it)
or is not enough, :meth:`Compactor.results_to_clear` picks older tool results to clear, oldest
first, keeping the results of the last model call: their output is replaced by a note
(``prompts/tool_result_cleared.md``) and a :class:`~agent.events.ToolResultsCleared` event logged.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Literal

from agent.backends.base import Backend
from agent.events import Compaction, ToolResultsCleared
from agent.messages import Message, Sampling, Usage
from agent.tools.base import cut_middle

CHARS_PER_TOKEN = 4  # for what has no measured token count yet
# the fewest characters per token an estimate assumes (the tool descriptions count in a call's tokens, not its characters)
MIN_CHARS_PER_TOKEN = 2.0
MESSAGE_CHARS = 3000  # each message in the transcript to summarise is cut to this (head and tail)
SUMMARY_MAX_TOKENS = 1024


@dataclass
class ContextMeter:
    """How full the context is: measured at the last model call, estimated since, with the
    characters per token that call measured (file paths and code take more tokens than prose)."""

    tokens_at_call: int = 0  # prompt + completion tokens of the last model call
    messages_at_call: int = 0  # len(messages) right after that call
    chars_per_token: float = CHARS_PER_TOKEN  # of the conversation at that call, within MIN_CHARS_PER_TOKEN..4

    def record(self, usage: Usage, messages: list[Message]) -> None:
        if usage.prompt_tokens:
            self.tokens_at_call = usage.prompt_tokens + usage.completion_tokens
            self.messages_at_call = len(messages)
            ratio = _chars(messages) / self.tokens_at_call
            self.chars_per_token = min(CHARS_PER_TOKEN, max(MIN_CHARS_PER_TOKEN, ratio))

    def tokens(self, chars: int) -> int:
        """About how many tokens ``chars`` characters of this conversation take."""
        return int(chars / self.chars_per_token)

    def estimate(self, messages: list[Message]) -> int:
        if not self.tokens_at_call or self.messages_at_call > len(messages):
            return self.tokens(_chars(messages))
        return self.tokens_at_call + self.tokens(_chars(messages[self.messages_at_call:]))


def _chars(messages: list[Message]) -> int:
    return sum(len(m.content) + len(m.reasoning or "") + sum(len(json.dumps(c.arguments)) for c in m.tool_calls)
               for m in messages)


@dataclass
class Compactor:
    """When and how to compact. ``context_window`` None: only by hand (``/compact``)."""

    context_window: int | None = None
    compact_at: float = 0.8
    keep_last: int = 6  # messages kept as they are at the end (moved back to a turn boundary)

    def due(self, meter: ContextMeter, messages: list[Message]) -> bool:
        if not self.context_window:
            return False
        return meter.estimate(messages) >= self.compact_at * self.context_window

    def span(self, messages: list[Message]) -> tuple[int, int] | None:
        """The messages to replace, ``[start, end)``: after the task, before the kept tail; None if too few."""
        task = next((i for i, m in enumerate(messages) if m.role == "user"), None)
        if task is None:
            return None
        start = task + 1
        end = max(start, len(messages) - self.keep_last)
        while end < len(messages) and messages[end].role == "tool":  # never separate results from their call
            end += 1
        if end - start < 2:
            return None
        return start, end

    def results_to_clear(self, messages: list[Message], estimate: int, note: str,
                         chars_per_token: float = CHARS_PER_TOKEN) -> list[int]:
        """The tool results to replace by ``note``, oldest first, until ``estimate`` (tokens) falls
        below the threshold; the results after the last assistant message (its calls') are kept."""
        if not self.context_window:
            return []
        last = max((i for i, m in enumerate(messages) if m.role == "assistant"), default=0)
        target, freed, chosen = self.compact_at * self.context_window, 0, []
        for i, m in enumerate(messages[:last]):
            if estimate - freed / chars_per_token < target:
                break
            if m.role == "tool" and len(m.content) > len(note):
                chosen.append(i)
                freed += len(m.content) - len(note)
        return chosen

    def compact(self, messages: list[Message], backend: Backend, sampling: Sampling, cancel: threading.Event,
                trigger: Literal["auto", "manual"], context_tokens: int | None = None) -> Compaction | None:
        """Summarise the span of ``messages`` with ``backend``; None when there is too little to compact
        or the call was interrupted."""
        from prompts import load

        span = self.span(messages)
        if span is None:
            return None
        start, end = span
        task = next(m.content for m in messages if m.role == "user")
        budget = (self.context_window or 32_768) * CHARS_PER_TOKEN // 2
        request = [
            Message(role="system", content=load("compact.md")),
            Message(role="user", content=f"The task:\n{task}\n\nThe transcript to summarise:\n{transcript(messages[start:end], budget)}"),
        ]
        text, usage = [], Usage()
        params = sampling.model_copy(update={"max_tokens": SUMMARY_MAX_TOKENS})
        for chunk in backend.stream(request, [], params):
            if cancel.is_set():
                return None
            if chunk.kind == "text":
                text.append(chunk.text)
            elif chunk.kind == "usage":
                usage = chunk.usage
        summary = "".join(text).strip() or "(the model wrote no summary)"
        return Compaction(
            trigger=trigger, start=start, replaced=end - start, summary=summary,
            content=f"{load('compact_summary.md')}\n\n{summary}", context_tokens=context_tokens,
            context_window=self.context_window, usage=usage,
        )


def transcript(messages: list[Message], budget: int) -> str:
    """The messages as plain text for the summariser, each cut to :data:`MESSAGE_CHARS`, the whole to
    ``budget`` characters (the start and the end kept)."""
    parts = []
    for m in messages:
        body = cut_middle(m.content, MESSAGE_CHARS)
        if m.role == "assistant":
            calls = "".join(f"\n[called {c.name}({json.dumps(c.arguments, ensure_ascii=False)[:500]})]" for c in m.tool_calls)
            parts.append(f"ASSISTANT: {body}{calls}")
        elif m.role == "tool":
            parts.append(f"TOOL RESULT ({m.name}): {body}")
        else:
            parts.append(f"{m.role.upper()}: {body}")
    return cut_middle("\n\n".join(parts), budget)


def apply_compaction(messages: list[Message], event: Compaction) -> list[Message]:
    """``messages`` with the span the event replaced turned into its summary message."""
    end = event.start + event.replaced
    return [*messages[: event.start], Message(role="user", content=event.content), *messages[end:]]


def apply_clearing(messages: list[Message], event: ToolResultsCleared) -> list[Message]:
    """``messages`` with the tool results the event cleared replaced by its note."""
    out = list(messages)
    for i in event.indices:
        if 0 <= i < len(out) and out[i].role == "tool":
            out[i] = out[i].model_copy(update={"content": event.content})
    return out


def compacted_messages(log) -> list[Message]:
    """The conversation of a :class:`~agent.trajectory.LogReadResult` as the model last saw it:
    the logged messages with every compaction applied where it happened."""
    return log.messages(compacted=True)


def context_window_of(backend: Backend, configured: int | None) -> int | None:
    """The configured window, else what the backend reports (``context_window`` or ``n_ctx``), else None."""
    if configured:
        return configured
    info = backend.describe() or {}
    for key in ("context_window", "n_ctx"):
        if isinstance(info.get(key), int):
            return info[key]
    return None
