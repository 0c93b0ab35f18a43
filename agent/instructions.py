"""Project instructions: ``AGENTS.md`` files (the convention several coding agents share).

Read at the start of a session, into the system prompt, each under its path:

- the user's own file, ``$XDG_CONFIG_HOME/limi-cli/AGENTS.md`` (``~/.config/limi-cli/``), for every project;
- the workspace root's file.

In a folder, the first of ``instruction_files`` that exists is read (``AGENTS.md``, else
``CLAUDE.md``, else ``GEMINI.md``). A folder below the root can have its own file: when a tool
first touches a file under that folder, the file's text is appended to the tool's result, under
its path, so the model reads it where it becomes relevant and the log keeps it exactly as the
model saw it (:meth:`Instructions.for_call`).

A file over ``instructions_max_chars`` characters is cut there, with a line saying so in the
prompt and a notice for the person. ``session_started`` records each file read at the start
(:meth:`InstructionFile.record`: path, sha256 of the whole file, size, whether it was cut).

Workspace files are untrusted text: they are read by descriptor from the workspace root
(:mod:`agent.tools.safe_open`), so a symlink leading out of the workspace is refused, and
they only ever become prompt text.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal

from agent.policy import ApprovalRules
from agent.tools.base import ToolError
from agent.tools.safe_open import open_read
from agent.tools.workspace import OutsideWorkspace, Workspace

DEFAULT_FILES = ("AGENTS.md", "CLAUDE.md", "GEMINI.md")
DEFAULT_MAX_CHARS = 32_000
Scope = Literal["user", "project", "folder"]

_CHUNK = 1 << 16
# the line that opens a folder's instructions inside a tool result (also how a resumed session
# finds the folders whose file the model has already seen)
_FOLDER_HEADER = "[instructions from {path}, for the files under {folder}/]"
_FOLDER_HEADER_RE = re.compile(r"^\[instructions from (?P<path>.+), for the files under (?P<folder>.+)/\]$", re.M)


def user_instructions_dir() -> Path:
    """Where the user's own instruction file lives: beside the user config."""
    from agent.config import user_config_path

    return user_config_path().parent


@dataclass(frozen=True)
class InstructionFile:
    """One instruction file as the model was shown it."""

    path: Path  # where it is
    shown_as: str  # its name in the prompt and the log: relative to the workspace, or the user's path
    scope: Scope
    text: str  # what the model reads (cut, with a note, when too long)
    sha256: str  # of the whole file
    size: int  # bytes
    cut: bool

    def record(self) -> dict[str, Any]:
        """What ``session_started.instructions`` keeps about it."""
        return {"path": self.shown_as, "scope": self.scope, "sha256": self.sha256, "bytes": self.size,
                "chars": len(self.text), "cut": self.cut}


@dataclass
class Instructions:
    """The instruction files of a session: those read at the start (:attr:`files`), and the
    folders whose file was shown later (:attr:`shown`), with the problems met on the way."""

    workspace: Workspace
    names: tuple[str, ...] = DEFAULT_FILES
    max_chars: int = DEFAULT_MAX_CHARS
    files: list[InstructionFile] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # one line each, for the person
    shown: set[Path] = field(default_factory=set)  # folders whose file the model has read (the root's included)

    # -- the start of a session ------------------------------------------------------------

    def load(self, user_dir: Path | None) -> Instructions:
        """Read the user's file (from ``user_dir``; None: not read) and the workspace root's."""
        if user_dir is not None and (name := self._first(user_dir, trusted=True)) is not None:
            path = user_dir / name
            self._add(self._read(path, display_path(path), "user", trusted=True))
        root = self.workspace.root
        if (name := self._first(root)) is not None:
            self._add(self._read(root / name, name, "project"))
        self.shown.add(root)
        return self

    def prompt_section(self) -> str:
        """The system prompt's part for the files read at the start ('' when there are none)."""
        if not self.files:
            return ""
        parts = [
            "# Instructions (AGENTS.md)\n\n"
            "These files were written for agents working here: by the user, for every project, and by this "
            "project. Follow them. Where they disagree, the project's file wins over the user's, and a folder's "
            "own file (shown when you first work on a file under that folder) wins for the files under it."
        ]
        for f in self.files:
            whose = "the user's, for every project" if f.scope == "user" else "this project's"
            parts.append(f"## {f.shown_as} ({whose})\n\n{f.text}")
        return "\n\n".join(parts)

    def records(self) -> list[dict[str, Any]]:
        return [f.record() for f in self.files]

    # -- folders below the root -------------------------------------------------------------

    def for_call(self, params: Any) -> str | None:
        """The instructions of the folders a call touched whose file the model has not read yet
        (outermost first), as text to append to its result; None when there are none."""
        notes = []
        for folder in self._folders_touched(params):
            if folder in self.shown or (name := self._first(folder)) is None:
                continue
            self.shown.add(folder)
            rel = self.workspace.relative(folder)
            f = self._read(folder / name, f"{rel}/{name}", "folder")
            if f is None:
                continue
            header = _FOLDER_HEADER.format(path=f.shown_as, folder=rel)
            notes.append(f"{header}\n{f.text}\n[end of {f.shown_as}]")
        return "\n\n".join(notes) if notes else None

    def seen_in(self, outputs: Iterable[str]) -> None:
        """Mark the folders whose instructions appear in ``outputs`` (a resumed session's tool
        results) as read, so they are not shown again."""
        for output in outputs:
            for m in _FOLDER_HEADER_RE.finditer(output):
                self.shown.add(self.workspace.root / m.group("folder"))

    def recount(self, outputs: Iterable[str]) -> None:
        """Only the folders whose instructions are still in ``outputs`` (the conversation's tool
        results after a compaction) count as read: the others are shown again when touched."""
        self.shown = {self.workspace.root}
        self.seen_in(outputs)

    def _folders_touched(self, params: Any) -> list[Path]:
        root = self.workspace.root
        paths = [getattr(params, "path", None)]
        extra = getattr(params, "paths", None)
        paths += list(extra) if isinstance(extra, (list, tuple)) else []
        folders: list[Path] = []
        for p in paths:
            if not isinstance(p, str) or not p:
                continue
            try:
                target = self.workspace.resolve(p)
            except (OutsideWorkspace, OSError, RuntimeError, ValueError):
                continue
            folder = target if target.is_dir() else target.parent
            chain = [folder, *folder.parents]
            for d in reversed(chain[: chain.index(root)] if root in chain else []):
                if d not in folders:
                    folders.append(d)
        return folders

    # -- reading ----------------------------------------------------------------------------

    def _first(self, folder: Path, trusted: bool = False) -> str | None:
        """The name of the instruction file that counts in ``folder``: the first of :attr:`names` there."""
        for name in self.names:
            path = folder / name
            try:
                if path.is_file() if trusted else (path.is_file() or path.is_symlink()):
                    return name
            except OSError:
                continue
        return None

    def _add(self, f: InstructionFile | None) -> None:
        if f is not None:
            self.files.append(f)

    def _read(self, path: Path, shown_as: str, scope: Scope, trusted: bool = False) -> InstructionFile | None:
        """Read ``path``: at most :attr:`max_chars` characters of text, the sha256 of all of it."""
        where = str(path) if scope == "user" else shown_as
        try:
            with (open(path, "rb") if trusted else open_read(self.workspace, path)) as fh:
                head, digest, size = _read_head(fh, self.max_chars * 4 + 4)
        except (OSError, OutsideWorkspace, ToolError) as e:
            self.problems.append(f"{where}: cannot read it ({_why(e)}); its instructions are left out")
            return None
        if b"\0" in head[:8192]:
            self.problems.append(f"{where}: not a text file; its instructions are left out")
            return None
        text = head.decode("utf-8", errors="replace").replace("\r\n", "\n").strip()
        if not text:  # an empty file says nothing
            return None
        cut = size > len(head) or len(text) > self.max_chars
        if cut:
            text = text[: self.max_chars].rstrip()
            text += (f"\n\n[... cut here: {shown_as} is {size:,} bytes, and only its first {self.max_chars:,} "
                     "characters are shown (instructions_max_chars)]")
            self.problems.append(f"{where}: {size:,} bytes, over the {self.max_chars:,}-character limit "
                                 f"(instructions_max_chars); only its start is in the prompt")
        return InstructionFile(path, shown_as, scope, text, digest, size, cut)


def load_instructions(workspace: Path, names: Iterable[str] = DEFAULT_FILES, max_chars: int = DEFAULT_MAX_CHARS,
                      user_dir: Path | None = None) -> Instructions:
    """The instructions of a new session in ``workspace`` (the user's file from ``user_dir``,
    default the user config dir)."""
    found = Instructions(Workspace(workspace), tuple(names), max_chars)
    names_given = tuple(names)
    if not names_given:  # instruction_files = []: no instructions at all
        return found
    return found.load(user_dir if user_dir is not None else user_instructions_dir())


# /init: the writes of AGENTS.md are shown to the person (as a diff) before they happen, in every mode
INIT_RULES = ApprovalRules(ask=["write_file: *AGENTS.md", "edit: *AGENTS.md", "multi_edit: *AGENTS.md"])


def init_prompt(workspace: Path, names: Iterable[str] = DEFAULT_FILES) -> str:
    """What ``/init`` asks the model: write a first AGENTS.md from the repository (improve the
    one there, or carry over what a CLAUDE.md or GEMINI.md says)."""
    from prompts import load

    root = Path(workspace)
    present = [n for n in names if (root / n).is_file()]
    if "AGENTS.md" in present:
        existing = ("\nAGENTS.md exists already: read it first and improve it with edit, keeping what is still right, "
                    "rather than writing it anew.")
    elif present:
        existing = f"\nThis repository has a {present[0]}: read it and carry over into AGENTS.md what is still right."
    else:
        existing = ""
    return load("init.md").replace("{existing}", existing).strip()


def _read_head(fh: BinaryIO, limit: int) -> tuple[bytes, str, int]:
    """The first ``limit`` bytes, and the sha256 and size of the whole stream."""
    digest, head, size = hashlib.sha256(), bytearray(), 0
    while chunk := fh.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if len(head) < limit:
            head += chunk[: limit - len(head)]
    return bytes(head), digest.hexdigest(), size


def display_path(path: Path) -> str:
    """``path`` as shown to the model and in messages: under the home directory as ``~/...``."""
    home = os.path.expanduser("~")
    text = str(path)
    return "~" + text[len(home):] if home not in ("", "/") and text.startswith(home + os.sep) else text


def _why(e: BaseException) -> str:
    if isinstance(e, OSError) and e.strerror:
        return e.strerror.lower()
    return str(e).splitlines()[0] if str(e) else type(e).__name__
