"""The ``/`` commands of the interactive chat: names, arguments and help, with completion.
What each does: :mod:`limi_cli.chat.commands`, for every front end."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class SlashCommand:
    name: str  # without the slash
    args: str  # how the arguments are written, for the help
    help: str


SLASH_COMMANDS: tuple[SlashCommand, ...] = (
    SlashCommand("help", "", "list the commands and keys"),
    SlashCommand("model", "[NAME]", "show the model, or switch to another one"),
    SlashCommand("mode", "[MODE]", "show or set the approval mode: read-only, ask, auto-edit, yolo"),
    SlashCommand("clear", "", "start a new session with an empty conversation"),
    SlashCommand("sessions", "", "list this workspace's sessions"),
    SlashCommand("resume", "[ID]", "reopen a session (a picker without ID)"),
    SlashCommand("export", "PATH", "write this session as a LIMI training row to PATH"),
    SlashCommand("undo", "[STEP]", "restore the files as they were before a step of this session (default: the last)"),
    SlashCommand("compact", "", "summarise older turns to free context (the task and the last turns are kept)"),
    SlashCommand("rate", "N [TAG...]", "rate this session 1-5 for curation, with optional tags (saved beside its log)"),
    SlashCommand("init", "", "have the model write a first AGENTS.md for this repository (you approve the write)"),
    SlashCommand("memory", "[user]", "edit this project's AGENTS.md (or, with user, your own) in $EDITOR"),
    SlashCommand("quit", "", "end the session and leave"),
)
BY_NAME = {c.name: c for c in SLASH_COMMANDS}
ALIASES = {"exit": "quit", "q": "quit", "?": "help"}


def complete_slash(text: str, extra: Sequence[SlashCommand] = ()) -> list[SlashCommand]:
    """Commands whose name starts with what follows the ``/`` (only while no space was typed);
    ``extra``: the custom commands and skills, after the built-in ones."""
    if not text.startswith("/") or " " in text:
        return []
    prefix = text[1:].lower()
    found = [c for c in (*SLASH_COMMANDS, *extra) if c.name.startswith(prefix)]
    return sorted(found, key=lambda c: c.name != prefix)  # an exact name first: /mode is not /model


def parse_slash(text: str) -> tuple[str, str] | None:
    """``("model", "qwen")`` for ``/model qwen``; ``None`` if ``text`` is not a command."""
    text = text.strip()
    if not text.startswith("/") or text.startswith("//") or len(text) < 2:
        return None
    name, _, arg = text[1:].partition(" ")
    name = ALIASES.get(name.lower(), name.lower())
    return name, arg.strip()


def help_text(commands: Sequence[SlashCommand] = SLASH_COMMANDS) -> str:
    width = max((len(f"/{c.name} {c.args}") for c in commands), default=0)
    lines = [f"  {f'/{c.name} {c.args}'.ljust(width)}  {c.help}" for c in commands]
    return "\n".join(lines)
