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
from typing import Any, Iterator

from pydantic import ValidationError

from agent import __version__
from agent.backends.base import Backend
from agent.compaction import Compactor, ContextMeter, apply_clearing, apply_compaction
from agent.events import (
    INVALID_CALL_KINDS,
    ApprovalChanged,
    AssistantMessage,
    Checkpoint,
    Compaction,
    Event,
    HookRun,
    PlanDecision,
    SessionEnded,
    SessionResumed,
    SessionStarted,
    TextDelta,
    ToolResult,
    ToolResultsCleared,
    TurnInterrupted,
    UserMessage,
)
from agent.hooks import HookRunner, stop_feedback
from agent.instructions import Instructions
from agent.loop_guard import LoopGuard
from agent.messages import Message, Sampling, ToolCall, Usage
from agent.policy import Policy
from agent.tools.base import Observation, Tool, ToolContext, ToolError
from agent.tools.plan import (ACCEPT_MODES, PLAN_MODE_NOTE, PLAN_MODE_NOTE_NO_TOOL, PlanReview, PresentPlanTool,
                              plan_mode_over_note, plan_result)
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
        hooks: HookRunner | None = None,
        started_fields: dict[str, Any] | None = None,
        instructions: Instructions | None = None,
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
        self.started_fields = started_fields or {}  # more of session_started: the instruction files and skills read
        # AGENTS.md files of sub-folders, shown with the result of the first call that touches a file under one
        self.instructions = instructions
        self.notices: list[str] = []  # one line each for the person at the start (bad files met while building)
        self.on_interrupt: list[Callable[[], None]] = []  # called by interrupt(): the subagents it runs stop too
        # runs the task calls of one reply side by side (agent.subagents.ParallelTasks); None: one after another
        self.call_batches: Any = None
        # configured hooks (agent/hooks.py); the hook runs of start() and end(), logged, for front ends to show
        self.hooks = hooks if hooks is not None and hooks.config.any() else None
        self.start_events: list[HookRun] = []
        self.end_events: list[HookRun] = []
        self.turn_error: str | None = None  # why the last send() stopped with outcome error (a blocked prompt)
        self._start_context: list[str] = []  # what session_start hooks add to the next user message
        self._logged_mode = policy.mode  # the approval mode the log last recorded
        self._plan_noted = False  # the last user message carried the plan-mode note
        self._shown_plan: str | None = None  # a plan shown headless: the turn ends with it
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
        """Log the start (or the resumption) and run the session_start hooks, whose runs are
        logged and kept in :attr:`start_events` for the front end to show."""
        event = self._start()
        if self.hooks is not None and self.hooks.has("session_start"):
            outcome = self.hooks.run("session_start", {"source": "resume" if self.resumed else "startup"},
                                     approval=self.policy.mode)
            self.start_events = [self._emit(run) for run in outcome.runs]
            self._start_context = outcome.context  # they reach the model with the next user message
        return event

    def _start(self) -> SessionStarted | SessionResumed:
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
                **self.started_fields,
            )
        )

    def send(self, text: str, command: dict[str, Any] | None = None) -> Iterator[Event]:
        """Give the agent a user message and run it until it answers without a tool call
        (outcome ``done``), uses up ``max_turns`` model calls (outcome ``max_turns``), or keeps
        repeating one call after being told it repeats itself (outcome ``loop``, see LoopGuard)."""
        self.cancel.clear()
        self.loop_guard.reset()
        self.turn_error, self._shown_plan = None, None
        if (changed := self._sync_mode()) is not None:
            yield changed
        prompt = yield from self._prompt(text)
        if prompt is None:  # a user_prompt_submit hook blocked it: nothing reached the model
            return
        self.messages.append(Message(role="user", content=prompt))
        yield self._emit(UserMessage(content=prompt, command=command))
        self.outcome = "max_turns"
        stops = 0  # how often stop hooks kept this turn going
        try:
            for _ in range(self.max_turns):
                self._during = "generation"
                if self.compactor.due(self.context, self.messages):
                    if (event := self.compact("auto")) is not None:
                        yield event
                    if self.compactor.due(self.context, self.messages) and (cleared := self.clear_results()) is not None:
                        yield cleared
                reply = yield from self._model_turn()
                if not reply.tool_calls:
                    self.outcome, self.final_text = "done", reply.content
                    feedback = yield from self._stop_hooks(reply.content, stops)
                    if feedback is None:
                        return
                    stops += 1
                    self.messages.append(Message(role="user", content=feedback))
                    yield self._emit(UserMessage(content=feedback))
                    self.outcome = "max_turns"
                    continue
                self._during = "tool"
                for call in reply.tool_calls:
                    self._check_cancel()
                    if (changed := self._sync_mode()) is not None:  # shift+tab while the agent works
                        yield changed
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
                    if self._shown_plan is not None:  # headless plan mode: the plan is the answer
                        yield from self._close_pending("not run: the plan was presented and the run ends there",
                                                       kind="refused")
                        self.outcome, self.final_text = "done", self._shown_plan
                        return
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
        self._set_view(apply_compaction(self.messages, event))
        self.context.tokens_at_call = 0  # measured again at the next model call
        return self._emit(event)

    def clear_results(self) -> ToolResultsCleared | None:
        """Clear older tool results, oldest first, until the context estimate is under the
        compaction threshold (see :meth:`Compactor.results_to_clear`); log it and return the event,
        None when there is nothing to clear."""
        from prompts import load

        estimate, note = self.context.estimate(self.messages), load("tool_result_cleared.md")
        indices = self.compactor.results_to_clear(self.messages, estimate, note, self.context.chars_per_token)
        if not indices:
            return None
        freed = {i: len(self.messages[i].content) - len(note) for i in indices}
        event = ToolResultsCleared(indices=indices, cleared_chars=sum(freed.values()), content=note,
                                   context_tokens=estimate, context_window=self.compactor.context_window)
        self._set_view(apply_clearing(self.messages, event))
        # the measured part of the estimate loses what was cleared before the last call
        measured = sum(n for i, n in freed.items() if i < self.context.messages_at_call)
        self.context.tokens_at_call = max(0, self.context.tokens_at_call - self.context.tokens(measured))
        return self._emit(event)

    def _set_view(self, messages: list[Message]) -> None:
        """The conversation after a compaction or a clearing: a folder's AGENTS.md that went with
        the older turns is shown again when needed."""
        self.messages = messages
        if self.instructions is not None:
            self.instructions.recount(m.content for m in self.messages if m.role == "tool")

    def interrupt(self) -> None:
        """Stop the running generation or tool, and the subagents it runs (safe to call from another thread)."""
        self.cancel.set()
        for stop in list(self.on_interrupt):
            stop()

    def note(self, event: Event) -> Event:
        """Log an event the driver adds (a recording's expert step) and return it."""
        return self._emit(event)

    def end(self, reason: str | None = None, error: str | None = None) -> SessionEnded:
        """Close the session: answer calls left without a result, write session_ended, release tools."""
        if self._ended is not None:
            return self._ended
        list(self._close_pending("interrupted before it ran"))
        if self.hooks is not None and self.hooks.has("session_end"):
            outcome = self.hooks.run("session_end", {"reason": reason or self.outcome, "final_text": self.final_text},
                                     approval=self.policy.mode)
            self.end_events = [self._emit(run) for run in outcome.runs]
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
        self.context.record(usage, self.messages)
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
        if self.call_batches is not None and self.call_batches.takes(call):  # task calls side by side
            obs, duration = yield from self.call_batches.outcome(call)
            return self._result(call, obs, duration)
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
        if self.hooks is not None and self.hooks.has("pre_tool_use"):
            outcome = self.hooks.run("pre_tool_use", {"tool": call.name, "tool_call_id": call.id,
                                                      "arguments": call.arguments},
                                     approval=self.policy.mode, tool=call.name, arguments=call.arguments,
                                     tool_call_id=call.id, cancel=self.cancel)
            for run in outcome.runs:
                yield self._emit(run)
            self._check_cancel()
            if (blocked := outcome.blocked) is not None:
                return _error("blocked", f"blocked by the hook '{blocked.hook}' (pre_tool_use): {blocked.reason}")
        decision = self.policy.check(tool, call, tool.describe_call(params))
        if not decision.allowed:
            return _error("refused", decision.note or f"the user refused {tool.name}")
        if isinstance(tool, PresentPlanTool):
            return (yield from self._present_plan(call, params.plan))  # type: ignore[attr-defined]
        if self.before_tool is not None and tool.kind != "read" and (event := self.before_tool(tool, call, self.stats.turns)):
            yield self._emit(event)  # a checkpoint: logged and shown, not part of the conversation
        self.ctx.edits_allowed = self.policy.allows_edits()  # the mode may have changed since the last call
        try:
            streaming = getattr(tool, "run_streaming", None)  # the task tool: its subagent's events come up as they happen
            obs = (yield from streaming(params, self.ctx, call)) if streaming is not None else tool.run(params, self.ctx)
        except (ToolError, OutsideWorkspace) as e:
            return _error("tool_error", str(e))
        except Exception as e:  # a bug in a tool must not end the session
            return _error("tool_error", f"{tool.name} failed: {type(e).__name__}: {e}")
        if decision.note:  # the person allowed it and said something
            obs.output = f"{obs.output}\n[user note: {decision.note}]"
        if self.instructions is not None and not obs.is_error and (found := self.instructions.for_call(params)):
            obs.output = f"{obs.output.rstrip(chr(10))}\n\n{found}"  # a sub-folder's AGENTS.md, read once
        if self.hooks is not None and self.hooks.has("post_tool_use"):
            outcome = self.hooks.run("post_tool_use", {"tool": call.name, "tool_call_id": call.id,
                                                       "arguments": call.arguments, "result": obs.output,
                                                       "is_error": obs.is_error, "exit_code": obs.exit_code},
                                     approval=self.policy.mode, tool=call.name, arguments=call.arguments,
                                     tool_call_id=call.id, cancel=self.cancel)
            for run in outcome.runs:
                yield self._emit(run)
            if outcome.context:  # after the result, as the model reads it
                obs.output = "\n\n".join([obs.output.rstrip("\n"), *outcome.context])
        return obs

    # -- hooks and plan mode --------------------------------------------------------

    def _prompt(self, text: str) -> Iterator[Event]:
        """The user message as the model will read it: session_start hooks' context, the text,
        user_prompt_submit hooks' context, the plan-mode note. None: a hook blocked it."""
        after: list[str] = []
        if self.hooks is not None and self.hooks.has("user_prompt_submit"):
            outcome = self.hooks.run("user_prompt_submit", {"prompt": text}, approval=self.policy.mode,
                                     cancel=self.cancel)
            for run in outcome.runs:
                yield self._emit(run)
            self._check_cancel()
            if (blocked := outcome.blocked) is not None:
                reason = " ".join((blocked.reason or "").split())
                self.outcome, self.final_text = "error", ""
                self.turn_error = f"the prompt was not sent: hook '{blocked.hook}' (user_prompt_submit) blocked it: {reason}"
                return None
            after = outcome.context
        parts = [*self._start_context, text, *after]
        self._start_context = []
        if self.policy.mode == "plan":
            parts.append(PLAN_MODE_NOTE if any(isinstance(t, PresentPlanTool) for t in self.tools.values())
                         else PLAN_MODE_NOTE_NO_TOOL)
        elif self._plan_noted:  # the person left plan mode without accepting a plan: say so
            parts.append(plan_mode_over_note(self.policy.mode))
        self._plan_noted = self.policy.mode == "plan"
        return "\n\n".join(parts)

    def _stop_hooks(self, final_text: str, stops: int) -> Iterator[Event]:
        """Run the stop hooks; the user message that keeps the turn going, or None to end it."""
        if self.hooks is None or not self.hooks.has("stop"):
            return None
        outcome = self.hooks.run("stop", {"final_text": final_text, "stop_hook_active": stops > 0},
                                 approval=self.policy.mode, cancel=self.cancel)
        blocked = outcome.blocked
        if blocked is not None:
            limit = self.hooks.config.stop_limit
            if stops >= limit:
                blocked.applied = False
                blocked.error = (f"hook '{blocked.hook}' (stop) asked the model to go on again; the limit of {limit} "
                                 "(hooks.stop_limit) is reached, so the turn ends")
            else:
                blocked.context = stop_feedback(blocked.hook, blocked.reason or "")
        for run in outcome.runs:
            yield self._emit(run)
        self._check_cancel()
        return blocked.context if blocked is not None and blocked.applied else None

    def _present_plan(self, call: ToolCall, plan: str) -> Iterator[Event]:
        """Plan mode's end: the person accepts (the mode switches and the model goes on), edits,
        or rejects the plan; headless, the plan is shown and the run ends with it."""
        plan, mode = plan.strip(), self.policy.mode
        if not plan:
            return _error("bad_arguments", "present_plan needs the plan itself in `plan`")
        if mode != "plan":
            yield self._emit(PlanDecision(tool_call_id=call.id, plan=plan, decision="refused", approval=mode))
            return _error("refused", f"present_plan is for plan mode; the approval mode is {mode}, "
                                     "so go ahead with the work yourself.")
        reviewer = getattr(self.policy.approver, "review_plan", None)
        review: PlanReview | None = reviewer(plan, mode) if reviewer is not None else None
        self._check_cancel()
        if review is None:
            self._shown_plan = plan
            yield self._emit(PlanDecision(tool_call_id=call.id, plan=plan, decision="shown", final_plan=plan,
                                          approval=mode))
        elif review.action == "accept":
            final = review.plan.strip() or plan
            review = PlanReview("accept", final, review.mode if review.mode in ACCEPT_MODES else "auto-edit")
            yield self._emit(PlanDecision(tool_call_id=call.id, plan=plan, decision="edited" if final != plan else "accepted",
                                          final_plan=final, approval=review.mode))
            self.policy.mode = review.mode  # type: ignore[assignment]
            yield self._sync_mode(by="plan")  # type: ignore[misc]
            self._plan_noted = False  # the result tells the model
        else:
            yield self._emit(PlanDecision(tool_call_id=call.id, plan=plan, decision="rejected",
                                          note=review.note.strip() or None, approval=mode))
        return Observation(output=plan_result(review, plan))

    def _sync_mode(self, by: str = "user") -> ApprovalChanged | None:
        """Log a change of the approval mode since the log last recorded it (None: no change)."""
        if self.policy.mode == self._logged_mode:
            return None
        event = ApprovalChanged(approval=self.policy.mode, previous=self._logged_mode, by=by)  # type: ignore[arg-type]
        self._logged_mode = self.policy.mode
        return self._emit(event)

    def _result(self, call: ToolCall, obs: Observation, duration: float) -> ToolResult:
        content = f"Error: {obs.output}" if obs.is_error and obs.error_kind != "timeout" else obs.output
        if call.note:  # the backend changed the call (cut a repeating argument): the model and the log learn so
            content = f"{content.rstrip(chr(10))}\n{call.note}"
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
            subagent_session_id=getattr(obs, "subagent_session_id", None),
        )

    # -- plumbing -----------------------------------------------------------------

    def _close_pending(self, why: str, kind: str = "interrupted") -> Iterator[ToolResult]:
        """Answer the calls of the last assistant message that have no result yet (a task call that
        ran side by side with another gets its own outcome, once its subagent has stopped)."""
        for call in list(self._pending):
            ran = self.call_batches.settle(call) if self.call_batches is not None else None
            obs, duration = ran if ran is not None else (Observation(output=why, is_error=True, error_kind=kind), 0.0)
            yield self._emit(self._result(call, obs, duration))

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
