"""The task format: one JSON object a line in a suite file (see evaluation/README.md).

:func:`load_suite` reads a suite from a path spec (a ``.jsonl`` file, a directory holding
``tasks.jsonl``, ``builtin``, or ``exercism:DIR``); every mistake in a file is a one-line
:class:`SuiteError` naming ``file:line`` and the key.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

BUILTIN_SUITE = Path(__file__).parent / "suites" / "builtin" / "tasks.jsonl"


class SuiteError(Exception):
    """A suite file or folder is wrong; the message names the file and line."""


class Limits(BaseModel):
    """What one task run may spend. ``max_turns`` is per round; the others cover all rounds."""

    model_config = ConfigDict(extra="forbid")

    time_s: float = Field(default=600.0, gt=0)  # agent wall time, all rounds together
    max_turns: int = Field(default=30, ge=1)  # model calls per round
    max_tokens: int | None = Field(default=None, ge=1)  # prompt + completion tokens, all rounds
    check_timeout_s: float = Field(default=120.0, gt=0)  # each run of the check command
    setup_timeout_s: float = Field(default=300.0, gt=0)  # each setup command


class Task(BaseModel):
    """One task: what the agent is told, where it works, and the command that decides."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    instruction: str = Field(min_length=1)
    workspace: str | None = None  # template directory, relative to the suite file
    repo: str | None = None  # or a git repository (URL or path) to clone
    ref: str | None = None  # commit, branch or tag of ``repo``
    setup: list[str] = Field(default_factory=list)  # shell commands run in the fresh workspace
    check: str = Field(min_length=1)  # shell command run in the workspace; exit 0 = pass
    exclude: list[str] = Field(default_factory=list)  # top-level names of the template not copied
    solution: str | None = None  # reference solution directory, overlaid on the workspace
    solution_files: dict[str, str] = Field(default_factory=dict)  # or: workspace path -> file
    limits: Limits = Field(default_factory=Limits)
    tags: list[str] = Field(default_factory=list)
    suite_dir: str = Field(default="", exclude=True)  # set by the loader: $SUITE_DIR of the check


@dataclass
class Suite:
    """Tasks read from one source, in file order."""

    name: str
    source: str  # the spec it was loaded from
    root: Path  # the directory relative paths resolve against
    tasks: list[Task]
    # "eval": evaluation only, never training data (``data harvest`` refuses its runs);
    # "train" or "validation": task families of one's own; None: not marked
    split: str | None = None

    def capped(self, max_turns: int) -> Suite:
        """The same tasks with at most ``max_turns`` model calls per round."""
        tasks = [
            t.model_copy(update={"limits": t.limits.model_copy(update={"max_turns": min(t.limits.max_turns, max_turns)})})
            for t in self.tasks
        ]
        return Suite(self.name, self.source, self.root, tasks, self.split)

    def select(self, pattern: str | None = None, tags: list[str] | None = None, limit: int | None = None) -> Suite:
        """The tasks whose id matches a glob ``pattern`` and that carry all ``tags``, first ``limit``."""
        tasks = [t for t in self.tasks if pattern is None or any(fnmatch.fnmatch(t.id, p) for p in pattern.split(","))]
        tasks = [t for t in tasks if all(tag in t.tags for tag in tags or [])]
        return Suite(self.name, self.source, self.root, tasks[:limit] if limit else tasks, self.split)


def load_suite(spec: str, suite_format: str = "auto") -> Suite:
    """A suite from ``builtin``, ``exercism:DIR``, a ``.jsonl`` file or a directory with ``tasks.jsonl``."""
    if spec == "builtin":
        return read_suite_file(BUILTIN_SUITE, name="builtin")
    if spec.startswith("exercism:"):
        suite_format, spec = "exercism", spec[len("exercism:"):]
    path = Path(spec).expanduser()
    if suite_format == "exercism":
        from evaluation.exercism import read_exercism_suite

        return read_exercism_suite(path)
    if path.is_dir():
        if (path / "tasks.jsonl").is_file():
            path = path / "tasks.jsonl"
        else:
            raise SuiteError(f"{path}: no tasks.jsonl in this folder; pass a .jsonl file, or exercism:{path} for an Exercism folder")
    if not path.is_file():
        raise SuiteError(f"{spec}: no such suite file; pass a .jsonl file, a folder with tasks.jsonl, builtin or exercism:DIR")
    return read_suite_file(path)


def read_suite_file(path: Path, name: str | None = None) -> Suite:
    """Parse a JSONL suite; blank lines and lines starting with ``#`` are skipped."""
    path = path.resolve()
    root = path.parent
    tasks: list[Task] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{path}:{lineno}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as e:
            raise SuiteError(f"{where}: not valid JSON ({e.msg} at column {e.colno})") from None
        if not isinstance(data, dict):
            raise SuiteError(f"{where}: each line must be a JSON object, not {type(data).__name__}")
        if "suite_dir" in data:
            raise SuiteError(f"{where}: key 'suite_dir' is set by limi-cli; remove it")
        try:
            task = Task.model_validate(data)
        except ValidationError as e:
            err = e.errors()[0]
            key = ".".join(str(p) for p in err["loc"]) or "?"
            raise SuiteError(f"{where}: key '{key}': {err['msg']}") from None
        if task.id in seen:
            raise SuiteError(f"{where}: task id {task.id!r} is already used on line {seen[task.id]}")
        seen[task.id] = lineno
        tasks.append(_resolve(task, root, where))
    if not tasks:
        raise SuiteError(f"{path}: the suite has no tasks")
    suite_name = name or (path.parent.name if path.name == "tasks.jsonl" else path.stem)
    return Suite(suite_name, str(path), root, tasks, read_split(root))


SPLITS = ("eval", "train", "validation")
SUITE_META = "suite.json"  # beside tasks.jsonl: {"split": "eval"} marks an evaluation-only suite


def read_split(folder: Path) -> str | None:
    """The ``split`` a suite folder's ``suite.json`` declares, or None when there is none."""
    meta = folder / SUITE_META
    if not meta.is_file():
        return None
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SuiteError(f"{meta}: not valid JSON ({e}); write e.g. {{\"split\": \"eval\"}}") from None
    split = data.get("split") if isinstance(data, dict) else None
    if split not in SPLITS:
        raise SuiteError(f"{meta}: key 'split' must be one of {', '.join(SPLITS)}, not {split!r}")
    return split


def _resolve(task: Task, root: Path, where: str) -> Task:
    """Make the template and solution paths absolute and check that they exist."""
    if task.workspace and task.repo:
        raise SuiteError(f"{where}: give 'workspace' or 'repo', not both")
    update: dict = {"suite_dir": str(root)}
    for key in ("workspace", "solution"):
        value = getattr(task, key)
        if value is None:
            continue
        folder = (root / value).resolve()
        if not folder.is_dir():
            raise SuiteError(f"{where}: key '{key}': {folder} is not a directory")
        update[key] = str(folder)
    files = {}
    for dest, src in task.solution_files.items():
        file = (root / src).resolve()
        if not file.is_file():
            raise SuiteError(f"{where}: key 'solution_files.{dest}': {file} is not a file")
        files[dest] = str(file)
    update["solution_files"] = files
    return task.model_copy(update=update)
