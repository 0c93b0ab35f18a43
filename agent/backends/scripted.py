"""A backend that replays written replies: for tests of the loop and the front ends, and
for demos that must be reproducible. Each reply is the raw text a model would write,
``<tool_call>`` blocks included, and goes through the same parser as a real model's.

Replies are played in order. A reply given as ``{"when": TEXT, "reply": ...}`` is kept for a
conversation whose first user message contains ``TEXT`` (a subagent's brief, say): each call
takes the first reply left that fits it, so the replies of sessions that share the backend
(a parent and its subagents, running side by side with ``concurrent``) do not depend on timing."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Iterator, Sequence

from agent.backends.base import Chunk, TextProtocolReply, UsageChunk
from agent.messages import Message, Sampling, ToolSpec, Usage

Reply = str | Callable[[list[Message]], str] | dict[str, Any]  # a dict: {"when": TEXT, "reply": str or callable}


class ScriptedBackend:
    name = "scripted"

    def __init__(self, replies: Sequence[Reply], *, model: str = "scripted", chunk_chars: int = 7, delay_s: float = 0.0,
                 concurrent: bool = False, paced: bool = False):
        self.replies = list(replies)
        self.model = model
        self.chunk_chars = chunk_chars
        self.delay_s = delay_s
        # paced: chunk i comes out at start + (i + 1) * delay_s, as a server's stream arrives, however late
        # the thread got to run (a slow consumer then finds chunks waiting); otherwise delay_s after the last
        self.paced = paced
        self.concurrent = concurrent  # whether sessions may call it side by side (subagents)
        self.calls: list[list[Message]] = []  # what the loop sent, per call
        self._lock = threading.Lock()

    def describe(self) -> dict:
        return {"replies": len(self.replies), "tool_protocol": "text"}

    def _take(self, messages: list[Message]) -> Reply | None:
        """The first reply left that fits this conversation (see the module docstring), taken out."""
        task = next((m.content for m in messages if m.role == "user"), "")
        with self._lock:
            self.calls.append(list(messages))
            for i, reply in enumerate(self.replies):
                if not isinstance(reply, dict) or str(reply.get("when", "")) in task:
                    return self.replies.pop(i)
        return None

    def stream(self, messages: list[Message], tools: list[ToolSpec], sampling: Sampling) -> Iterator[Chunk]:
        reply = self._take(messages)
        if isinstance(reply, dict):
            reply = reply.get("reply", "")
        if reply is None:
            text = "I have nothing more to do."
        else:
            text = reply(messages) if callable(reply) else str(reply)
        reply = TextProtocolReply()
        t0 = time.perf_counter()
        for n, i in enumerate(range(0, len(text), self.chunk_chars), start=1):
            if self.delay_s:
                time.sleep(max(0.0, t0 + n * self.delay_s - time.perf_counter()) if self.paced else self.delay_s)
            yield from reply.feed(text[i : i + self.chunk_chars])
        yield from reply.finish()
        prompt = sum(len(m.content) for m in messages) // 4
        yield UsageChunk(
            usage=Usage(prompt_tokens=prompt, completion_tokens=len(text) // 4),
            finish_reason="tool_calls" if reply.calls else "stop",
        )
