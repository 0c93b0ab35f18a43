#!/usr/bin/env python3
"""Record the reference demonstration of every training-family task and build its dataset.

Each ``demos/families/train/ID/steps.json`` (written by make_suites.py from the reference
solution) is recorded with ``limi-cli record`` in a fresh git workspace offered the seven core
tools, exactly as demos/record_all.py records the hand-written demos; the log must end
``done`` with no failed call, and the task's own check must pass in the final workspace. Logs
go to ``demos/families/sessions/``, rows to ``demos/families/dataset/train.jsonl`` (with a
manifest). Only the ``train`` split is ever recorded: the validation split stays unseen. A step
marked ``expect_error`` (running a test that fails before the fix) may fail; the check sees the
demo's final answer in ``$FINAL_ANSWER_FILE``, as in an evaluation run.

    .venv/bin/python demos/families/record.py
"""

from __future__ import annotations

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
                extra: Callable[[Path], list[str]] | None = None) -> list[str]:
    """Play ``steps_file`` in a fresh workspace of ``task`` and keep its log as ``sessions/TASK_ID*``.

    The log must end ``done`` with no unexpected failed call (``expect``: the turns whose call
    may fail), ``extra(log)`` may add problems (and may annotate the log before it is copied),
    and the task's check must pass on the final workspace, given the demo's final answer.
    Returns the problems; nothing is kept when there are any.
    """
    tmp = prepare(folder)
    try:
        cmd = [str(PY), "-m", "limi_cli.cli", "record", "--steps", str(steps_file), "--cwd", str(tmp)]
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


def main() -> int:
    suite = load_suite(str(HERE / "train"))
    shutil.rmtree(SESSIONS, ignore_errors=True)
    SESSIONS.mkdir(parents=True)
    failed = []
    for task in suite.tasks:
        folder = HERE / "train" / task.id
        steps = json.loads((folder / "steps.json").read_text())["steps"]
        expect = {n for n, step in enumerate(steps, 1) if step.get("expect_error")}
        problems = record_demo(task, folder, folder / "steps.json", expect, SESSIONS)
        if problems:
            failed.append(f"{task.id}: {'; '.join(problems)}")
    for line in failed:
        print(f"FAILED {line}", file=sys.stderr)
    print(f"recorded {len(suite.tasks) - len(failed)} of {len(suite.tasks)} family demos in {SESSIONS}")
    if failed:
        return 1
    rel = lambda p: str(p.relative_to(REPO))  # noqa: E731
    limi("data", "validate", rel(SESSIONS))
    limi("data", "export", "--format", "limi", rel(SESSIONS), "-o", rel(DATASET / "train.jsonl"))
    stats = json.loads(limi("data", "stats", "--json", rel(SESSIONS), capture=True).stdout)
    (DATASET / "stats.json").write_text(json.dumps(stats, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
