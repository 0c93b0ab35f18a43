"""The ``/`` commands in the Textual chat: :class:`~limi_cli.chat.commands.CommandHandler` runs
them (off the event loop); this applies what it returns as notices, a session switch, the
session picker, a compaction, a turn of a ``/`` command's prompt, the editor, or quitting."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import SuspendNotSupported

from agent.session_store import list_sessions
from limi_cli.chat.commands import (CommandHandler, Compact, EditFile, PickSession, Quit, Reply, SendPrompt, Switch,
                                    sessions_folder)
from limi_cli.tui.screens.session_picker import SessionPicker

if TYPE_CHECKING:
    from limi_cli.tui.app import ChatApp

KEYS_HELP = """keys:
  enter send · shift+enter or ctrl+j newline · up/down history · tab complete
  @path attach a file · esc or ctrl+c stop the model · shift+tab approval mode · ctrl+c twice quit"""


class ChatCommands:
    """Runs one command against the app; output goes to the chat as notices."""

    def __init__(self, app: ChatApp):
        self.app = app
        self.handler = CommandHandler(app.workspace, keys_help=KEYS_HELP, mode_keys="shift+tab cycles")

    async def run(self, name: str, arg: str) -> None:
        app = self.app
        items = await asyncio.to_thread(self.handler.run, name, arg, app.session, app.factory, app.working)
        if app.session is not None:
            app.status.mode = app.session.policy.mode  # /mode may have set it
        for item in items:
            await self.apply(item)

    async def apply(self, item) -> None:
        app = self.app
        if isinstance(item, Reply):
            await self.say(item.text, item.level)
        elif isinstance(item, Switch):
            if item.factory is not None:
                # if the new model fails to load, the app goes back to this factory and log (ChatApp.on_session_failed)
                app.fallback = (app.factory, item.log) if app.session is not None else None
                app.factory = item.factory
            await self._switch(item.log)
        elif isinstance(item, PickSession):
            self.pick_session()
        elif isinstance(item, Compact) and app.session is not None:
            await self.apply(await asyncio.to_thread(item.run, app.session))
        elif isinstance(item, SendPrompt):
            await app.send(item.shown, prompt=item)
        elif isinstance(item, EditFile):
            await self.say(f"editing {item.path} in your editor...")
            try:
                with app.suspend():  # the editor gets the terminal
                    reply = item.run()
            except SuspendNotSupported:  # no terminal to hand over (a headless app)
                reply = await asyncio.to_thread(item.run)
            await self.apply(reply)
        elif isinstance(item, Quit):
            await app.action_quit()

    async def say(self, text: str, level: str = "info") -> None:
        await self.app.transcript.notice(text, level)

    # -- switching sessions -------------------------------------------------------------

    def pick_session(self) -> None:
        current = self.app.session.session_id if self.app.session is not None else None
        sessions = [s for s in list_sessions(sessions_folder(self.app.session, self.app.workspace)) if s.id != current]
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
        if self.app.working:  # a turn started while the picker was open
            await self.say("still working: press esc to stop it first", "warning")
            return
        await asyncio.to_thread(self.app.close_session)
        await self.app.transcript.clear()
        self.app.open_session(log)
