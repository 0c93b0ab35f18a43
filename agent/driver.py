"""Driving a :class:`~agent.session.Session`: the one place that turns how a turn stopped
into an outcome, for every front end (the TUI, line mode, headless ``run``, ``record``,
``batch`` and ``eval``).

A turn ends in one of the outcomes of :data:`OUTCOMES`: the session's own (``done``,
``max_turns``, ``loop``), ``interrupted`` (:class:`~agent.session.Interrupted` from
:meth:`Session.interrupt`, or ctrl+c as ``KeyboardInterrupt``), or ``error`` with one line
saying why: a :class:`~agent.backends.base.BackendError` in its own words, any other
exception as ``Type: message`` (a tool that crashes never gets here: the session turns
that into a tool error and the turn goes on). The session's ``session_ended`` records the
last outcome and its error, however the driver stops (:func:`running`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from agent.backends.base import BackendError
from agent.events import Event, SessionEnded, SessionResumed, SessionStarted
from agent.session import Interrupted, Session

OUTCOMES = ("done", "max_turns", "loop", "interrupted", "error")


@dataclass(frozen=True)
class TurnOutcome:
    """How a turn (or the whole drive) stopped: one of :data:`OUTCOMES`, and for ``error`` one line."""

    outcome: str = "done"
    error: str | None = None


def outcome_of(e: BaseException) -> TurnOutcome:
    """The outcome of an exception that stopped a turn."""
    if isinstance(e, (Interrupted, KeyboardInterrupt)):
        return TurnOutcome("interrupted")
    first = str(e).strip().splitlines()[0] if str(e).strip() else ""
    if isinstance(e, BackendError):
        return TurnOutcome("error", first or type(e).__name__)
    return TurnOutcome("error", f"{type(e).__name__}: {first}" if first else type(e).__name__)


def run_turn(session: Session, text: str, events: Iterable[Event] | None = None) -> Iterator[Event | TurnOutcome]:
    """``session.send(text)`` (or ``events``, a wrapper of it such as a recording's), each event
    as it comes, and last a :class:`TurnOutcome`. Nothing a turn raises gets past it, except
    ctrl+c (``KeyboardInterrupt``, meant for the whole front end: :func:`running` ends the
    session ``interrupted`` on its way up) and what is no turn's business (``SystemExit``)."""
    try:
        yield from (events if events is not None else session.send(text))
    except Exception as e:
        yield outcome_of(e)
        return
    yield TurnOutcome(session.outcome, getattr(session, "turn_error", None))  # error: e.g. a hook blocked the prompt


class Driver:
    """One session from :meth:`start` to :meth:`end`, turn by turn; :attr:`last` is the outcome
    of the last turn, which :meth:`end` records (an interactive front end keeps going after an
    interrupt or an error; a one-shot one ends there)."""

    def __init__(self, session: Session):
        self.session = session
        self.last = TurnOutcome()
        self.ended: SessionEnded | None = None

    def start(self) -> SessionStarted | SessionResumed:
        return self.session.start()

    def turn(self, text: str, events: Iterable[Event] | None = None) -> Iterator[Event]:
        """The events of one turn; afterwards :attr:`last` says how it stopped."""
        for item in run_turn(self.session, text, events):
            if isinstance(item, TurnOutcome):
                self.last = item
            else:
                yield item

    def stop(self, outcome: str, error: str | None = None) -> None:
        """Set the outcome the session will end with (a driver's own reason to stop)."""
        self.last = TurnOutcome(outcome, error)

    def end(self) -> SessionEnded:
        """End the session with the last outcome (once; later calls return the same event)."""
        if self.ended is None:
            self.ended = self.session.end(self.last.outcome, self.last.error)
        return self.ended


@contextmanager
def running(session: Session) -> Iterator[Driver]:
    """A :class:`Driver` for the block; the session always ends when the block does: with the
    last turn's outcome, or with the outcome of what escaped the block (ctrl+c: interrupted;
    an exception: error), which then goes on up."""
    driver = Driver(session)
    try:
        yield driver
    except BaseException as e:
        if isinstance(e, (Exception, KeyboardInterrupt)):
            driver.last = outcome_of(e)
        raise
    finally:
        driver.end()
