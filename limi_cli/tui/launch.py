"""Start the interactive chat: the Textual app on a capable terminal, line mode otherwise."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from agent.config import Config, load_config
from agent.session_store import (SessionLookupError, find_session, list_sessions, log_header_problem, sessions_dir,
                                 skipped_note)
from limi_cli.chat.factory import SessionFactory
from limi_cli.tui.history import PromptHistory, history_path


def capable_terminal() -> bool:
    """Whether a full-screen app can run: both ends a terminal, and not a dumb one."""
    term = os.environ.get("TERM", "")
    return sys.stdin.isatty() and sys.stdout.isatty() and term not in ("", "dumb")


def resume_target(config: Config, workspace: Path, resume: str | None) -> Path | None:
    """The log to reopen: ``latest``, an id or prefix; ``None`` for a new session (or a picker: "")."""
    if not resume:
        return None
    directory = sessions_dir(workspace, config.sessions_dir)
    if resume == "latest":
        skipped: list[tuple[Path, str]] = []
        sessions = list_sessions(directory, skipped)
        for path, reason in skipped:  # an empty log left by a kill during start-up is no session
            print(skipped_note(path, reason), file=sys.stderr)
        if not sessions:
            raise SessionLookupError(f"no session to continue in {directory}; start one with limi-cli")
        return sessions[0].path
    path = find_session(directory, resume)
    if (problem := log_header_problem(path)) is not None:
        raise SessionLookupError(f"{path} cannot be resumed: {problem}; pick another with --resume")
    return path


def run_chat(workspace: Path, overrides: dict, *, plain: bool = False, resume: str | None = None,
             first: str | None = None) -> int:
    """Run the chat until the user quits; returns the exit code. ``first``: a message (or ``/``
    command) sent as if typed once the session is open (``limi-cli init``: ``/init``)."""
    config = load_config(workspace, overrides)
    log = resume_target(config, workspace, resume)
    factory = SessionFactory(config, workspace)
    history = PromptHistory(history_path(workspace))
    if plain or not capable_terminal():
        from limi_cli.line_mode import LineChat  # prompt_toolkit's front end: loaded only when chosen

        chat = LineChat(factory, workspace, history=history, resume=log, pick_session=resume == "")
        if first is not None:
            chat.read = typed_first(first, chat.read)
        return chat.run()
    from limi_cli.tui.app import ChatApp  # Textual: loaded only when chosen

    app_class = ChatApp if first is None else first_message_app(first)
    app = app_class(factory, workspace, context_window=config.n_ctx, resume=log, pick_session=resume == "", history=history)
    return app.run() or 0


def typed_first(text: str, read):
    """A line-mode reader that answers ``text`` to the first prompt, then asks ``read``."""
    pending = [text]

    def reader(prompt: str) -> str:
        return pending.pop() if pending else read(prompt)

    return reader


def first_message_app(text: str):
    """The chat app that sends ``text`` (a message or a ``/`` command) once its first session is open."""
    from limi_cli.chat.slash_commands import parse_slash
    from limi_cli.tui.app import ChatApp

    class FirstMessageApp(ChatApp):
        first: str | None = text

        async def session_ready(self) -> None:
            await super().session_ready()
            message, self.first = self.first, None
            if message is None:
                return
            self.history.add(message)
            command = parse_slash(message)
            if command is not None:
                await self.commands.run(*command)
            else:
                await self.send(message)

    return FirstMessageApp
