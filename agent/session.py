"""The session: one way to run the agent, driven by every front end.

A driver calls :meth:`Session.start`, then :meth:`Session.send` for each user message
(iterating the events it yields as they happen), then :meth:`Session.end`; front ends do
that through :mod:`agent.driver`, which turns interrupts and errors into one outcome. Every
event except streaming deltas is appended to the trajectory log the moment it exists, so a
killed process keeps everything up to the line being written; every event it logs is also
yielded (or returned) to the driver, and a driver adds its own through :meth:`Session.note`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from pydantic import ValidationError

from agent import __version__
from agent.backends.base import Backend
from agent.compaction import Compactor, ContextMeter, apply_compaction
from agent.events import (
    INVALID_CALL_KINDS,
    AssistantMessage,
    Checkpoint,
    Compaction,
    Event,
    SessionEnded,
    SessionResumed,
    SessionStarted,
    TextDelta,
    ToolResult,
    TurnInterrupted,
    UserMessage,
)
from agent.loop_guard import LoopGuard
from agent.messages import Message, Sampling, ToolCall, Usage
from agent.policy import Policy
from agent.tools.base import Observation, Tool, ToolContext, ToolError
from agent.tools.workspace import OutsideWorkspace, Workspace
from agent.gitinfo import git_state
from agent.trajectory import LogReadResult, TrajectoryWriter


class Interrupted(Exception):
    """The driver asked the session to stop what it is doing (esc, ctrl+c)."""


@dataclass
class SessionStats:
    turns: int = 0
    usage: Usage = field(default_factory=Usage)
    tool_calls: int = 0
    tool_errors: int = 0
    invalid_tool_calls: int = 0

    def count(self, event) -> None:
        """Add one logged event to the counts (an assistant message's usage, a tool result)."""
        if isinstance(event, AssistantMessage):
            self.turns = event.turn
            self.usage = self.usage + event.usage
        elif isinstance(event, Compaction):
            self.usage = self.usage + event.usage
        elif isinstance(event, ToolResult):
            self.tool_calls += 1
            self.tool_errors += event.is_error
            self.invalid_tool_calls += event.error_kind in INVALID_CALL_KINDS

    @classmethod
    def from_events(cls, events) -> SessionStats:
        """The counts of a logged session, as the session kept them while it ran."""
        stats = cls()
        for event in events:
            stats.count(event)
        return stats


class Session:
    def __init__(
        self,
        backend: Backend,
        tools: list[Tool],
        *,
        workspace: Path,
        session_id: str,
        system_prompt: str,
        policy: Policy,
        writer: TrajectoryWriter | None,
        sampling: Sampling | None = None,
        max_turns: int = 30,
        loop_limit: int = 5,
        shell_timeout_s: float = 120.0,
        max_output_chars: int = 16_000,
        mode: str = "headless",
        before_tool: Callable[[Tool, ToolCall, int], Checkpoint | None] | None = None,
        compactor: Compactor | None = None,
        resume: LogReadResult | None = None,
    ):
        self.backend = backend
        self.tools = {t.name: t for t in tools}
        self.specs = [t.spec() for t in tools]
        self.workspace = Workspace(workspace)
        self.session_id = session_id
        self.system_prompt = system_prompt
        self.policy = policy
        self.writer = writer
        self.sampling = sampling or Sampling()
        self.max_turns = max_turns
        self.loop_guard = LoopGuard(loop_limit)  # the same call again and again: a note, then the turn stops
        self.mode = mode
        # called before each edit or exec tool runs (the turn is passed); a checkpoint it returns is logged and yielded
        self.before_tool = before_tool
        self.cancel = threading.Event()
        self.ctx = ToolContext(
            workspace=self.workspace,
            cancel=self.cancel,
            shell_timeout_s=shell_timeout_s,
            max_output_chars=max_output_chars,
        )
        self.messages: list[Message] = [Message(role="system", content=system_prompt)]
        self.stats = SessionStats()
        self.final_text = ""
        self.outcome: str = "done"  # of the last send(): done, max_turns or loop
        self._pending: list[ToolCall] = []  # calls of the last assistant message still without a result
        self._t0 = time.monotonic()
        self._ended: SessionEnded | None = None
        self._partial: tuple[list[str], list[str]] = ([], [])  # text, reasoning of the model call streaming now
        self._during: str = "generation"  # what an interrupt stops: generation or tool
        # without a context window (see agent.session_builder.compactor_for) it compacts only by hand
        self.compactor = compactor if compactor is not None else Compactor()
        self.context = ContextMeter()
        self.resumed = False  # start() continues the log instead of opening it
        self.restored_events: list = []  # the logged events of a resumed session, for front ends to show
        if resume is not None:
            self._restore(resume)

    def _restore(self, log: LogReadResult) -> None:
        """Continue a logged session: the conversation as the model last saw it (compactions
        applied), its counts, its todo list, and calls it left without a result."""
        pending: list[ToolCall] = []
        for ev in log.events:
            if isinstance(ev, AssistantMessage):
                pending = list(ev.tool_calls)
            elif isinstance(ev, ToolResult):
                pending = [c for c in pending if c.id != ev.tool_call_id]
                if ev.todo is not None:
                    self.ctx.state["todo"] = ev.todo
        self.messages, self.stats, self._pending = log.messages(compacted=True), SessionStats.from_events(log.events), pending
        self.restored_events, self.resumed = list(log.events), True

    # -- the driver's interface -------------------------------------------------

    def start(self) -> SessionStarted | SessionResumed:
        head, dirty = git_state(self.workspace.root)
        if self.resumed:
            resumed = self._emit(SessionResumed(
                session_id=self.session_id, limi_version=__version__, model=self.backend.model, backend=self.backend.name,
                approval=self.policy.mode, mode=self.mode, git_head=head, git_dirty=dirty,
            ))
            list(self._close_pending("the session stopped before it ran"))
            return resumed
        return self._emit(
            SessionStarted(
                session_id=self.session_id,
                limi_version=__version__,
                model=self.backend.model,
                backend=self.backend.name,
                backend_settings=self.backend.describe(),
                sampling=self.sampling.model_dump(),
                cwd=str(self.workspace.root),
                git_head=head,
                git_dirty=dirty,
                approval=self.policy.mode,
                system_prompt=self.system_prompt,
                tools=[s.openai() for s in self.specs],
                mode=self.mode,
            )
        )

    def send(self, text: str) -> Iterator[Event]:
        """Give the agent a user message and run it until it answers without a tool call
        (outcome ``done``), uses up ``max_turns`` model calls (outcome ``max_turns``), or keeps
        repeating one call after being told it repeats itself (outcome ``loop``, see LoopGuard)."""
        self.cancel.clear()
        self.loop_guard.reset()
        self.messages.append(Message(role="user", content=text))
        yield self._emit(UserMessage(content=text))
        self.outcome = "max_turns"
        try:
            for _ in range(self.max_turns):
                self._during = "generation"
                if self.compactor.due(self.context, self.messages) and (event := self.compact("auto")) is not None:
                    yield event
                reply = yield from self._model_turn()
                if not reply.tool_calls:
                    self.outcome, self.final_text = "done", reply.content
                    return
                self._during = "tool"
                for call in reply.tool_calls:
                    self._check_cancel()
                    verdict = self.loop_guard.verdict(call)
                    if verdict == "stop":
                        yield from self._close_pending(f"not run: the turn stopped, {call.name} was repeated "
                                                       "with the same arguments after notes to do something else",
                                                       kind="loop")
                        self.outcome, self.final_text = "loop", ""
                        return
                    if verdict == "nudge":
                        result = self._result(call, _error("repeated", self.loop_guard.note(call)), 0.0)
                    else:
                        result = yield from self._run_tool(call)
                    self.loop_guard.record(call, result.output, ran=verdict == "run")
                    yield self._emit(result)
        except Interrupted:
            # log what happened, leave no call without a result, and let the driver decide what next
            yield from self._close_pending("interrupted before it ran")
            text, reasoning = self._partial if self._during == "generation" else ([], [])
            if "".join(text).strip() or "".join(reasoning).strip():
                yield self._keep_partial(text, reasoning)
            yield self._emit(TurnInterrupted(
                during=self._during, partial_text="".join(text), partial_reasoning="".join(reasoning) or None  # type: ignore[arg-type]
            ))
            raise
        self.final_text = self.messages[-1].content if self.messages[-1].role == "assistant" else ""

    def compact(self, trigger: str = "manual") -> Compaction | None:
        """Replace older turns with a summary by the model (see :mod:`agent.compaction`), log it
        and return the event; None when there is too little to compact."""
        estimate = self.context.estimate(self.messages)
        event = self.compactor.compact(self.messages, self.backend, self.sampling, self.cancel, trigger,  # type: ignore[arg-type]
                                       context_tokens=estimate)
        if event is None:
            return None
        self.messages = apply_compaction(self.messages, event)
        self.context.tokens_at_call = 0  # measured again at the next model call
        return self._emit(event)

    def interrupt(self) -> None:
        """Stop the running generation or tool (safe to call from another thread)."""
        self.cancel.set()

    def note(self, event: Event) -> Event:
        """Log an event the driver adds (a recording's expert step) and return it."""
        return self._emit(event)

    def end(self, reason: str | None = None, error: str | None = None) -> SessionEnded:
        """Close the session: answer calls left without a result, write session_ended, release tools."""
        if self._ended is not None:
            return self._ended
        list(self._close_pending("interrupted before it ran"))
        s = self.stats
        ended = SessionEnded(
            reason=reason or self.outcome,  # type: ignore[arg-type]
            final_text=self.final_text,
            error=error,
            turns=s.turns,
            usage=s.usage,
            duration_s=round(time.monotonic() - self._t0, 3),
            tool_calls=s.tool_calls,
            tool_errors=s.tool_errors,
            invalid_tool_calls=s.invalid_tool_calls,
        )
        self._ended = self._emit(ended)
        for tool in self.tools.values():
            tool.close(self.ctx)
        if self.writer is not None:
            self.writer.close()
        return self._ended

    # -- one model call -----------------------------------------------------------

    def _model_turn(self) -> Iterator[Event]:
        t0 = time.perf_counter()
        ttft: float | None = None
        text, reasoning, calls = [], [], []
        self._partial = (text, reasoning)
        usage, finish = Usage(), None
        for chunk in self.backend.stream(self.messages, self.specs, self.sampling):
            self._check_cancel()
            if chunk.kind in ("text", "reasoning"):
                ttft = ttft if ttft is not None else time.perf_counter() - t0
                (text if chunk.kind == "text" else reasoning).append(chunk.text)
                yield TextDelta(text=chunk.text, reasoning=chunk.kind == "reasoning")
            elif chunk.kind == "tool_call":
                calls.append(chunk.call)
            else:
                usage, finish = chunk.usage, chunk.finish_reason
        msg = Message(role="assistant", content="".join(text).strip(), reasoning="".join(reasoning).strip() or None, tool_calls=calls)
        self.messages.append(msg)
        self.context.record(usage, len(self.messages))
        self._pending = list(calls)
        event = AssistantMessage(
            turn=self.stats.turns + 1,
            content=msg.content,
            reasoning=msg.reasoning,
            tool_calls=calls,
            usage=usage,
            latency_s=round(time.perf_counter() - t0, 4),
            ttft_s=round(ttft, 4) if ttft is not None else None,
            finish_reason=finish,
        )
        yield self._emit(event)
        return event

    def _keep_partial(self, text: list[str], reasoning: list[str]) -> AssistantMessage:
        """The reply the user stopped, as far as it came: in the conversation (the next reply sees
        what it said), in the log and the stats, marked ``interrupted``. Its completion tokens are
        the streamed chunks (a backend streams about one token per chunk; no usage came)."""
        usage = Usage(completion_tokens=len(text) + len(reasoning))
        msg = Message(role="assistant", content="".join(text).strip(), reasoning="".join(reasoning).strip() or None,
                      interrupted=True)
        self.messages.append(msg)
        return self._emit(AssistantMessage(turn=self.stats.turns + 1, content=msg.content, reasoning=msg.reasoning,
                                           usage=usage, finish_reason="interrupted", interrupted=True))

    # -- one tool call ------------------------------------------------------------

    def _run_tool(self, call: ToolCall) -> Iterator[Event]:
        """Run one call; yields its checkpoint, if one is taken, and returns its result."""
        t0 = time.perf_counter()
        obs = yield from self._observe(call)
        return self._result(call, obs, time.perf_counter() - t0)

    def _observe(self, call: ToolCall) -> Iterator[Event]:
        if call.error:
            return _error("invalid_call", f"{call.error}. Write each call as <tool_call>{{\"name\": ..., \"arguments\": {{...}}}}</tool_call>.")
        tool = self.tools.get(call.name)
        if tool is None:
            return _error("unknown_tool", f"unknown tool {call.name!r}; the tools are: {', '.join(self.tools)}")
        try:
            params = tool.Params.model_validate(call.arguments)
        except ValidationError as e:
            problems = "; ".join(f"{'.'.join(map(str, err['loc'])) or 'arguments'}: {err['msg']}" for err in e.errors())
            return _error("bad_arguments", f"bad arguments for {tool.name}: {problems}")
        decision = self.policy.check(tool, call, tool.describe_call(params))
        if not decision.allowed:
            return _error("refused", decision.note or f"the user refused {tool.name}")
        if self.before_tool is not None and tool.kind != "read" and (event := self.before_tool(tool, call, self.stats.turns)):
            yield self._emit(event)  # a checkpoint: logged and shown, not part of the conversation
        try:
            obs = tool.run(params, self.ctx)
        except (ToolError, OutsideWorkspace) as e:
            return _error("tool_error", str(e))
        except Exception as e:  # a bug in a tool must not end the session
            return _error("tool_error", f"{tool.name} failed: {type(e).__name__}: {e}")
        if decision.note:  # the person allowed it and said something
            obs.output = f"{obs.output}\n[user note: {decision.note}]"
        return obs

    def _result(self, call: ToolCall, obs: Observation, duration: float) -> ToolResult:
        content = f"Error: {obs.output}" if obs.is_error and obs.error_kind != "timeout" else obs.output
        self.messages.append(Message(role="tool", content=content, tool_call_id=call.id, name=call.name))
        if call in self._pending:
            self._pending.remove(call)
        return ToolResult(
            tool_call_id=call.id,
            name=call.name,
            output=content,
            is_error=obs.is_error,
            error_kind=obs.error_kind,
            exit_code=obs.exit_code,
            duration_s=round(duration, 4),
            truncated=obs.truncated,
            todo=self.ctx.state.get("todo") if call.name == "todo" and not obs.is_error else None,
        )

    # -- plumbing -----------------------------------------------------------------

    def _close_pending(self, why: str, kind: str = "interrupted") -> Iterator[ToolResult]:
        """Answer the calls of the last assistant message that have no result yet."""
        for call in list(self._pending):
            yield self._emit(self._result(call, Observation(output=why, is_error=True, error_kind=kind), 0.0))

    def _check_cancel(self) -> None:
        if self.cancel.is_set():
            raise Interrupted()

    def _emit(self, event):
        """Count ``event`` in the stats and log it: the one way an event becomes part of the session."""
        self.stats.count(event)
        if self.writer is not None:
            self.writer.write(event)
        return event


def _error(kind: str, message: str) -> Observation:
    return Observation(output=message, is_error=True, error_kind=kind)
