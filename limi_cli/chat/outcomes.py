"""What each outcome of a turn (:data:`agent.driver.OUTCOMES`) means to a person: the line a
chat shows after the turn, the line a one-shot run writes on stderr, and the exit code of a
one-shot command (documented in the README); and the line a chat shows for a bookkeeping
event of the log (checkpoint, undo, compaction, expert step)."""

from __future__ import annotations

from dataclasses import dataclass

from agent.events import Checkpoint, Compaction, ExpertStep, Undo

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
    if isinstance(event, ExpertStep):
        how = {"expert": "written by the expert", "model": "the model's proposal, accepted",
               "edited": "the model's proposal, edited by the expert"}[event.source]
        return f"✎ step {event.turn}: {how}"
    return None
