"""The ``/`` commands of the chat, for every front end: :class:`CommandHandler` runs one against
the session and returns what to show (:class:`Reply`) and what the front end must do
(:class:`Switch`, :class:`PickSession`, :class:`Compact`, :class:`SendPrompt`, :class:`EditFile`,
:class:`Quit`), in order.

Besides the built-in commands, the handler serves the custom commands (Markdown files in
``.limi/commands/`` and the user's ``commands/``, :mod:`agent.custom_commands`) and the skills
(``/NAME`` sends the skill with the request, :mod:`agent.skills`); ``/help`` and the ``/`` menu
list them (:meth:`CommandHandler.extra_commands`).

The handler blocks (an export, an undo, reading the session list): the TUI calls it off its
event loop. Names, arguments and help: :mod:`limi_cli.chat.slash_commands`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Union

from agent.backends.base import BackendError
from agent.backends.registry import make_backend
from agent.checkpoints import CheckpointError, describe_undo, undo
from agent.config import Config, ConfigError, user_config_path
from agent.custom_commands import (DEFAULT_TIMEOUT_S, PROJECT_DIR as COMMANDS_DIR, CommandSet, CustomCommand, PromptTurn,
                                   command_turn, load_commands)
from agent.curation.annotations import rate_session
from agent.events import Compaction
from agent.export import export_sessions
from agent.instructions import DEFAULT_FILES, INIT_RULES, init_prompt, user_instructions_dir
from agent.policy import APPROVAL_MODES
from agent.session import Session
from agent.session_store import SessionLookupError, SessionSummary, find_session, list_sessions, sessions_dir
from agent.skills import PROJECT_DIR as SKILLS_DIR, Skill, SkillSet, load_skills
from agent.tools.base import ToolError
from limi_cli.chat.factory import SessionFactory
from limi_cli.chat.slash_commands import ALIASES, BY_NAME, SlashCommand, help_text


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
class SendPrompt:
    """Run ``turn`` (:class:`~agent.custom_commands.PromptTurn`: its text is the user message the
    model gets) as the next turn; the chat shows ``shown`` (what was typed) with ``note`` under it."""

    shown: str
    turn: PromptTurn
    note: str = ""


@dataclass(frozen=True)
class EditFile:
    """Open ``path`` in the person's editor (``/memory``); :meth:`run` blocks until it is closed.
    A file made for it (``created``) that is still empty afterwards is removed again."""

    path: Path
    created: bool = False

    def run(self) -> Reply:
        import shlex
        import shutil
        import subprocess

        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or next(
            (e for e in ("nano", "vi") if shutil.which(e)), "")
        if not editor:
            return Reply("no editor: set $EDITOR (e.g. export EDITOR=nano) and run /memory again", "warning")
        try:
            argv = shlex.split(editor)
            code = subprocess.run([*argv, str(self.path)]).returncode
        except (OSError, ValueError) as e:
            return Reply(f"could not start the editor {editor!r} ($EDITOR): {e}", "warning")
        finally:
            if self.created and self.path.is_file() and not self.path.read_text(encoding="utf-8", errors="replace").strip():
                self.path.unlink()
        if code != 0:
            return Reply(f"the editor {editor!r} exited with code {code}", "warning")
        if not self.path.is_file():
            return Reply(f"{self.path} was not written")
        return Reply(f"saved {self.path}; new sessions read it (/clear starts one)")


@dataclass(frozen=True)
class Quit:
    """End the session and leave."""


Action = Union[Switch, PickSession, Compact, SendPrompt, EditFile, Quit]
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
        self._found: tuple[tuple, CommandSet, SkillSet] | None = None  # the files' stamps, what they hold
        self._backends: dict[str, object] = {}  # the models custom commands asked for, loaded once

    def run(self, name: str, arg: str, session: Session | None, factory: Callable | None = None,
            busy: bool = False) -> list[Item]:
        """What ``/name arg`` gives, against ``session`` (None while none is open) built by
        ``factory``; ``busy``: a turn is running."""
        handler = getattr(self, f"cmd_{name}", None) if name in BY_NAME else None
        if handler is not None:
            return handler(arg, session, factory, busy)
        commands, skills = self.extensions()
        if (command := commands.get(name)) is not None:
            return self.custom(command, arg, session, factory, busy)
        if (skill := skills.get(name)) is not None:
            return self.skill(skill, arg, session, busy)
        if name in commands.problems:
            return [Reply(commands.problems[name], "warning")]
        return [Reply(f"unknown command /{name}; /help lists the commands", "warning")]

    # -- custom commands and skills ------------------------------------------------------

    def extensions(self) -> tuple[CommandSet, SkillSet]:
        """The custom commands and skills as the files are now (read again when one changed)."""
        # the user config dir holds the user's commands and skills, and the trust store
        stamp = _stamp([user_config_path().parent, self.workspace / COMMANDS_DIR, self.workspace / SKILLS_DIR])
        if self._found is None or self._found[0] != stamp:
            commands = load_commands(self.workspace, reserved={*BY_NAME, *ALIASES})
            self._found = (stamp, commands, load_skills(self.workspace))
        return self._found[1], self._found[2]

    def extra_commands(self) -> list[SlashCommand]:
        """The custom commands, then the skills (those whose name no command has), for the ``/`` menu and ``/help``."""
        commands, skills = self.extensions()
        found = [SlashCommand(c.name, c.argument_hint, c.help()) for c in commands.commands.values()]
        found += [SlashCommand(s.name, "[REQUEST]", f"skill: {s.description}")
                  for s in skills.skills.values() if s.name not in commands.commands and s.name not in BY_NAME]
        return found

    def custom(self, command: CustomCommand, arg: str, session, factory, busy) -> list[Item]:
        """``/NAME args`` of a custom command: its text expanded (``!`` lines run where allowed) and sent."""
        if session is None:
            return [_NO_SESSION]
        if busy:
            return [_STILL_WORKING]
        config = getattr(factory, "config", None)
        timeout = config.command_timeout_s if isinstance(config, Config) else DEFAULT_TIMEOUT_S
        turn, notes = command_turn(command, arg, session, timeout_s=timeout, backend_for=self._backend_for(factory))
        items: list[Item] = [Reply(note, "warning") for note in notes]
        if turn is None:
            return [*items, Reply(f"/{command.name} was not sent", "warning")]
        shown = f"/{command.name} {arg}".rstrip()
        return [*items, SendPrompt(shown, turn, f"{command.shown_as}, {len(turn.text.splitlines())} lines sent")]

    def skill(self, skill: Skill, arg: str, session, busy) -> list[Item]:
        """``/NAME request`` of a skill: the request with the skill's text."""
        if session is None:
            return [_NO_SESSION]
        if busy:
            return [_STILL_WORKING]
        try:
            text = skill.as_message(arg)
        except ToolError as e:
            return [Reply(f"/{skill.name}: {e}", "warning")]
        record = {"name": skill.name, "skill": True, "path": skill.shown_as, "sha256": skill.sha256, "arguments": arg}
        return [SendPrompt(f"/{skill.name} {arg}".rstrip(), PromptTurn(text, record), f"skill {skill.shown_as}")]

    def _backend_for(self, factory) -> Callable[[str], object] | None:
        """How a custom command's ``model`` is loaded: as ``/model`` would (None: this chat cannot)."""
        if not isinstance(factory, SessionFactory):
            return None

        def load(model: str) -> object:
            if model not in self._backends:
                self._backends[model] = make_backend(factory.config.model_copy(update={"model": model}))
            return self._backends[model]

        return load

    # -- the commands -----------------------------------------------------------------

    def cmd_help(self, arg: str, session, factory, busy) -> list[Item]:
        text = "commands:\n" + help_text()
        commands, skills = self.extensions()
        custom = [c for c in self.extra_commands() if c.name in commands.commands]
        if custom:
            text += "\ncustom commands (.limi/commands/, ~/.config/limi-cli/commands/):\n" + help_text(custom)
        listed = [c for c in self.extra_commands() if c.name not in commands.commands]
        if listed:
            text += "\nskills (.limi/skills/, ~/.config/limi-cli/skills/; the model reads one when it fits):\n" + help_text(listed)
        problems = [*commands.problems.values(), *commands.notices, *skills.problems]
        if problems:
            text += "\nnot loaded or limited:\n" + "\n".join(f"  {p}" for p in problems)
        return [Reply(text + (f"\n{self.keys_help}" if self.keys_help else ""))]

    def cmd_init(self, arg: str, session, factory, busy) -> list[Item]:
        if session is None:
            return [_NO_SESSION]
        if busy:
            return [_STILL_WORKING]
        config = getattr(factory, "config", None)
        names = tuple(config.instruction_files) if isinstance(config, Config) and config.instruction_files else DEFAULT_FILES
        turn = PromptTurn(init_prompt(self.workspace, names), {"name": "init", "builtin": True}, INIT_RULES)
        return [Reply("asking the model to write AGENTS.md from the repository; you see the file before it is written"),
                SendPrompt("/init", turn, "the instructions for writing AGENTS.md")]

    def cmd_memory(self, arg: str, session, factory, busy) -> list[Item]:
        if arg not in ("", "user", "project"):
            return [Reply("/memory edits this project's AGENTS.md; /memory user edits your own", "warning")]
        config = getattr(factory, "config", None)
        names = tuple(config.instruction_files) if isinstance(config, Config) and config.instruction_files else DEFAULT_FILES
        folder = user_instructions_dir() if arg == "user" else self.workspace
        path = next((folder / n for n in names if (folder / n).is_file()), folder / names[0])
        created = not path.exists()
        if created:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.touch()
            except OSError as e:
                return [Reply(f"cannot create {path}: {e}", "warning")]
        return [EditFile(path, created)]

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


def _stamp(folders: list[Path]) -> tuple:
    """What changes when a file under ``folders`` is added, removed or written (paths, sizes, times)."""
    found = []
    for folder in folders:
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames.sort()
            for name in sorted(filenames):
                try:
                    st = os.stat(os.path.join(dirpath, name))
                except OSError:
                    continue
                found.append((dirpath, name, st.st_size, st.st_mtime_ns))
    return tuple(found)


_STILL_WORKING = Reply("still working: press esc to stop it first", "warning")
_NO_SESSION = Reply("no session yet", "warning")
