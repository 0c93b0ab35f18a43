"""Line mode: the chat as plain lines (prompt-toolkit for the prompt), for terminals that
cannot host the full-screen app, pipes, and ``limi-cli chat --plain``.

The session runs in a worker thread; this (main) thread prints its events as they arrive,
asks approvals as y/n/a questions, and turns ctrl+c into :meth:`Session.interrupt`.
"""

from __future__ import annotations

import json
import queue
import sys
import threading
import time
from pathlib import Path
from typing import Callable, TextIO

from agent.driver import Driver
from agent.events import AssistantMessage, TextDelta, ToolResult, TurnInterrupted, UserMessage
from agent.session_store import list_sessions
from limi_cli.chat.commands import (CommandHandler, Compact, EditFile, PickSession, Quit, Reply, SendPrompt, Switch,
                                    sessions_folder)
from limi_cli.chat.outcomes import chat_line, event_line
from limi_cli.chat.slash_commands import complete_slash, parse_slash
from limi_cli.tui.approver import ApprovalRequest, PlanRequest, ThreadApprover, approval_diff
from limi_cli.tui.history import PromptHistory
from limi_cli.tui.mentions import attach_mentions, fuzzy_matches, mention_at, workspace_files

Reader = Callable[[str], str]  # shows a prompt, returns a line; EOFError ends, KeyboardInterrupt cancels
_DONE = object()
KEYS_HELP = """keys:
  enter send · alt+enter or ctrl+j newline · up/down history · tab complete
  @path attach a file · ctrl+c stop the model · ctrl+c twice or ctrl+d quit"""


class _Notice(tuple):
    """(text, level): a line about the session, shown between the agent's output."""


class LineChat:
    """The chat loop. ``read`` defaults to a prompt-toolkit prompt (or ``input`` off a terminal)."""

    def __init__(self, factory, workspace: Path, *, history: PromptHistory | None = None, resume: Path | None = None,
                 pick_session: bool = False, read: Reader | None = None, out: TextIO | None = None):
        self.factory, self.workspace, self.resume, self.pick = factory, workspace, resume, pick_session
        self.history = history or PromptHistory(None)
        self.out = out or sys.stdout
        self.read = read or self._default_reader()
        self.events: queue.Queue = queue.Queue()
        self.commands = CommandHandler(workspace, keys_help=KEYS_HELP)
        self.driver: Driver | None = None  # of the open session

    @property
    def session(self):
        return self.driver.session if self.driver is not None else None

    # -- the loop -----------------------------------------------------------------------

    def run(self) -> int:
        log = self._choose_session() if self.pick else self.resume
        self._open(log)
        idle_ctrl_c = 0.0
        try:
            while True:
                try:
                    text = self.read("› ").strip()
                except KeyboardInterrupt:
                    if time.monotonic() - idle_ctrl_c < 2.0:
                        break
                    idle_ctrl_c = time.monotonic()
                    self.say("(ctrl+c again to quit)")
                    continue
                except EOFError:
                    break
                if not text:
                    continue
                self.history.add(text)
                command = parse_slash(text)
                if command is None:
                    self.turn(text)
                elif not self.command(*command):
                    break
        finally:
            self.close()
        return 0

    def turn(self, text: str, prompt: SendPrompt | None = None) -> None:
        """Run one message to the end, printing as it streams; ctrl+c interrupts it. With
        ``prompt`` (a ``/`` command's), its turn runs instead of ``text``."""
        if prompt is not None:
            model_text, turn = prompt.turn.text, prompt.turn
            if prompt.note:
                self.say(f"+ {prompt.note}")
        else:
            model_text, attached = attach_mentions(text, self.workspace)
            turn = None
            for a in attached:
                self.say(f"+ {a.path} ({a.lines} lines{', cut' if a.cut else ''})")
        worker = threading.Thread(target=self._work, args=(self.driver, model_text, turn), daemon=True)
        worker.start()
        while True:
            try:
                item = self.events.get(timeout=0.1)
            except queue.Empty:
                continue
            except KeyboardInterrupt:
                self.session.interrupt()
                continue
            if item is _DONE:
                break
            try:
                self.show(item)
            except KeyboardInterrupt:
                self.session.interrupt()
        worker.join()

    def _work(self, driver: Driver, text: str, turn=None) -> None:
        try:
            for event in driver.turn(text, turn.events(driver.session) if turn is not None else None):
                self.events.put(event)
            if (line := chat_line(driver.last.outcome, driver.last.error)) is not None:
                self.events.put(_Notice(line))  # the session goes on
        finally:
            self.events.put(_DONE)

    # -- printing -------------------------------------------------------------------------

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def show(self, item) -> None:
        if isinstance(item, TextDelta):
            if not item.reasoning:
                self.out.write(item.text)
                self.out.flush()
        elif isinstance(item, AssistantMessage):
            self.say("")
            for call in item.tool_calls:
                args = json.dumps(call.arguments, ensure_ascii=False)
                self.say(f"● {call.name} {args[:200]}" if not call.error else f"● invalid tool call: {call.error}")
        elif isinstance(item, ToolResult):
            lines = item.output.strip().splitlines()
            status = f"error ({item.error_kind})" if item.is_error else "ok"
            self.say(f"  ⎿ {status} {item.duration_s:.2f}s " + (lines[0][:160] if lines else ""))
            for line in lines[1:12]:
                self.say(f"    {line[:160]}")
            if len(lines) > 12:
                self.say(f"    [... {len(lines) - 12} more lines]")
        elif isinstance(item, TurnInterrupted):
            self.say("\n[interrupted: the session goes on]")
        elif isinstance(item, ApprovalRequest):
            self.approve(item)
        elif isinstance(item, PlanRequest):
            self.review_plan(item)
        elif isinstance(item, _Notice):
            text, level = item
            self.say(f"\n{text}" if level == "error" else f"\n[{text}]")
        elif (line := event_line(item)) is not None:
            self.say(line)

    def approve(self, request: ApprovalRequest) -> None:
        """Ask y (once), a (for the session) or n; anything else denies with those words as the note."""
        self.say(f"\n{request.tool} needs approval ({request.mode} mode): {request.summary}")
        if (diff := approval_diff(request.tool, request.arguments, self.workspace)) is not None:
            self.say(diff)
        try:
            answer = self.read("allow? [y]es / [a]lways this session / [n]o, or a note to deny with: ").strip()
        except (KeyboardInterrupt, EOFError):
            request.deny("interrupted by the user")
            self.session.interrupt()
            return
        if answer.lower() in ("y", "yes"):
            request.allow()
        elif answer.lower() in ("a", "always"):
            request.allow(remember=True)
        else:
            request.deny("" if answer.lower() in ("n", "no", "") else answer)

    def review_plan(self, request: PlanRequest) -> None:
        """Plan mode: show the plan, then accept it (a: go on in auto-edit, k: in ask), edit it
        first (e), or reject it (r, or any other words: the note the model gets)."""
        plan = request.plan
        self.say(f"\n── the plan ──\n{plan}\n──────────────")
        while True:
            try:
                answer = self.read("[a]ccept (auto-edit) / accept, as[k] before each action / [e]dit / "
                                   "[r]eject, or a note to reject with: ").strip()
                if answer.lower() in ("e", "edit"):
                    plan = self._edit_plan(plan)
                    self.say(f"── the plan, edited ──\n{plan}\n──────────────")
                    continue
                if answer.lower() in ("r", "reject", "n", "no"):
                    answer = self.read("note for the model (what to change; empty for none): ").strip()
                elif not answer:
                    continue
                elif answer.lower() in ("a", "accept", "y", "yes", "k", "ask"):
                    request.accept("ask" if answer.lower() in ("k", "ask") else "auto-edit", plan)
                    return
            except (KeyboardInterrupt, EOFError):
                request.deny("interrupted by the user")
                self.session.interrupt()
                return
            request.deny(answer)
            return

    def _edit_plan(self, plan: str) -> str:
        """The plan typed again, line by line up to a lone '.'; nothing typed keeps it as it was."""
        self.say("type the plan as it should be; a line with only . ends it (nothing typed keeps the plan)")
        lines: list[str] = []
        while (line := self.read("│ ")) != ".":
            lines.append(line)
        return "\n".join(lines).strip() or plan

    # -- sessions and commands ------------------------------------------------------------

    def _open(self, log: Path | None) -> None:
        session = self.factory(ThreadApprover(self.events.put), log)
        session.start()
        self.driver = Driver(session)
        s = session
        self.say(f"limi-cli · {s.backend.model} ({s.backend.name}) · {s.policy.mode} · session {s.session_id}")
        if s.resumed:
            self._replay(s.restored_events)
        for event in s.start_events:  # session_start hooks
            if (line := event_line(event)) is not None:
                self.say(line)
        for line in getattr(s, "notices", []):  # bad AGENTS.md, command or skill files: the session goes on
            self.say(f"[{line}]")
        self.say("/help for commands, ctrl+c stops the model, ctrl+d quits")

    def _replay(self, events: list) -> None:
        for e in events:
            if isinstance(e, UserMessage):
                self.say(f"› {e.content}")
            elif isinstance(e, (AssistantMessage, ToolResult)):
                if isinstance(e, AssistantMessage) and e.content:
                    self.out.write(e.content)
                self.show(e)

    def close(self) -> None:
        """End the open session with the outcome of its last turn."""
        driver, self.driver = self.driver, None
        if driver is not None:
            driver.end()

    def _choose_session(self) -> Path | None:
        current = self.session.session_id if self.session is not None else None
        sessions = [s for s in list_sessions(sessions_folder(self.session, self.workspace)) if s.id != current][:20]
        for i, s in enumerate(sessions, 1):
            self.say(f"{i:>3}. {s.id}  {s.turns} turns  {s.first_user_message}")
        if not sessions:
            self.say("no sessions to resume in this workspace")
            return None
        answer = self.read("resume which? (number, empty for none) ").strip()
        return sessions[int(answer) - 1].path if answer.isdigit() and 0 < int(answer) <= len(sessions) else None

    def command(self, name: str, arg: str) -> bool:
        """Run a ``/`` command (:class:`~limi_cli.chat.commands.CommandHandler`); ``False`` means quit."""
        try:
            items = self.commands.run(name, arg, self.session, self.factory)
        except KeyboardInterrupt:  # ctrl+c while a custom command's ! line ran: it was killed
            self.say("[interrupted]")
            return True
        for item in items:
            if isinstance(item, Reply):
                self.say(item.text)
            elif isinstance(item, Switch):
                self._switch(item.log, item.factory)
            elif isinstance(item, PickSession):
                if (log := self._choose_session()) is not None:
                    self._switch(log)
            elif isinstance(item, Compact):
                self.say(item.run(self.session).text)
            elif isinstance(item, SendPrompt):
                self.turn(item.shown, item)
            elif isinstance(item, EditFile):
                self.say(item.run().text)
            elif isinstance(item, Quit):
                return False
        return True

    def _switch(self, log: Path | None, factory=None) -> None:
        """End this session and open the one at ``log`` (None: a new one), with ``factory`` when
        given (``/model``): if that one does not load, back to the factory that worked."""
        previous = self.factory
        self.close()
        self.factory = factory or previous
        try:
            self._open(log)
        except Exception as e:
            if factory is None:
                raise
            self.say(f"could not start the session: {str(e).splitlines()[0] if str(e) else type(e).__name__}")
            self.say("back on the previous model; /model NAME tries another")
            self.factory = previous
            self._open(log)

    # -- the prompt -----------------------------------------------------------------------

    def _default_reader(self) -> Reader:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            return input
        from prompt_toolkit import PromptSession
        from prompt_toolkit.key_binding import KeyBindings

        keys = KeyBindings()

        @keys.add("c-j")
        @keys.add("escape", "enter")
        def _newline(event) -> None:
            event.current_buffer.insert_text("\n")

        prompt = PromptSession(history=ToolkitHistory(self.history),
                               completer=ChatCompleter(self.workspace, self.commands.extra_commands),
                               key_bindings=keys, complete_while_typing=True)
        return lambda message: prompt.prompt(message)


def ChatCompleter(workspace: Path, extra: Callable[[], list] | None = None):  # noqa: N802 - a class made on demand, keeping prompt_toolkit out of imports
    """A prompt-toolkit completer for ``/`` commands (``extra``: the custom commands and skills) and ``@`` files."""
    from prompt_toolkit.completion import Completer, Completion

    class _ChatCompleter(Completer):
        def __init__(self) -> None:
            self.files: list[str] | None = None

        def get_completions(self, document, complete_event):
            text = document.text_before_cursor
            for c in complete_slash(text, extra() if extra is not None and text.startswith("/") else ()):
                yield Completion(f"/{c.name}", start_position=-len(text), display_meta=c.help)
            mention = mention_at(text, len(text))
            if mention is not None:
                if self.files is None:
                    self.files = workspace_files(workspace)
                for path in fuzzy_matches(mention[1], self.files):
                    yield Completion(f"@{path}", start_position=-(len(mention[1]) + 1))

    return _ChatCompleter()


def ToolkitHistory(history: PromptHistory):  # noqa: N802
    """The per-project history (:class:`PromptHistory`) as a prompt-toolkit history."""
    from prompt_toolkit.history import History

    class _History(History):
        def load_history_strings(self):
            return reversed(history.entries)

        def store_string(self, string: str) -> None:
            pass  # LineChat.run adds every line itself

    return _History()
