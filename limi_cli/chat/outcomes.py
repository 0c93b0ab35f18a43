"""What each outcome of a turn (:data:`agent.driver.OUTCOMES`) means to a person: the line a
chat shows after the turn, the line a one-shot run writes on stderr, and the exit code of a
one-shot command (documented in the README); and the line a chat shows for a bookkeeping
event of the log (checkpoint, undo, compaction, expert step)."""

from __future__ import annotations

from dataclasses import dataclass

from agent.events import (
    ApprovalChanged,
    AssistantMessage,
    Checkpoint,
    Compaction,
    ExpertStep,
    HookRun,
    PlanDecision,
    SessionEnded,
    SessionStarted,
    SubagentEvent,
    ToolResultsCleared,
    Undo,
)

EXIT_DONE, EXIT_ERROR, EXIT_USAGE, EXIT_MAX_TURNS, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


@dataclass(frozen=True)
class OutcomeText:
    exit_code: int
    chat: str | None  # after a chat turn ({error}); None: the transcript already shows it
    run: str | None  # on a one-shot run's stderr ({turns}, {error})
    level: str = "warning"  # how a chat shows it


OUTCOME_TEXT = {
    "done": OutcomeText(EXIT_DONE, None, None, "info"),
    "max_turns": OutcomeText(EXIT_MAX_TURNS, "stopped: the turn limit was reached; say 'go on' to continue",
                             "stopped after {turns} turns (--max-turns); the task may be unfinished"),
    "loop": OutcomeText(EXIT_MAX_TURNS, "stopped: the model kept repeating the same call; say what to do differently",
                        "stopped after {turns} turns: the model kept repeating the same call (loop_limit); "
                        "the task may be unfinished"),
    "interrupted": OutcomeText(EXIT_INTERRUPTED, None, None),
    "error": OutcomeText(EXIT_ERROR, "error: {error}", "error: {error}", "error"),
}


def exit_code(outcome: str) -> int:
    return OUTCOME_TEXT[outcome].exit_code


def chat_line(outcome: str, error: str | None = None) -> tuple[str, str] | None:
    """(text, level) a chat shows after a turn that ended this way; None when there is nothing to add."""
    text = OUTCOME_TEXT[outcome]
    return (text.chat.format(error=error or ""), text.level) if text.chat else None


def run_line(outcome: str, turns: int, error: str | None = None) -> str | None:
    """The stderr line of a one-shot run that ended this way (without the ``limi-cli: `` prefix)."""
    text = OUTCOME_TEXT[outcome].run
    return text.format(turns=turns, error=error or "") if text else None


def event_line(event) -> str | None:
    """The line for ``event``, or None when it is not one of these events."""
    if isinstance(event, Checkpoint):
        if event.commit is None:
            return f"◆ no checkpoint before {event.tool} (step {event.step}): {event.error}"
        return f"◆ checkpoint {event.step} before {event.tool} · /undo {event.step} puts the files back"
    if isinstance(event, Undo):
        return (f"↶ undo to checkpoint {event.step}: {len(event.restored)} files written back, "
                f"{len(event.deleted)} deleted")
    if isinstance(event, Compaction):
        return f"≡ compacted ({event.trigger}): {event.replaced} older messages replaced by a summary"
    if isinstance(event, ToolResultsCleared):
        return (f"≡ {len(event.indices)} older tool result{'s' if len(event.indices) != 1 else ''} cleared "
                f"({event.cleared_chars:,} characters) to fit the context window")
    if isinstance(event, ExpertStep):
        how = {"expert": "written by the expert", "model": "the model's proposal, accepted",
               "edited": "the model's proposal, edited by the expert"}[event.source]
        return f"✎ step {event.turn}: {how}"
    if isinstance(event, HookRun):
        return hook_line(event)
    if isinstance(event, ApprovalChanged):
        return f"◇ approval mode: {event.approval}" if event.by == "user" else None  # a plan's: its decision says it
    if isinstance(event, PlanDecision):
        return {"accepted": f"✓ plan accepted; approval mode {event.approval}, the agent goes on",
                "edited": f"✓ plan accepted with your edits; approval mode {event.approval}, the agent goes on",
                "rejected": "✗ plan rejected" + (f": {event.note}" if event.note else "") + "; the agent plans again",
                }.get(event.decision)
    if isinstance(event, SubagentEvent):
        return subagent_line(event)
    return None


def subagent_line(event: SubagentEvent) -> str | None:
    """What a person sees of a subagent at work (a task call): its start, the calls it makes, its end."""
    inner, who = event.event, f"subagent{f' {event.agent}' if event.agent else ''}"
    if isinstance(inner, SessionStarted):
        turns = (inner.subagent or {}).get("max_turns")
        return (f"  ↳ {who} started ({len(inner.tools)} tools{f', {turns} turns at most' if turns else ''}; "
                f"its log: {inner.session_id})")
    if isinstance(inner, AssistantMessage) and inner.tool_calls:
        calls = []
        for call in inner.tool_calls:
            arg = next((v for v in call.arguments.values() if isinstance(v, str)), "")
            calls.append(f"{call.name} {_one_line(arg, 60)}".rstrip())
        return "  ↳ " + " · ".join(calls)
    if isinstance(inner, SessionEnded):
        why = f": {inner.error}" if inner.error else ""
        return f"  ↳ {who} {inner.reason} after {inner.turns} turns{why}"
    return None


def hook_line(run: HookRun) -> str | None:
    """What a person sees of a hook run: its error, its block, or the context it added (a quiet
    success shows nothing; a blocked prompt is said by the turn's error line)."""
    if run.error is not None:
        return f"⚠ {run.error}"
    if run.outcome == "block" and run.event == "pre_tool_use":
        return f"⚓ hook '{run.hook}' blocked {run.tool}: {_one_line(run.reason)}"
    if run.outcome == "block" and run.event == "stop":
        return f"⚓ hook '{run.hook}' (stop) keeps the agent going: {_one_line(run.reason)}"
    if run.context is not None:
        lines = len(run.stdout.strip().splitlines())
        return f"⚓ hook '{run.hook}' ({run.event}) added {lines} line{'s' if lines != 1 else ''} of context for the model"
    return None


def _one_line(text: str | None, limit: int = 200) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
