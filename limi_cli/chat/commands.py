"""The ``/`` commands of the chat, for every front end: :class:`CommandHandler` runs one against
the session and returns what to show (:class:`Reply`) and what the front end must do
(:class:`Switch`, :class:`PickSession`, :class:`Compact`, :class:`Quit`), in order.

The handler blocks (an export, an undo, reading the session list): the TUI calls it off its
event loop. Names, arguments and help: :mod:`limi_cli.chat.slash_commands`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Union

from agent.backends.base import BackendError
from agent.checkpoints import CheckpointError, describe_undo, undo
from agent.config import ConfigError
from agent.curation.annotations import rate_session
from agent.events import Compaction
from agent.export import export_sessions
from agent.policy import APPROVAL_MODES
from agent.session import Session
from agent.session_store import SessionLookupError, SessionSummary, find_session, list_sessions, sessions_dir
from limi_cli.chat.factory import SessionFactory
from limi_cli.chat.slash_commands import BY_NAME, help_text


@dataclass(frozen=True)
class Reply:
    """A line (or lines) for the person; ``level``: info, warning or error."""

    text: str
    level: str = "info"


@dataclass(frozen=True)
class Switch:
    """End this session and open the one logged at ``log`` (None: a new one). With ``factory``
    (``/model``) the new session is built by it, and when it does not load the chat goes back
    to the factory it had, on the same log."""

    log: Path | None
    factory: SessionFactory | None = None


@dataclass(frozen=True)
class PickSession:
    """Let the person choose a logged session to resume (``/resume`` without an id)."""


@dataclass(frozen=True)
class Compact:
    """Summarise the older turns (``/compact``); :meth:`run` blocks on the model."""

    def run(self, session: Session) -> Reply:
        event: Compaction | None = session.compact()
        if event is None:
            return Reply("nothing to compact yet: the conversation is short", "warning")
        return Reply(f"compacted: {event.replaced} messages replaced by a summary")


@dataclass(frozen=True)
class Quit:
    """End the session and leave."""


Action = Union[Switch, PickSession, Compact, Quit]
Item = Union[Reply, Action]


def session_label(s: SessionSummary) -> str:
    """One line about a logged session: when it started, its turns, how it ended, its first message."""
    started = time.strftime("%Y-%m-%d %H:%M", time.localtime(s.started)) if s.started else "?"
    task = s.first_user_message or "(no message)"
    return f"{started}  {s.turns:>3} turns  {s.end_reason:<11} {task}"


def sessions_folder(session: Session | None, workspace: Path) -> Path:
    """Where this chat's sessions are logged: beside the open session's log, else the workspace's."""
    if session is not None and session.writer is not None:
        return session.writer.path.parent
    return sessions_dir(workspace)


class CommandHandler:
    """Runs ``/`` commands for a front end whose keys are described by ``keys_help`` (added to
    ``/help``) and whose way of cycling the approval mode is ``mode_keys`` (added to ``/mode``)."""

    def __init__(self, workspace: Path, *, keys_help: str = "", mode_keys: str = ""):
        self.workspace, self.keys_help, self.mode_keys = workspace, keys_help, mode_keys

    def run(self, name: str, arg: str, session: Session | None, factory: Callable | None = None,
            busy: bool = False) -> list[Item]:
        """What ``/name arg`` gives, against ``session`` (None while none is open) built by
        ``factory``; ``busy``: a turn is running."""
        handler = getattr(self, f"cmd_{name}", None) if name in BY_NAME else None
        if handler is None:
            return [Reply(f"unknown command /{name}; /help lists the commands", "warning")]
        return handler(arg, session, factory, busy)

    # -- the commands -----------------------------------------------------------------

    def cmd_help(self, arg: str, session, factory, busy) -> list[Item]:
        return [Reply("commands:\n" + help_text() + (f"\n{self.keys_help}" if self.keys_help else ""))]

    def cmd_quit(self, arg: str, session, factory, busy) -> list[Item]:
        return [Quit()]

    def cmd_model(self, arg: str, session, factory, busy) -> list[Item]:
        if not arg:
            if session is None:
                return [Reply("no model is loaded; /model NAME loads one", "warning")]
            return [Reply(f"model {session.backend.model} on the {session.backend.name} backend; /model NAME switches")]
        if busy:
            return [_STILL_WORKING]
        if not isinstance(factory, SessionFactory):
            return [Reply("this chat cannot switch models; start it again with -m NAME", "warning")]
        try:
            new = factory.with_model(arg)
        except (BackendError, ConfigError) as e:
            return [Reply(str(e), "warning")]
        log = session.writer.path if session is not None and session.writer is not None else None
        return [Reply(f"switching to {arg}" + (": the conversation goes on in the same log" if log else "")),
                Switch(log, new)]

    def cmd_mode(self, arg: str, session, factory, busy) -> list[Item]:
        if session is None:
            return [_NO_SESSION]
        if not arg:
            keys = f"; {self.mode_keys}" if self.mode_keys else ""
            return [Reply(f"approval mode: {session.policy.mode} (one of {', '.join(APPROVAL_MODES)}{keys})")]
        if arg not in APPROVAL_MODES:
            return [Reply(f"unknown mode {arg!r}; use one of {', '.join(APPROVAL_MODES)}", "warning")]
        session.policy.mode = arg
        plan = " (only read tools run; the agent ends with a plan to accept, edit or reject)" if arg == "plan" else ""
        return [Reply(f"approval mode: {arg}{plan}")]

    def cmd_clear(self, arg: str, session, factory, busy) -> list[Item]:
        return [_STILL_WORKING] if busy else [Switch(None)]

    def cmd_sessions(self, arg: str, session, factory, busy) -> list[Item]:
        folder = sessions_folder(session, self.workspace)
        current = session.session_id if session is not None else None
        lines = [f"{s.id}  {session_label(s)}" + ("  (this session)" if s.id == current else "")
                 for s in list_sessions(folder)[:20]]
        return [Reply("\n".join(lines) if lines else f"no sessions yet in {folder}")]

    def cmd_resume(self, arg: str, session, factory, busy) -> list[Item]:
        if busy:
            return [_STILL_WORKING]
        if not arg:
            return [PickSession()]
        try:
            return [Switch(find_session(sessions_folder(session, self.workspace), arg))]
        except SessionLookupError as e:
            return [Reply(str(e), "warning")]

    def cmd_rate(self, arg: str, session, factory, busy) -> list[Item]:
        parts = arg.split()
        if session is None or session.writer is None:
            return [Reply("this session has no log to rate", "warning")]
        if not parts or parts[0] not in {"1", "2", "3", "4", "5"}:
            return [Reply("give a quality from 1 to 5, then any tags: /rate 4 bugfix", "warning")]
        rated = rate_session(session.writer.path, session.session_id, int(parts[0]), parts[1:])
        return [Reply(f"rated {rated.quality}/5" + (f", tags {', '.join(rated.tags)}" if rated.tags else ""))]

    def cmd_export(self, arg: str, session, factory, busy) -> list[Item]:
        if session is None or session.writer is None:
            return [Reply("this session has no log to export", "warning")]
        if not arg:
            return [Reply("give a file: /export rows.jsonl", "warning")]
        report = export_sessions([session.writer.path], (self.workspace / arg).resolve())
        problems = "".join(f"\nskipped: {reason}" for _, reason in report.skipped)
        return [Reply(report.summary() + problems, "warning" if report.skipped else "info")]

    def cmd_undo(self, arg: str, session, factory, busy) -> list[Item]:
        if session is None or session.writer is None:
            return [Reply("this session has no log, so no checkpoints to undo", "warning")]
        if busy:
            return [Reply("wait until the agent is done (or press esc) before /undo", "warning")]
        if arg and not arg.isdigit():
            return [Reply("give a step number, e.g. /undo 3 (`limi-cli undo --list` shows the steps)", "warning")]
        try:
            event = undo(session.workspace.root, session.writer.path, int(arg) if arg else None)
        except CheckpointError as e:
            return [Reply(str(e), "warning")]
        return [Reply(describe_undo(event, session.writer.path))]

    def cmd_compact(self, arg: str, session, factory, busy) -> list[Item]:
        if session is None:
            return [_NO_SESSION]
        if busy:
            return [Reply("wait until the agent is done (or press esc) before /compact", "warning")]
        return [Reply("compacting: the model is summarising the older turns..."), Compact()]


_STILL_WORKING = Reply("still working: press esc to stop it first", "warning")
_NO_SESSION = Reply("no session yet", "warning")
