"""An Exercism-style folder as a suite: each exercise folder is a task.

Layout of an exercise (``two-fer/``): ``.docs/instructions.md`` (+ optional
``introduction.md``, ``instructions.append.md``), the stub ``two_fer.py``, the tests
``two_fer_test.py``, and ``.meta/config.json`` naming the solution, test and example
files (``.meta/example.py`` is the reference solution; it never reaches the workspace).

The check first restores the pristine test files (an agent that edits the tests gains
nothing), then runs pytest on them.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from evaluation.task import Limits, Suite, SuiteError, Task, read_split


def read_exercism_suite(folder: Path) -> Suite:
    """Every exercise under ``folder`` (sub-folders with ``.docs/instructions.md``), by name."""
    folder = folder.expanduser().resolve()
    if not folder.is_dir():
        raise SuiteError(f"{folder}: not a directory; pass exercism:DIR with a folder of exercises")
    tasks = [exercise_task(d, folder) for d in sorted(folder.iterdir()) if (d / ".docs" / "instructions.md").is_file()]
    if not tasks:
        raise SuiteError(f"{folder}: no exercises found (folders with .docs/instructions.md)")
    # a foreign benchmark: evaluation only, unless its folder says otherwise
    return Suite(folder.name, f"exercism:{folder}", folder, tasks, read_split(folder) or "eval")


def exercise_task(exercise: Path, root: Path) -> Task:
    config_path = exercise / ".meta" / "config.json"
    try:
        files = json.loads(config_path.read_text(encoding="utf-8"))["files"]
        solution, tests, examples = files["solution"], files["test"], files.get("example", [])
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as e:
        raise SuiteError(f"{config_path}: cannot read files.solution and files.test ({e})") from None
    docs = exercise / ".docs"
    parts = [(docs / name).read_text(encoding="utf-8").strip() for name in ("introduction.md", "instructions.md", "instructions.append.md")
             if (docs / name).is_file()]
    tests_q = " ".join(shlex.quote(t) for t in tests)
    parts.append(
        f"Write your solution in {', '.join(f'`{s}`' for s in solution)} in the current directory. "
        f"The tests are in {', '.join(f'`{t}`' for t in tests)}; run them with `python -m pytest -q {tests_q}`. "
        "Do not change the tests."
    )
    restore = " && ".join(f"cp -f \"$SUITE_DIR\"/{shlex.quote(exercise.name)}/{shlex.quote(t)} {shlex.quote(t)}" for t in tests)
    check = f"{restore} && python -m pytest -q -p no:cacheprovider --tb=short {tests_q}"
    reference = {}
    if len(examples) == 1 and len(solution) == 1:
        reference = {solution[0]: str(exercise / examples[0])}
    return Task(
        id=exercise.name,
        instruction="\n\n".join(parts),
        workspace=str(exercise),
        exclude=[".meta", ".docs"],
        check=check,
        solution_files=reference,
        limits=Limits(time_s=900, max_turns=30, check_timeout_s=120),
        tags=["exercism", "python"],
        suite_dir=str(root),
    )
