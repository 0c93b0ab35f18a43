"""The Textual chat app: the conversation, the prompt, the footer, and the session worker.

The session runs in a worker thread (model calls and tools never block the UI); its events
come back as messages and :class:`~limi_cli.tui.transcript.Transcript` renders them.
The app never calls the model itself: it drives :class:`agent.session.Session` through
:class:`agent.driver.Driver` like every other front end (start, turn, interrupt, end).
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from pathlib import Path
from typing import Callable

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding

from agent import sandbox as agent_sandbox
from agent.driver import Driver
from agent.policy import APPROVAL_MODES, Approver
from limi_cli.chat.outcomes import chat_line
from limi_cli.chat.slash_commands import BY_NAME, complete_slash, parse_slash
from limi_cli.tui.approver import ApprovalRequest, PlanRequest, ThreadApprover
from limi_cli.tui.chat_commands import ChatCommands
from limi_cli.tui.history import PromptHistory, history_path
from limi_cli.tui.mentions import attach_mentions, fuzzy_matches, mention_at, workspace_files
from limi_cli.tui.messages import ApprovalAsked, SessionEventPosted, SessionFailed, SessionOpened, TurnFinished
from limi_cli.tui.screens.approval_screen import ApprovalScreen
from limi_cli.tui.screens.plan_screen import PlanScreen
from limi_cli.tui.transcript import Transcript
from limi_cli.tui.widgets.chat_view import ChatView
from limi_cli.tui.widgets.completion_list import CompletionList
from limi_cli.tui.widgets.prompt_input import PromptInput
from limi_cli.tui.widgets.status_bar import StatusBar
from limi_cli.tui.widgets.todo_panel import TodoPanel

# builds a session (new when the path is None, else resumed from that log); not started yet:
# a limi_cli.chat.factory.SessionFactory (which /model can switch), or any such callable
Factory = Callable[[Approver, "Path | None"], object]
QUIT_WINDOW_S = 2.0
# the session's thread waits at most this long for the GIL while the UI works (Python's default is
# 5 ms, paid on every token a thread-driven model produces while the chat repaints)
SWITCH_INTERVAL_S = 0.001


class ChatApp(App[int]):
    """The interactive chat. ``factory`` builds sessions; the app starts, drives and ends them."""

    TITLE = "limi-cli"
    CSS = """
    Screen { layout: vertical; }
    """
    BINDINGS = [
        Binding("ctrl+c", "interrupt_or_quit", "stop / quit", priority=True, show=False),
        Binding("escape", "escape", "stop", show=False),
        Binding("shift+tab", "cycle_mode", "approval mode", priority=True, show=False),
    ]

    def __init__(self, factory: Factory, workspace: Path, *, context_window: int | None = None,
                 resume: Path | None = None, pick_session: bool = False, history: PromptHistory | None = None):
        super().__init__()
        self.factory, self.workspace, self.context_window = factory, workspace, context_window
        self.resume, self.pick_session = resume, pick_session
        self.session = None
        self.driver: Driver | None = None  # of the open session
        self.history = history if history is not None else PromptHistory(history_path(workspace))
        self.approver = ThreadApprover(self._ask)
        self.commands = ChatCommands(self)
        self.working = False
        self.last_outcome = "done"
        self.turns_done = 0  # finished turns, for whoever waits on them (tests, benchmarks)
        self.fallback: tuple[Factory, Path | None] | None = None  # what a failed /model goes back to
        self.welcome = True  # the hint line on the first, empty screen
        self._idle = threading.Event()
        self._idle.set()
        self._approval: tuple[ApprovalRequest | PlanRequest, ApprovalScreen | PlanScreen] | None = None
        self._last_ctrl_c = 0.0
        self._files: list[str] | None = None

    def compose(self) -> ComposeResult:
        yield ChatView()
        yield CompletionList()
        yield TodoPanel()
        yield PromptInput(id="prompt")
        yield StatusBar()

    async def on_mount(self) -> None:
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch_interval, SWITCH_INTERVAL_S))
        self.transcript = Transcript(self.query_one(ChatView))
        self.prompt = self.query_one(PromptInput)
        self.status = self.query_one(StatusBar)
        self.completions = self.query_one(CompletionList)
        self.todo = self.query_one(TodoPanel)
        self.prompt.focus()
        if self.pick_session:
            self.commands.pick_session()
        else:
            self.open_session(self.resume)

    # -- the session ------------------------------------------------------------------

    @work(thread=True, group="session")
    def open_session(self, log: Path | None) -> None:
        """Build and start a session (resumed from ``log`` when given) off the UI thread."""
        try:
            session = self.factory(self.approver, log)
            session.start()  # type: ignore[attr-defined]
        except Exception as e:  # a config or model problem: say it, keep the app up
            self.post_message(SessionFailed(str(e).splitlines()[0] if str(e) else type(e).__name__))
            return
        self.post_message(SessionOpened(session))

    async def on_session_opened(self, message: SessionOpened) -> None:
        self.fallback = None
        self.session = s = message.session
        self.driver, self.last_outcome = Driver(s), "done"
        self.status.model, self.status.backend = s.backend.model, s.backend.name
        self.status.mode, self.status.session_id = s.policy.mode, s.session_id
        self._show_usage()
        todo = next((e.todo for e in reversed(s.restored_events) if getattr(e, "todo", None) is not None), None)
        self.todo.show(todo or [])
        if s.resumed:
            await self.transcript.replay(s.restored_events)
            await self.transcript.notice(f"resumed session {s.session_id}; new messages go on in its log")
        elif self.welcome:
            self.welcome = False  # once per app, not after /clear or /model
            await self.transcript.notice(f"{s.backend.model} in {s.policy.mode} mode. Type a task; "
                                         "/help lists commands, @ attaches a file, esc stops the model.")
        if agent_sandbox.notice:  # "auto" found no bubblewrap here; stderr is the screen's now
            await self.transcript.notice(agent_sandbox.notice, "warning")
        for event in s.start_events:  # session_start hooks
            await self.transcript.show(event)
        for line in getattr(s, "notices", []):  # bad AGENTS.md, command or skill files: the session goes on
            await self.transcript.notice(line, "warning")
        await self.session_ready()

    async def session_ready(self) -> None:
        """Called once a session is open and shown (subclasses: Textual calls every class's
        ``on_*`` handler, so they extend these hooks rather than override the handlers)."""

    async def on_session_failed(self, message: SessionFailed) -> None:
        fallback, self.fallback = self.fallback, None
        if fallback is None:  # the footer first: whoever sees the notice sees the footer right
            self.status.model, self.status.backend = "no model", "-"
        await self.transcript.notice(f"could not start the session: {message.error}", "error")
        if fallback is not None:  # a /model that did not load: back to the model that worked
            self.factory, log = fallback
            await self.transcript.notice("back on the previous model; /model NAME tries another", "warning")
            self.open_session(log)
            return
        await self.transcript.notice("/model NAME loads another model; /quit leaves", "warning")

    def close_session(self) -> None:
        """End the session (interrupting a running turn first) and write its session_ended."""
        driver, self.session, self.driver = self.driver, None, None
        if driver is None:
            return
        if self.working:
            driver.session.interrupt()
            self.interrupt()
        self._idle.wait(10)
        driver.end()  # with the last turn's outcome

    # -- a turn -------------------------------------------------------------------------

    async def send(self, text: str, prompt=None) -> None:
        """Show the user's message and run the turn (mentioned files attached for the model); with
        ``prompt`` (a :class:`~limi_cli.chat.commands.SendPrompt` of a ``/`` command) ``text`` is what
        was typed and the prompt's turn runs."""
        if self.session is None:
            waiting = any(w.group == "session" and w.is_running for w in self.workers)
            await self.transcript.notice("the session is not ready yet; wait for the model to load" if waiting else
                                         "no session is open (the model did not load); /model NAME loads one", "warning")
            return
        if self.working:
            self.notify("still working: press esc to stop it first", severity="warning")
            return
        if prompt is not None:
            model_text, notes = prompt.turn.text, [prompt.note] if prompt.note else []
        else:
            model_text, attached = attach_mentions(text, self.workspace)
            notes = [f"{a.path} ({a.lines} lines{', cut' if a.cut else ''})" for a in attached]
        await self.transcript.user(text, notes)
        self.working = self.status.working = True
        self._idle.clear()
        self._run_turn(self.driver, model_text, prompt.turn if prompt is not None else None)

    @work(thread=True, group="turn")
    def _run_turn(self, driver: Driver, text: str, turn=None) -> None:
        events = turn.events(driver.session) if turn is not None else self.turn_events(driver.session, text)
        try:
            for event in driver.turn(text, events):
                self.post_message(SessionEventPosted(event))
        finally:
            self._idle.set()
        self.post_message(TurnFinished(driver.last.outcome, driver.last.error))  # the session stays usable

    def turn_events(self, session, text: str):
        """The events of one turn (a recording adds its expert-step notes)."""
        return session.send(text)

    async def on_session_event_posted(self, message: SessionEventPosted) -> None:
        await self.transcript.show(message.event)
        if getattr(message.event, "todo", None) is not None:
            self.todo.show(message.event.todo)
        if getattr(message.event, "type", "") == "assistant_message":
            self._show_usage(message.event.usage)
        if getattr(message.event, "type", "") == "approval_changed":  # an accepted plan switched the mode
            self.status.mode = message.event.approval

    async def on_turn_finished(self, message: TurnFinished) -> None:
        self.working = self.status.working = False
        self.last_outcome = message.outcome
        self.turns_done += 1
        await self.transcript.end_stream()
        if (line := chat_line(message.outcome, message.error)) is not None:
            await self.transcript.notice(*line)
        await self.turn_over(message.outcome)

    async def turn_over(self, outcome: str) -> None:
        """Called after each turn, once its end is shown (``done``, ``max_turns``, ``interrupted``, ``error``)."""

    def _show_usage(self, last=None) -> None:
        s = self.session
        if s is None:
            return
        self.status.tokens = s.stats.usage.prompt_tokens + s.stats.usage.completion_tokens
        if last is not None and self.context_window:
            used = last.prompt_tokens + last.completion_tokens
            self.status.context_pct = min(100, round(100 * used / self.context_window))

    # -- approvals ----------------------------------------------------------------------

    def _ask(self, request: ApprovalRequest) -> None:  # in the worker thread
        if not self.post_message(ApprovalAsked(request)):
            request.deny("the chat was closed")

    def on_approval_asked(self, message: ApprovalAsked) -> None:
        request = message.request
        screen = PlanScreen(request) if isinstance(request, PlanRequest) else ApprovalScreen(request)
        self._approval = (message.request, screen)
        self.push_screen(screen, callback=lambda _: setattr(self, "_approval", None))

    # -- keys ---------------------------------------------------------------------------

    def interrupt(self) -> None:
        """Stop the running generation or tool; an open approval is denied."""
        if self.session is not None:
            self.session.interrupt()
        if self._approval is not None:
            request, screen = self._approval
            request.deny("interrupted by the user")
            self.close_modal(screen)

    def close_modal(self, screen) -> None:
        """Dismiss ``screen`` if it is still open (not when the app is already shutting down)."""
        if screen in self.screen_stack and len(self.screen_stack) > 1:
            screen.dismiss()

    def action_escape(self) -> None:
        if self.completions.shown:
            self.completions.hide()
        elif self.working:
            self.interrupt()

    def action_interrupt_or_quit(self) -> None:
        if self.working:
            self.interrupt()
            return
        if self.prompt.text:
            self.prompt.clear()
            return
        now = time.monotonic()
        if now - self._last_ctrl_c < QUIT_WINDOW_S:
            self.run_worker(self.action_quit())
            return
        self._last_ctrl_c = now
        self.status.hint = "ctrl+c again to quit"
        self.set_timer(QUIT_WINDOW_S, lambda: setattr(self.status, "hint", ""))

    def action_cycle_mode(self) -> None:
        if self.session is None:
            return
        policy = self.session.policy
        policy.mode = APPROVAL_MODES[(APPROVAL_MODES.index(policy.mode) + 1) % len(APPROVAL_MODES)]
        self.status.mode = policy.mode

    async def action_quit(self) -> None:
        await asyncio.to_thread(self.close_session)
        self.exit(0)

    def on_unmount(self) -> None:
        self.close_session()  # however the app ends, the log gets its session_ended
        sys.setswitchinterval(self._switch_interval)

    # -- the prompt ---------------------------------------------------------------------

    @on(PromptInput.Submitted)
    async def _submitted(self, message: PromptInput.Submitted) -> None:
        text = message.text.strip()
        chosen = self.completions.chosen()
        typed = parse_slash(text)
        if chosen is not None and chosen.startswith("/"):  # enter on a command runs it
            self.completions.hide()
            # what was typed in full wins over the menu
            exact = typed is not None and (typed[0] in BY_NAME or typed[0] in {c.name for c in self.commands.handler.extra_commands()})
            text = chosen.strip() if not exact and not text.startswith(chosen.strip()) else text
        elif chosen is not None and self._accept_completion():
            return
        if not text:
            return
        self.history.add(text)
        self.prompt.clear()
        command = parse_slash(text)
        if command is not None:
            await self.commands.run(*command)
        else:
            await self.send(text)

    @on(PromptInput.Navigate)
    def _navigate(self, message: PromptInput.Navigate) -> None:
        if self.completions.shown:
            self.completions.move(-1 if message.direction == "up" else 1)
            return
        text = self.history.previous(self.prompt.text) if message.direction == "up" else self.history.next()
        if text is not None:
            self.prompt.set_text(text)

    @on(PromptInput.Complete)
    def _complete(self) -> None:
        self._accept_completion()

    @on(PromptInput.Changed)
    def _changed(self) -> None:
        text, offset = self.prompt.text, self._cursor_offset()
        slash = complete_slash(text, self.commands.handler.extra_commands()) if text.startswith("/") and "\n" not in text else []
        if slash:
            self.completions.show([(f"/{c.name} ", f"/{c.name} {c.args}  {c.help}") for c in slash])
            return
        mention = mention_at(text, offset)
        if mention is None:
            self.completions.hide()
            return
        if self._files is None:
            self._files = workspace_files(self.workspace)
        self.completions.show([(path, path) for path in fuzzy_matches(mention[1], self._files)])

    def _cursor_offset(self) -> int:
        row, col = self.prompt.cursor_location
        lines = self.prompt.text.split("\n")
        return sum(len(line) + 1 for line in lines[:row]) + col

    def _accept_completion(self) -> bool:
        value = self.completions.chosen()
        self.completions.hide()
        if value is None:
            return False
        text, offset = self.prompt.text, self._cursor_offset()
        if value.startswith("/"):
            self.prompt.set_text(value)
        else:
            start, _ = mention_at(text, offset) or (offset, "")
            before, after = text[:start], text[offset:]
            self.prompt.set_text(f"{before}@{value} {after.lstrip()}")
        self.completions.hide()
        return True
