"""Session events: one model for the trajectory log, the TUI and ``stream-json`` output.

Every event is a pydantic model with a ``type`` tag. The session runner yields them
as they happen; the log writer stores every event except the streaming deltas
(which are rebuilt by the message events that follow them).
"""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, Field, TypeAdapter

from agent.messages import ToolCall, Usage

LOG_SCHEMA_VERSION = 1


class _Event(BaseModel):
    ts: float = Field(default_factory=time.time)


class SessionStarted(_Event):
    type: Literal["session_started"] = "session_started"
    schema_version: int = LOG_SCHEMA_VERSION
    session_id: str
    limi_version: str
    model: str
    backend: str
    backend_settings: dict[str, Any] = Field(default_factory=dict)
    sampling: dict[str, Any] = Field(default_factory=dict)
    cwd: str
    git_head: str | None = None
    git_dirty: bool | None = None
    approval: str
    system_prompt: str
    tools: list[dict[str, Any]] = Field(default_factory=list)  # OpenAI function specs
    mode: str = "headless"  # headless, chat, record, batch, eval
    resumed_from: str | None = None


class UserMessage(_Event):
    type: Literal["user_message"] = "user_message"
    content: str


class TextDelta(_Event):
    """A piece of assistant text or reasoning as it streams. Not written to the log."""

    type: Literal["text_delta"] = "text_delta"
    text: str
    reasoning: bool = False


class AssistantMessage(_Event):
    type: Literal["assistant_message"] = "assistant_message"
    turn: int
    content: str = ""
    reasoning: str | None = None
    tool_calls: list[ToolCall] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    latency_s: float = 0.0  # whole model call
    ttft_s: float | None = None  # time to the first streamed token
    finish_reason: str | None = None
    # the user stopped this reply while it streamed: what had come is kept, and exports do not train on it
    interrupted: bool = False


class ToolResult(_Event):
    type: Literal["tool_result"] = "tool_result"
    tool_call_id: str
    name: str
    output: str
    is_error: bool = False
    # why it failed, when it did: invalid_call, unknown_tool, bad_arguments, refused, timeout, tool_error, interrupted
    error_kind: str | None = None
    exit_code: int | None = None
    duration_s: float = 0.0
    truncated: bool = False
    todo: list[dict[str, str]] | None = None  # the todo tool: the whole list after the call


class Compaction(_Event):
    """Older turns were replaced by a summary to keep the conversation inside the context.

    ``messages[start:start + replaced]`` of the conversation (the system prompt is message 0)
    became one user message, ``content``; ``summary`` is what the model wrote for it. The
    messages before and after stay in the log as they were: replaying the compactions over
    them gives the compacted view (:func:`agent.compaction.compacted_messages`).
    """

    type: Literal["compaction"] = "compaction"
    trigger: Literal["auto", "manual"]
    start: int
    replaced: int
    summary: str
    content: str
    context_tokens: int | None = None  # the estimated context size that triggered it
    context_window: int | None = None
    usage: Usage = Field(default_factory=Usage)  # of the summarising model call


class TurnInterrupted(_Event):
    """The user stopped the running generation or tool (esc, ctrl+c); the session goes on.

    ``partial_text`` and ``partial_reasoning`` are what had streamed when the generation was
    stopped; they are kept here for the record and are not part of the conversation.
    """

    type: Literal["turn_interrupted"] = "turn_interrupted"
    during: Literal["generation", "tool"]
    partial_text: str = ""
    partial_reasoning: str | None = None


class SessionResumed(_Event):
    """The session was reopened (``limi-cli --resume``); the events after it go on in the same log."""

    type: Literal["session_resumed"] = "session_resumed"
    session_id: str
    limi_version: str
    model: str
    backend: str
    approval: str
    mode: str = "chat"
    git_head: str | None = None
    git_dirty: bool | None = None


class SessionEnded(_Event):
    type: Literal["session_ended"] = "session_ended"
    # done: the model answered without calling a tool; max_turns; loop: it kept repeating one call
    # (see agent/loop_guard.py); error; interrupted
    reason: Literal["done", "max_turns", "loop", "error", "interrupted"]
    final_text: str = ""
    error: str | None = None
    turns: int = 0
    usage: Usage = Field(default_factory=Usage)
    duration_s: float = 0.0
    tool_calls: int = 0
    tool_errors: int = 0  # tool results with is_error
    invalid_tool_calls: int = 0  # malformed JSON, unknown tools, bad arguments


class ExpertStep(_Event):
    """Demonstration mode (``limi-cli record``): where the assistant message of ``turn`` came from.

    Written right after that assistant message. The message itself is the training view
    (what was finally done); this event is metadata: ``source`` is ``expert`` (written by
    the expert), ``model`` (the model's proposal, accepted as is) or ``edited`` (the model
    proposed, the expert replaced it); ``proposal`` is what the model proposed, if asked.
    """

    type: Literal["expert_step"] = "expert_step"
    turn: int
    source: Literal["expert", "model", "edited"] = "expert"
    step: int = 0  # 1-based index of the step in the steps file (0: not from a file)
    origin: str | None = None  # where the step was written, e.g. "steps.yaml:12"
    proposal: dict[str, Any] | None = None  # {"content", "reasoning", "tool_calls"} as the model proposed


class Checkpoint(_Event):
    """The workspace was snapshotted before a mutating tool call (see :mod:`agent.checkpoints`).

    ``step`` counts the session's checkpoints from 1; ``limi-cli undo STEP`` restores the
    files as they were here. ``commit`` is the snapshot in the shadow store; None (with
    ``error``) when the snapshot failed and the tool ran without one.
    """

    type: Literal["checkpoint"] = "checkpoint"
    step: int
    turn: int
    tool_call_id: str
    tool: str
    commit: str | None
    error: str | None = None


class Undo(_Event):
    """The files were put back as they were at checkpoint ``step`` (``limi-cli undo``, ``/undo``).

    ``backup`` is a snapshot of the files just before the undo, so the undo can be undone.
    """

    type: Literal["undo"] = "undo"
    step: int
    commit: str
    backup: str
    restored: list[str] = Field(default_factory=list)  # paths written back
    deleted: list[str] = Field(default_factory=list)  # paths created after the checkpoint, removed


Event = Annotated[
    Union[
        SessionStarted, UserMessage, TextDelta, AssistantMessage, ToolResult, TurnInterrupted, SessionResumed, SessionEnded,
        ExpertStep, Compaction, Checkpoint, Undo,
    ],
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)

# error kinds that mean the model produced a call that could not be run as asked
INVALID_CALL_KINDS = frozenset({"invalid_call", "unknown_tool", "bad_arguments"})
