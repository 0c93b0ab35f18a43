"""Skills: folders holding a ``SKILL.md`` (YAML front matter with ``name`` and ``description``,
then instructions in Markdown, perhaps with more files beside it), in the project's
``.limi/skills/`` and the user's ``$XDG_CONFIG_HOME/limi-cli/skills/``.

Progressive disclosure, as Claude Code and Codex do it: only each skill's name and
description go into the system prompt (:meth:`SkillSet.prompt_section`); the model reads a
skill's body, and the other files of its folder, through the ``skill`` tool
(:mod:`agent.tools.skill`) when it decides the skill fits the task. In the chat, ``/NAME``
sends the skill's text with the request (:meth:`Skill.as_message`).

A skill is text for the prompt and nothing more: a project's skills need no trust, and a
skill cannot run anything or change a setting. Project files are read by descriptor from the
workspace root, so a symlink out of the workspace is refused; a file the model asks for is
read by descriptor from the skill's own folder, so it cannot lead out of it.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from agent.front_matter import FrontMatterError, parse_document, text_field
from agent.instructions import display_path
from agent.tools.base import ToolError
from agent.tools.safe_open import open_read
from agent.tools.workspace import OutsideWorkspace, Workspace

SKILL_FILE = "SKILL.md"
PROJECT_DIR = Path(".limi") / "skills"
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_DESCRIPTION = 1024  # characters, as Claude Code's skills
MAX_FILE_BYTES = 1 << 20  # a SKILL.md (or a file of its folder) is read up to this size
MAX_LISTED = 50  # files of a skill's folder named in its text
Scope = Literal["user", "project"]


def user_skills_dir() -> Path:
    from agent.config import user_config_path

    return user_config_path().parent / "skills"


@dataclass(frozen=True)
class Skill:
    name: str
    description: str
    path: Path  # its SKILL.md
    shown_as: str  # the path as the prompt and the log name it
    scope: Scope
    sha256: str  # of SKILL.md when the session started
    workspace: Path | None  # the workspace root, for a project skill (read by descriptor from it)

    @property
    def folder(self) -> Path:
        return self.path.parent

    def record(self) -> dict[str, Any]:
        """What ``session_started.skills`` keeps about it."""
        return {"name": self.name, "path": self.shown_as, "scope": self.scope, "sha256": self.sha256}

    def body(self) -> str:
        """The instructions: SKILL.md after its front matter, read now."""
        raw = self._read(self.path)
        try:
            return parse_document(raw.decode("utf-8", errors="replace")).body.strip()
        except FrontMatterError as e:
            raise ToolError(f"{self.shown_as}:{e.line}: {e.message}") from None

    def text(self) -> str:
        """What the model reads when it loads the skill: its path, its body, and the other
        files of its folder it can ask for."""
        out = f"Skill {self.name} ({self.shown_as}):\n\n{self.body()}"
        others = self.files()
        if others:
            more = f"\n- ... and {len(others) - MAX_LISTED} more" if len(others) > MAX_LISTED else ""
            out += (f"\n\nOther files in this skill's folder (read one with skill(name=\"{self.name}\", file=\"...\")):\n"
                    + "\n".join(f"- {f}" for f in others[:MAX_LISTED]) + more)
        return out

    def as_message(self, request: str) -> str:
        """The user message of ``/NAME request`` in the chat: the request, then the skill."""
        ask = request.strip() or "Use this skill."
        return f"{ask}\n\n[the skill {self.name}, which the user chose for this]\n{self.text()}\n[end of the skill {self.name}]"

    def read_file(self, rel: str) -> str:
        """A file of the skill's folder, as text; a :class:`ToolError` when it cannot be read."""
        target = Path(os.path.normpath(self.folder / rel))
        if os.path.isabs(rel) or self.folder not in target.parents:
            raise ToolError(f"{rel!r} is not in the folder of skill {self.name}; name a file listed in its text")
        # a project skill: by descriptor from the workspace root (nothing leads out of the workspace);
        # the user's own: from the skill's folder (nothing leads out of it)
        return self._read(target).decode("utf-8", errors="replace")

    def files(self) -> list[str]:
        """The files of the skill's folder other than SKILL.md, relative to it (hidden ones left out)."""
        found: list[str] = []
        for dirpath, dirnames, filenames in os.walk(self.folder):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__pycache__")
            for name in sorted(filenames):
                rel = os.path.relpath(os.path.join(dirpath, name), self.folder)
                if not name.startswith(".") and rel != SKILL_FILE:
                    found.append(rel)
            if len(found) > MAX_LISTED * 4:
                break
        return found

    def _read(self, path: Path) -> bytes:
        ws = Workspace(self.workspace) if self.workspace is not None else Workspace(self.folder)
        try:
            with open_read(ws, path) as f:
                data = f.read(MAX_FILE_BYTES + 1)
        except (FileNotFoundError, NotADirectoryError):
            raise ToolError(f"{path.name} is not in the folder of skill {self.name} (any more)") from None
        except IsADirectoryError:
            raise ToolError(f"{path.name} is a folder; name a file of skill {self.name}") from None
        except (OSError, OutsideWorkspace) as e:
            raise ToolError(f"cannot read {path.name} of skill {self.name}: {e}") from None
        if len(data) > MAX_FILE_BYTES:
            data = data[:MAX_FILE_BYTES] + f"\n[... cut: the file is over {MAX_FILE_BYTES:,} bytes]".encode()
        return data


@dataclass
class SkillSet:
    """The skills a session can use, by name (a project's skill hides the user's of the same
    name), and the problems met finding them (one line each, naming the file)."""

    skills: dict[str, Skill] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.skills)

    def get(self, name: str) -> Skill | None:
        return self.skills.get(name)

    def records(self) -> list[dict[str, Any]]:
        return [s.record() for s in self.skills.values()]

    def prompt_section(self) -> str:
        """The system prompt's list of skills: names and descriptions only ('' when there are none)."""
        if not self.skills:
            return ""
        lines = [f"- {s.name}: {s.description}" for s in self.skills.values()]
        return ("# Skills\n\n"
                "Skills are instructions for particular kinds of tasks, written by the user or this project. When a "
                "task matches a skill's description, call the `skill` tool with the skill's name to read it before "
                "you start, then follow it.\n\n" + "\n".join(lines))


def load_skills(workspace: Path, user_dir: Path | None = None) -> SkillSet:
    """The skills of ``workspace`` and of the user (``user_dir``, default the user config's ``skills/``)."""
    found = SkillSet()
    root = Path(workspace).resolve()
    user = (user_dir if user_dir is not None else user_skills_dir()).resolve()
    for scope, base in (("user", user), ("project", root / PROJECT_DIR)):
        for folder in _skill_folders(base, root if scope == "project" else None):
            skill = _load_one(folder, scope, root if scope == "project" else None, found.problems)  # type: ignore[arg-type]
            if skill is not None:
                found.skills[skill.name] = skill  # the project's after the user's: it wins
    found.skills = dict(sorted(found.skills.items()))
    return found


def _skill_folders(base: Path, workspace: Path | None) -> list[Path]:
    try:
        if workspace is not None:  # a project's: the skills folder itself must be inside the workspace
            Workspace(workspace).resolve(base)
        entries = sorted(os.scandir(base), key=lambda e: e.name)
    except (OSError, OutsideWorkspace):
        return []
    return [Path(e.path) for e in entries
            if not e.name.startswith(".") and e.is_dir() and os.path.lexists(os.path.join(e.path, SKILL_FILE))]


def _load_one(folder: Path, scope: Scope, workspace: Path | None, problems: list[str]) -> Skill | None:
    path = folder / SKILL_FILE
    shown = _shown(path, workspace)
    ws = Workspace(workspace) if workspace is not None else Workspace(folder)
    try:
        with open_read(ws, path) as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except (OSError, OutsideWorkspace, ToolError) as e:
        problems.append(f"{shown}: cannot read it ({e}); the skill is left out")
        return None
    if len(raw) > MAX_FILE_BYTES:
        problems.append(f"{shown}: over {MAX_FILE_BYTES:,} bytes; the skill is left out (move details to other files of its folder)")
        return None
    try:
        doc = parse_document(raw.decode("utf-8", errors="replace"))
        name = text_field(doc.meta, "name") or folder.name
        description = text_field(doc.meta, "description")
    except FrontMatterError as e:
        problems.append(f"{shown}:{e.line}: {e.message}; the skill is left out")
        return None
    if not NAME_RE.match(name):
        problems.append(f"{shown}:2: the name {name!r} is not a skill name (lower-case letters, digits, - and _, "
                        "at most 64); the skill is left out")
        return None
    if not description:
        problems.append(f"{shown}:1: no description in the front matter (description: when to use the skill); "
                        "the skill is left out")
        return None
    if len(description) > MAX_DESCRIPTION:
        problems.append(f"{shown}: the description is over {MAX_DESCRIPTION} characters; only its start is used")
        description = description[:MAX_DESCRIPTION].rstrip() + "..."
    return Skill(name, description, path, shown, scope, hashlib.sha256(raw).hexdigest(), workspace)


def _shown(path: Path, workspace: Path | None) -> str:
    if workspace is not None:
        try:
            return str(path.relative_to(workspace))
        except ValueError:
            return str(path)
    return display_path(path)
