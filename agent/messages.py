"""Chat messages and tool calls: the conversation as the loop and the backends see it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class ToolCall(BaseModel):
    """One call the model asked for.

    ``arguments`` is always a JSON object. When the model produced something that is
    not a valid call (broken JSON, arguments that are not an object), ``error`` says
    what was wrong and ``raw`` keeps what it wrote; the loop answers with a tool error.
    """

    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
    raw: str | None = None
    # what the backend did to the call, for its result to say (a string value cut where it began to
    # repeat itself); in memory only, never in logs or exports
    note: str | None = Field(default=None, exclude=True)


class Message(BaseModel):
    """One chat message. ``reasoning`` is kept apart from ``content`` internally."""

    role: Literal["system", "user", "assistant", "tool"]
    content: str = ""
    reasoning: str | None = None
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = None  # the tool's name, on tool messages
    interrupted: bool = False  # an assistant reply the user stopped part-way (kept, never trained on)


class ToolSpec(BaseModel):
    """What the model is told about a tool: the OpenAI ``function`` description."""

    name: str
    description: str
    parameters: dict[str, Any]

    def openai(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }


class Sampling(BaseModel):
    temperature: float = 0.2
    top_p: float = 0.95
    max_tokens: int = 1024
    seed: int | None = None
    # llama.cpp models: the penalty on tokens the reply already used outside tool calls (1.0: off);
    # None: the backend's default (agent.backends.embedded.REPEAT_PENALTY)
    repeat_penalty: float | None = Field(default=None, ge=1.0)


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0  # prompt tokens served from a cache (KV reuse, prefix cache)

    def __add__(self, other: "Usage") -> "Usage":
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
        )
