"""The one small interface every model backend implements.

A backend takes the conversation and the tool specs and streams back chunks: text,
reasoning, complete tool calls and, last, the usage of the call. Backends whose model
has no native tool calling use the text protocol of :mod:`agent.toolprompt`, so the
loop always receives parsed :class:`~agent.messages.ToolCall` objects.
"""

from __future__ import annotations

from typing import Iterator, Literal, Protocol, Union

from pydantic import BaseModel

from agent.errors import BackendError as BackendError  # defined below the backends; re-exported here
from agent.messages import Message, Sampling, ToolCall, ToolSpec, Usage
from agent.toolprompt import StreamingReplyParser


class TextChunk(BaseModel):
    kind: Literal["text"] = "text"
    text: str


class ReasoningChunk(BaseModel):
    kind: Literal["reasoning"] = "reasoning"
    text: str


class ToolCallChunk(BaseModel):
    kind: Literal["tool_call"] = "tool_call"
    call: ToolCall


class UsageChunk(BaseModel):
    kind: Literal["usage"] = "usage"
    usage: Usage
    finish_reason: str | None = None


Chunk = Union[TextChunk, ReasoningChunk, ToolCallChunk, UsageChunk]


class Backend(Protocol):
    name: str  # "embedded", "openai", "hf"
    model: str  # what the log records as the model

    def stream(self, messages: list[Message], tools: list[ToolSpec], sampling: Sampling) -> Iterator[Chunk]:
        """Run one model call, yielding chunks as they arrive; the last is a UsageChunk."""
        ...

    def describe(self) -> dict:
        """Settings worth recording in the session metadata (paths, base URL, protocol)."""
        ...


class TextProtocolReply:
    """A reply streamed under the text tool protocol: visible text goes out as it comes,
    ``<tool_call>`` blocks are held back and come out as parsed calls at the end."""

    def __init__(self) -> None:
        self._parser = StreamingReplyParser()
        self.calls: list[ToolCall] = []

    def feed(self, delta: str) -> Iterator[Chunk]:
        visible = self._parser.feed(delta)
        if visible:
            yield TextChunk(text=visible)

    def finish(self) -> Iterator[Chunk]:
        tail, _, self.calls = self._parser.finish()
        if tail:
            yield TextChunk(text=tail)
        for call in self.calls:
            yield ToolCallChunk(call=call)
