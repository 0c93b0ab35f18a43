#!/usr/bin/env python3
"""Record the reference demonstration of every training-family task and build its dataset.

Each ``demos/families/train/ID/steps.json`` (written by make_suites.py from the reference
solution) is recorded with ``limi-cli record`` in a fresh git workspace offered the seven core
tools, exactly as demos/record_all.py records the hand-written demos; the log must end
``done`` with no failed call, and the task's own check must pass in the final workspace. Logs
go to ``demos/families/sessions/``, rows to ``demos/families/dataset/train.jsonl`` (with a
manifest); the three families added later (a class's new methods, a crash on an edge input, a
CSV total per group) go to ``more_sessions/`` and ``dataset/more.jsonl``, so the first 192 rows
stay as they were (``--only more`` records just those). Only the ``train`` split is ever
recorded: the validation split stays unseen. A step marked ``expect_error`` (running a test
that fails before the fix) may fail; the check sees the demo's final answer in
``$FINAL_ANSWER_FILE``, as in an evaluation run.

    .venv/bin/python demos/families/record.py              # both sets
    .venv/bin/python demos/families/record.py --only more  # the later families alone
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE.parent))

from record_all import PY, check_log, env, limi, prepare, read_events  # noqa: E402

from evaluation.check import FINAL_ANSWER, command_env, run_command  # noqa: E402
from evaluation.task import load_suite  # noqa: E402

SESSIONS = HERE / "sessions"
DATASET = HERE / "dataset"


def final_answer(log: Path) -> str:
    """The text of the session's last reply, when it called no tool (its final answer)."""
    replies = [e for e in read_events(log) if e["type"] == "assistant_message"]
    return replies[-1]["content"] if replies and not replies[-1]["tool_calls"] else ""


def record_demo(task, folder: Path, steps_file: Path, expect: set[int], sessions: Path,
                extra: Callable[[Path], list[str]] | None = None, approval: str = "yolo") -> list[str]:
    """Play ``steps_file`` in a fresh workspace of ``task`` and keep its log as ``sessions/TASK_ID*``.

    The log must end ``done`` with no unexpected failed call (``expect``: the turns whose call
    may fail), ``extra(log)`` may add problems (and may annotate the log before it is copied),
    and the task's check must pass on the final workspace, given the demo's final answer. The demo
    runs in ``approval`` mode (a survey, read-only as the README's first command runs, so that
    its tool answers are the ones that command gets).
    Returns the problems; nothing is kept when there are any.
    """
    tmp = prepare(folder)
    try:
        cmd = [str(PY), "-m", "limi_cli.cli", "record", "--steps", str(steps_file), "--cwd", str(tmp),
               "--approval", approval]
        p = subprocess.run(cmd, cwd=tmp, env=env(), capture_output=True, text=True)
        if p.returncode != 0:
            return [f"record exit {p.returncode}: {p.stderr.strip()[-400:]}"]
        (log,) = (tmp / ".limi" / "sessions").glob("*.jsonl")
        problems = check_log(task.id, log, expect) + (extra(log) if extra else [])
        check = run_check(task, tmp, final_answer(log))
        if check.exit_code != 0:
            problems.append(f"check failed: {check.output.strip()[-300:]}")
        if not problems:
            for f in log.parent.glob(f"{log.stem}*"):
                shutil.copy2(f, sessions / f"{task.id}{f.name[len(log.stem):]}")
        return problems
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_check(task, workspace: Path, answer: str):
    """The task's check on ``workspace``, given ``answer`` as the final answer (a file beside it, as in evaluation)."""
    outside = Path(tempfile.mkdtemp(prefix="limi-answer-"))
    try:
        (outside / FINAL_ANSWER).write_text(answer, encoding="utf-8")
        check_env = {**env(), **command_env(task.suite_dir, task.id, outside / FINAL_ANSWER)}
        return run_command(task.check, workspace, 60, check_env)
    finally:
        shutil.rmtree(outside, ignore_errors=True)


# the families added after the first fifteen: recorded into their own dataset, so train.jsonl's rows (and every
# mix drawn from them with a seed) stay as they were
MORE_FAMILIES = ("add-method", "fix-crash", "group-total")
MORE_SESSIONS = HERE / "more_sessions"


def record_set(tasks: list, sessions: Path, dataset: str) -> int:
    """Record ``tasks``' reference demos into ``sessions`` and export them as ``dataset/DATASET.jsonl``."""
    shutil.rmtree(sessions, ignore_errors=True)
    sessions.mkdir(parents=True)
    failed = []
    for task in tasks:
        folder = HERE / "train" / task.id
        steps = json.loads((folder / "steps.json").read_text())["steps"]
        expect = {n for n, step in enumerate(steps, 1) if step.get("expect_error")}
        problems = record_demo(task, folder, folder / "steps.json", expect, sessions)
        if problems:
            failed.append(f"{task.id}: {'; '.join(problems)}")
    for line in failed:
        print(f"FAILED {line}", file=sys.stderr)
    print(f"recorded {len(tasks) - len(failed)} of {len(tasks)} family demos in {sessions}")
    if failed:
        return 1
    rel = lambda p: str(p.relative_to(REPO))  # noqa: E731
    limi("data", "validate", rel(sessions))
    limi("data", "export", "--format", "limi", rel(sessions), "-o", rel(DATASET / f"{dataset}.jsonl"))
    if dataset == "train":
        stats = json.loads(limi("data", "stats", "--json", rel(sessions), capture=True).stdout)
        (DATASET / "stats.json").write_text(json.dumps(stats, indent=2) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=["first", "more"],
                    help="record only the first fifteen families (train.jsonl) or only the later ones (more.jsonl)")
    a = ap.parse_args(argv)
    tasks = load_suite(str(HERE / "train")).tasks
    first = [t for t in tasks if t.tags[0] not in MORE_FAMILIES]
    more = [t for t in tasks if t.tags[0] in MORE_FAMILIES]
    rc = 0
    if a.only != "more":
        rc |= record_set(first, SESSIONS, "train")
    if a.only != "first":
        rc |= record_set(more, MORE_SESSIONS, "more")
    return rc


if __name__ == "__main__":
    sys.exit(main())
