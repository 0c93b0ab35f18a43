"""Messages from the session's worker thread to the app: small dataclasses, posted with
``post_message`` (thread-safe), handled on the app's thread."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from limi_cli.tui.approver import ApprovalRequest


@dataclass
class SessionOpened(Message):
    """The session is built and started (or resumed); ``session`` is an :class:`agent.session.Session`."""

    session: Any


@dataclass
class SessionFailed(Message):
    """The session could not be built (bad config, missing model): one line for the user."""

    error: str


@dataclass
class SessionEventPosted(Message):
    """One event of the running turn (:mod:`agent.events`), in order."""

    event: Any


@dataclass
class TurnFinished(Message):
    """The turn is over: ``done``, ``max_turns``, ``interrupted`` or ``error``."""

    outcome: str
    error: str | None = None


@dataclass
class ApprovalAsked(Message):
    """The session waits for the person to allow or deny a tool call."""

    request: ApprovalRequest
