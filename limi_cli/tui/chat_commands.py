"""What the ``/`` commands do in the Textual chat (names and help: :mod:`limi_cli.tui.slash_commands`)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from agent.policy import APPROVAL_MODES
from limi_cli.tui.slash_commands import BY_NAME, help_text

if TYPE_CHECKING:
    from limi_cli.tui.app import ChatApp

KEYS_HELP = """keys:
  enter send · shift+enter or ctrl+j newline · up/down history · tab complete
  @path attach a file · esc or ctrl+c stop the model · shift+tab approval mode · ctrl+c twice quit"""


class ChatCommands:
    """Runs one command against the app; output goes to the chat as notices."""

    def __init__(self, app: ChatApp):
        self.app = app

    async def run(self, name: str, arg: str) -> None:
        handler = getattr(self, f"cmd_{name}", None) if name in BY_NAME else None
        if handler is None:
            await self.say(f"unknown command /{name}; /help lists the commands", "warning")
            return
        await handler(arg)

    async def say(self, text: str, level: str = "info") -> None:
        await self.app.transcript.notice(text, level)

    def _busy(self) -> bool:
        return self.app.working

    async def cmd_help(self, arg: str) -> None:
        await self.say("commands:\n" + help_text() + "\n" + KEYS_HELP)

    async def cmd_model(self, arg: str) -> None:
        s = self.app.session
        if not arg:
            if s is None:
                await self.say("no model is loaded; /model NAME loads one", "warning")
            else:
                await self.say(f"model {s.backend.model} on the {s.backend.name} backend; /model NAME switches")
            return
        if s is None and self._busy():
            await self.say("still working: press esc to stop it first", "warning")
            return
        config = getattr(self.app.factory, "config", None)
        if config is None:
            await self.say("this chat cannot switch models; start it again with -m NAME", "warning")
            return
        from agent.backends.base import BackendError
        from agent.backends.registry import resolve_backend
        from agent.config import ConfigError
        from limi_cli.tui.launch import session_factory

        try:
            new_config = config.model_copy(update={"model": arg})
            resolve_backend(new_config)
        except (BackendError, ConfigError) as e:
            await self.say(str(e), "warning")
            return
        log = s.writer.path if s is not None and s.writer is not None else None
        # if the new model fails to load, the app goes back to this factory and log (see ChatApp.on_session_failed)
        self.app.fallback = (self.app.factory, log) if s is not None else None
        self.app.factory = session_factory(new_config, self.app.workspace)
        await self.say(f"switching to {arg}" + (": the conversation goes on in the same log" if log else ""))
        await self._switch(log)

    async def cmd_rate(self, arg: str) -> None:
        s = self.app.session
        parts = arg.split()
        if s is None or s.writer is None:
            await self.say("this session has no log to rate", "warning")
            return
        if not parts or parts[0] not in {"1", "2", "3", "4", "5"}:
            await self.say("give a quality from 1 to 5, then any tags: /rate 4 bugfix", "warning")
            return
        from agent.curation.annotations import rate_session

        rated = rate_session(s.writer.path, s.session_id, int(parts[0]), parts[1:])
        await self.say(f"rated {rated.quality}/5" + (f", tags {', '.join(rated.tags)}" if rated.tags else ""))

    async def cmd_mode(self, arg: str) -> None:
        s = self.app.session
        if s is None:
            await self.say("no session yet", "warning")
        elif not arg:
            await self.say(f"approval mode: {s.policy.mode} (one of {', '.join(APPROVAL_MODES)}; shift+tab cycles)")
        elif arg not in APPROVAL_MODES:
            await self.say(f"unknown mode {arg!r}; use one of {', '.join(APPROVAL_MODES)}", "warning")
        else:
            s.policy.mode = arg
            self.app.status.mode = arg
            await self.say(f"approval mode: {arg}")

    async def cmd_clear(self, arg: str) -> None:
        await self._switch(None)

    async def cmd_quit(self, arg: str) -> None:
        await self.app.action_quit()

    async def cmd_sessions(self, arg: str) -> None:
        from limi_cli.tui.screens.session_picker import session_label

        from agent.session_store import list_sessions

        current = self.app.session.session_id if self.app.session is not None else None
        sessions = list_sessions(self._dir())[:20]
        lines = [f"{s.id}  {session_label(s)}" + ("  (this session)" if s.id == current else "") for s in sessions]
        await self.say("\n".join(lines) if lines else f"no sessions yet in {self._dir()}")

    async def cmd_resume(self, arg: str) -> None:
        if not arg:
            self.pick_session()
            return
        from agent.session_store import SessionLookupError, find_session

        try:
            path = find_session(self._dir(), arg)
        except SessionLookupError as e:
            await self.say(str(e), "warning")
            return
        await self._switch(path)

    async def cmd_export(self, arg: str) -> None:
        s = self.app.session
        if s is None or s.writer is None:
            await self.say("this session has no log to export", "warning")
            return
        if not arg:
            await self.say("give a file: /export rows.jsonl", "warning")
            return
        from agent.export import export_sessions

        report = await asyncio.to_thread(export_sessions, [s.writer.path], (self.app.workspace / arg).resolve())
        problems = "".join(f"\nskipped: {reason}" for _, reason in report.skipped)
        await self.say(report.summary() + problems, "warning" if report.skipped else "info")

    async def cmd_undo(self, arg: str) -> None:
        s = self.app.session
        if s is None or s.writer is None:
            await self.say("this session has no log, so no checkpoints to undo", "warning")
            return
        if self._busy():
            await self.say("wait until the agent is done (or press esc) before /undo", "warning")
            return
        if arg and not arg.isdigit():
            await self.say("give a step number, e.g. /undo 3 (`limi-cli undo --list` shows the steps)", "warning")
            return
        from agent.checkpoints import CheckpointError, undo

        try:
            event = await asyncio.to_thread(undo, s.workspace.root, s.writer.path, int(arg) if arg else None)
        except CheckpointError as e:
            await self.say(str(e), "warning")
            return
        await self.say(f"files restored as they were before step {event.step}: "
                       f"{len(event.restored)} written back, {len(event.deleted)} deleted")

    async def cmd_compact(self, arg: str) -> None:
        s = self.app.session
        if s is None:
            await self.say("no session yet", "warning")
            return
        if self._busy():
            await self.say("wait until the agent is done (or press esc) before /compact", "warning")
            return
        await self.say("compacting: the model is summarising the older turns...")
        event = await asyncio.to_thread(s.compact)
        if event is None:
            await self.say("nothing to compact yet: the conversation is short", "warning")
        else:
            await self.say(f"compacted: {event.replaced} messages replaced by a summary")

    # -- switching sessions -------------------------------------------------------------

    def pick_session(self) -> None:
        from limi_cli.tui.screens.session_picker import SessionPicker

        sessions = self._sessions()
        if not sessions:
            self.app.run_worker(self.say("no sessions to resume in this workspace", "warning"))
            if self.app.session is None:
                self.app.open_session(None)
            return

        async def picked(path: Path | None) -> None:
            if path is not None:
                await self._switch(path)
            elif self.app.session is None:
                self.app.open_session(None)

        self.app.push_screen(SessionPicker(sessions), callback=picked)

    async def _switch(self, log: Path | None) -> None:
        """End the current session and open a new one (or the one logged at ``log``)."""
        if self._busy():
            await self.say("still working: press esc to stop it first", "warning")
            return
        await asyncio.to_thread(self.app.close_session)
        await self.app.transcript.clear()
        self.app.last_outcome = "done"
        self.app.open_session(log)

    def _dir(self) -> Path:
        from agent.session_store import sessions_dir

        s = self.app.session
        if s is not None and s.writer is not None:
            return s.writer.path.parent
        return sessions_dir(self.app.workspace)

    def _sessions(self) -> list:
        from agent.session_store import list_sessions

        current = self.app.session.session_id if self.app.session is not None else None
        return [s for s in list_sessions(self._dir()) if s.id != current]
