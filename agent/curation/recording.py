"""Driving a demonstration: the same :class:`~agent.session.Session` as any run, with the
expert as its policy (:class:`~agent.backends.demonstration.DemonstrationBackend`).

After each assistant message an :class:`~agent.events.ExpertStep` event goes to the log
saying whether the expert wrote it, accepted the model's proposal or edited it. The label
(outcome, quality, tags, notes) is saved as an annotation beside the log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from agent.backends.demonstration import DemonstrationBackend
from agent.curation.annotations import Annotation, save_annotation
from agent.driver import running
from agent.events import AssistantMessage, ExpertStep, SessionEnded, ToolResult
from agent.session import Session


@dataclass
class Recording:
    """What a recording produced."""

    ended: SessionEnded
    log_path: Path | None
    annotation_path: Path | None = None
    failed_steps: list[str] = field(default_factory=list)  # "steps.yaml:12: step 3: edit: <error>"
    unexpected_failures: int = 0  # failed steps the steps file did not mark expect_error


def record_demonstration(
    session: Session,
    backend: DemonstrationBackend,
    exchanges: list[str],
    *,
    stop_on_error: bool = False,
    on_event: Callable[[object], None] | None = None,
) -> Recording:
    """Run each user message of ``exchanges`` through ``session``, logging where each
    assistant message came from. Always ends the session (its log is closed), with the outcome
    of the last exchange (:mod:`agent.driver`); ctrl+c ends it ``interrupted``."""
    failed: list[str] = []
    unexpected = 0
    try:
        with running(session) as run:
            run.start()
            for text in exchanges:
                for event in run.turn(text, send_exchange(session, backend, text)):
                    if on_event is not None and not isinstance(event, ExpertStep):
                        on_event(event)
                    if isinstance(event, ToolResult) and event.is_error:
                        step = backend.last.step if backend.last else None
                        where = f"{step.origin}: step {step.index}: " if step else ""
                        expected = step is not None and step.expect_error
                        unexpected += not expected
                        failed.append(f"{where}{event.name}: {event.output.splitlines()[0] if event.output else 'error'}"
                                      + (" (expected)" if expected else ""))
                        if stop_on_error and not expected:
                            run.stop("error", f"stopped on a failed step: {failed[-1]}")
                            break
                if run.last.outcome != "done":
                    break
    except KeyboardInterrupt:
        pass  # the session ended interrupted
    return Recording(session.end(), session.writer.path if session.writer else None, failed_steps=failed,
                     unexpected_failures=unexpected)


def send_exchange(session: Session, backend: DemonstrationBackend, text: str) -> Iterator[object]:
    """``session.send(text)``, with an :class:`ExpertStep` logged (and yielded) right after
    each assistant message, saying where it came from. Used by every recording front end."""
    for event in session.send(text):
        yield event
        if isinstance(event, AssistantMessage) and backend.last is not None:
            rec = backend.last
            yield session.note(ExpertStep(turn=event.turn, source=rec.source, step=rec.step.index,
                                          origin=rec.step.origin, proposal=rec.proposal))


def save_label(log_path: Path, session_id: str, label: dict, *, source: str = "record") -> Path:
    """Save the expert's label (outcome, quality, tags, notes) beside the log."""
    annotation = Annotation(session_id=session_id, source=source, **label)
    return save_annotation(log_path, annotation)
