"""A backend that replays written replies: for tests of the loop and the front ends, and
for demos that must be reproducible. Each reply is the raw text a model would write,
``<tool_call>`` blocks included, and goes through the same parser as a real model's."""

from __future__ import annotations

import time
from typing import Callable, Iterator, Sequence

from agent.backends.base import Chunk, TextProtocolReply, UsageChunk
from agent.messages import Message, Sampling, ToolSpec, Usage

Reply = str | Callable[[list[Message]], str]


class ScriptedBackend:
    name = "scripted"

    def __init__(self, replies: Sequence[Reply], *, model: str = "scripted", chunk_chars: int = 7, delay_s: float = 0.0):
        self.replies = list(replies)
        self.model = model
        self.chunk_chars = chunk_chars
        self.delay_s = delay_s
        self.calls: list[list[Message]] = []  # what the loop sent, per call

    def describe(self) -> dict:
        return {"replies": len(self.replies), "tool_protocol": "text"}

    def stream(self, messages: list[Message], tools: list[ToolSpec], sampling: Sampling) -> Iterator[Chunk]:
        self.calls.append(list(messages))
        if not self.replies:
            text = "I have nothing more to do."
        else:
            reply = self.replies.pop(0)
            text = reply(messages) if callable(reply) else reply
        reply = TextProtocolReply()
        for i in range(0, len(text), self.chunk_chars):
            if self.delay_s:
                time.sleep(self.delay_s)
            yield from reply.feed(text[i : i + self.chunk_chars])
        yield from reply.finish()
        prompt = sum(len(m.content) for m in messages) // 4
        yield UsageChunk(
            usage=Usage(prompt_tokens=prompt, completion_tokens=len(text) // 4),
            finish_reason="tool_calls" if reply.calls else "stop",
        )
