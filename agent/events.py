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
    mode: str = "headless"  # headless, chat, record, batch, eval, subagent
    resumed_from: str | None = None
    # the AGENTS.md files in the system prompt ({path, scope, sha256, bytes, chars, cut}; agent/instructions.py)
    instructions: list[dict[str, Any]] = Field(default_factory=list)
    # the skills listed in the system prompt ({name, path, scope, sha256}; agent/skills.py)
    skills: list[dict[str, Any]] = Field(default_factory=list)
    # a subagent (mode "subagent", agent/subagents.py): the session and the task call that started it, and
    # {agent, path, scope, sha256, trusted, max_turns} of the agent definition it follows (agent null: none)
    parent_session_id: str | None = None
    parent_tool_call_id: str | None = None
    subagent: dict[str, Any] | None = None


class UserMessage(_Event):
    type: Literal["user_message"] = "user_message"
    content: str  # as the model read it (a command's text expanded)
    # the command it was made from, when not typed as is: a custom command {name, path, scope, sha256,
    # arguments, trusted, ran, model, allowed_tools} (agent/custom_commands.py), /init, or a skill
    command: dict[str, Any] | None = None


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
    subagent_session_id: str | None = None  # the task tool: the child session that ran (its own log)


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


class ToolResultsCleared(_Event):
    """Older tool results were cleared to keep the conversation inside the context, where a
    compaction could not (too few turns to summarise) or was not enough.

    The tool messages at ``indices`` of the conversation (the system prompt is message 0; the
    view after the compactions before it) got ``content`` in place of their output, oldest first,
    the results of the last model call kept; ``cleared_chars`` is how much output went. The log
    keeps every original result: replaying this over the messages gives what the model saw.
    """

    type: Literal["tool_results_cleared"] = "tool_results_cleared"
    indices: list[int]
    cleared_chars: int
    content: str
    context_tokens: int | None = None  # the estimated context size that triggered it
    context_window: int | None = None


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


class HookRun(_Event):
    """A configured hook ran (see :mod:`agent.hooks`): what it printed, and what it did to the session.

    ``outcome``: ``ok`` (exit 0), ``block`` (exit 2 where the event can block; ``reason`` is its
    stderr as the model or the person read it), ``error`` (any other exit, output that is not
    text, a hook that could not start; ``error`` is the line the person saw) or ``timeout`` (killed).
    ``context`` is exactly the text added to the model's conversation (None: nothing was).
    ``applied`` is false for a stop hook's block past ``hooks.stop_limit``, which ended the turn anyway.
    """

    type: Literal["hook_run"] = "hook_run"
    event: Literal["session_start", "user_prompt_submit", "pre_tool_use", "post_tool_use", "stop", "session_end"]
    hook: str  # its name, or its command
    command: str
    tool: str | None = None
    tool_call_id: str | None = None
    exit_code: int | None = None  # None: killed or never started
    outcome: Literal["ok", "block", "error", "timeout"] = "ok"
    stdout: str = ""
    stderr: str = ""
    context: str | None = None
    reason: str | None = None
    error: str | None = None
    applied: bool = True
    duration_s: float = 0.0
    truncated: bool = False  # stdout or stderr was cut to hooks.max_output_chars


class ApprovalChanged(_Event):
    """The approval mode changed during the session: ``by`` the person (shift+tab, ``/mode``), or
    by accepting a plan (``plan``)."""

    type: Literal["approval_changed"] = "approval_changed"
    approval: str
    previous: str
    by: Literal["user", "plan"] = "user"


class PlanDecision(_Event):
    """What became of a plan the model presented (``present_plan``, plan mode).

    ``decision``: ``accepted``, ``edited`` (accepted after the person changed it: ``final_plan``),
    ``rejected`` (``note`` is what the person said), ``shown`` (headless: printed, the run ends)
    or ``refused`` (not in plan mode). ``approval`` is the mode after the decision. The model
    read the decision as the tool's result, which the ``tool_result`` event that follows holds.
    """

    type: Literal["plan_decision"] = "plan_decision"
    tool_call_id: str
    plan: str
    decision: Literal["accepted", "edited", "rejected", "shown", "refused"]
    final_plan: str | None = None
    note: str | None = None
    approval: str


class SubagentEvent(_Event):
    """Something a subagent (a child session run by the ``task`` tool, :mod:`agent.subagents`) did,
    passed up to the front end as it happens, under the call ``tool_call_id``. Never written to
    the parent's log: ``event`` is already in the child's own log, ``session_id``."""

    type: Literal["subagent_event"] = "subagent_event"
    tool_call_id: str
    session_id: str
    agent: str | None = None  # the agent definition it follows
    event: Any  # the child's event (session_started, assistant_message, tool_result, session_ended, ...)


Event = Annotated[
    Union[
        SessionStarted, UserMessage, TextDelta, AssistantMessage, ToolResult, TurnInterrupted, SessionResumed, SessionEnded,
        ExpertStep, Compaction, ToolResultsCleared, Checkpoint, Undo, HookRun, ApprovalChanged, PlanDecision,
    ],
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)

# error kinds that mean the model produced a call that could not be run as asked
INVALID_CALL_KINDS = frozenset({"invalid_call", "unknown_tool", "bad_arguments"})
