"""``limi-cli record`` in the TUI: the chat app with the expert as the policy.

The session's backend is a live :class:`~agent.backends.demonstration.DemonstrationBackend`:
at each step the model proposes (when there is a proposer), and the
:class:`~limi_cli.tui.screens.expert_step_screen.ExpertStepScreen` lets the expert accept,
edit or replace the proposal; the tools really run. Each assistant message is followed in the
log by an :class:`~agent.events.ExpertStep` note (:func:`agent.curation.recording.send_exchange`).
``/finish`` opens the label form; the label is saved beside the log as its annotation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual.message import Message

from agent.curation.recording import save_label, send_exchange
from agent.policy import Approver
from limi_cli.tui.app import ChatApp
from limi_cli.tui.chat_commands import ChatCommands
from limi_cli.tui.history import PromptHistory
from limi_cli.tui.screens.expert_step_screen import ExpertStepScreen
from limi_cli.tui.screens.label_screen import LabelScreen
from limi_cli.tui.step_request import StepRequest, ThreadStepAsker

# builds the recording's session (not started) from the approver and the step asker
RecordSessionFactory = Callable[[Approver, ThreadStepAsker], object]


@dataclass
class StepAsked(Message):
    """The backend waits for the expert's decision on the next step."""

    request: StepRequest


class RecordCommands(ChatCommands):
    """The chat's commands, plus ``/finish``; switching sessions is refused while recording."""

    async def run(self, name: str, arg: str) -> None:
        if name == "finish":
            self.app.finish()  # type: ignore[attr-defined]
        elif name in ("clear", "resume"):
            await self.say("not while recording: /finish ends this demonstration first", "warning")
        else:
            await super().run(name, arg)


class RecordApp(ChatApp):
    """Records one demonstration of ``task``; :attr:`annotation_path` is set once labelled."""

    TITLE = "limi-cli record"

    def __init__(self, make_session: RecordSessionFactory, workspace: Path, task: str, *,
                 context_window: int | None = None, history: PromptHistory | None = None):
        super().__init__(lambda approver, log: make_session(approver, self.asker), workspace,
                         context_window=context_window, history=history)
        self.demo_task = task
        self.asker = ThreadStepAsker(self._post_step)
        self.commands = RecordCommands(self)
        self.log_path: Path | None = None
        self.annotation_path: Path | None = None
        self.label: dict | None = None
        self._step: tuple[StepRequest, ExpertStepScreen] | None = None
        self._task_sent = False

    def turn_events(self, session, text: str):
        return send_exchange(session, session.backend, text)

    async def session_ready(self) -> None:
        s = self.session
        self.log_path = s.writer.path if s.writer is not None else None
        await self.transcript.notice("recording a demonstration: at each step accept (a), edit (e) or write (w) "
                                     "the next action; tools really run. /finish labels and saves it.")
        if not self._task_sent:
            self._task_sent = True
            await self.send(self.demo_task)

    async def turn_over(self, outcome: str) -> None:
        if outcome == "done":
            await self.transcript.notice("the answer ends this exchange: type a follow-up message for the next one, "
                                         "or /finish to label and save the demonstration")

    # -- steps --------------------------------------------------------------------------

    def _post_step(self, request: StepRequest) -> None:  # in the worker thread
        if not self.post_message(StepAsked(request)):
            request.cancel()

    def on_step_asked(self, message: StepAsked) -> None:
        screen = ExpertStepScreen(message.request, self.session.tools if self.session is not None else {})
        self._step = (message.request, screen)
        self.push_screen(screen, callback=lambda _: setattr(self, "_step", None))

    def interrupt(self) -> None:
        super().interrupt()
        if self._step is not None:
            request, screen = self._step
            request.cancel()
            self.close_modal(screen)

    # -- the end ------------------------------------------------------------------------

    def finish(self) -> None:
        """Ask for the label, end the session, save the label beside the log, and leave."""
        if self.working:
            self.notify("the agent is still working: press esc to stop it first", severity="warning")
            return

        async def labelled(label: dict | None) -> None:
            self.label = label
            session_id = self.session.session_id if self.session is not None else None
            await asyncio.to_thread(self.close_session)
            if label is not None and self.log_path is not None and session_id is not None:
                self.annotation_path = save_label(self.log_path, session_id, label)
            self.exit(0)

        self.push_screen(LabelScreen(), callback=labelled)
