#!/usr/bin/env python3
"""Record recovery demonstrations: a failed check, then the fix, as ``limi-cli eval`` runs rounds.

On the built-in suite the tuned models often end round 1 with wrong or missing work and then,
given the check's failure (evaluation/feedback.md), answer "Fixed it" without a single tool
call, so rounds 2 and 3 are wasted. The family demos never show a second round. A recovery
demo is a training task's reference demo split in two:

1. the reference steps up to the first change (the exploring calls), then an answer that
   claims the work is done, with nothing changed;
2. the task's check, really run on that workspace with that answer, and its failure sent as
   the next user message, word for word as an evaluation's round 1 of 3 sends it;
3. the expert: reads the file it is about to change (the check's last line in the thought),
   then the rest of the reference steps, and the final answer.

The premature answer stays in the conversation as context and is excluded from training
(``limi-cli data annotate --exclude-step``: weight 0), so the model learns the recovery and
not the mistake. Only odd-numbered ``train`` tasks are used (half of each family); logs go to
``demos/families/recovery_sessions/`` and rows to ``demos/families/dataset/recovery.jsonl``.

    .venv/bin/python demos/families/record_recovery.py
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE.parent))

from record_all import PY, check_log, env, limi, prepare, read_events  # noqa: E402

from evaluation.check import FINAL_ANSWER, command_env, run_command  # noqa: E402
from evaluation.runner import feedback_message  # noqa: E402
from evaluation.task import load_suite  # noqa: E402

SESSIONS = HERE / "recovery_sessions"
DATASET = HERE / "dataset"
CHANGES = {"write_file", "edit"}
PREMATURE = ("Done: the work is finished.",)


def last_line(output: str) -> str:
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    return (lines[-1] if lines else "no output")[:160]


def failing_check(task, folder: Path, answer: str):
    """The task's check on the untouched workspace, the final answer being ``answer``."""
    tmp = prepare(folder)
    outside = Path(tempfile.mkdtemp(prefix="limi-answer-"))
    try:
        (outside / FINAL_ANSWER).write_text(answer, encoding="utf-8")
        check_env = {**env(), **command_env(task.suite_dir, task.id, outside / FINAL_ANSWER)}
        return run_command(task.check, tmp, 60, check_env)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(outside, ignore_errors=True)


def recovery_steps(task, folder: Path) -> tuple[list[dict], int, str] | None:
    """(steps, the premature answer's step number, the answer the check saw), or None."""
    steps = json.loads((folder / "steps.json").read_text())["steps"]
    first = next((i for i, s in enumerate(steps) if any(c["name"] in CHANGES for c in _calls(s))), None)
    if first is None:
        return None
    change = next(c for c in _calls(steps[first]) if c["name"] in CHANGES)
    path = change["arguments"]["path"]
    for answer in (steps[-1]["answer"], *PREMATURE):
        check = failing_check(task, folder, answer)
        if not check.ok:
            break
    else:
        return None
    explore = steps[:first]
    reread = []
    if (folder / "workspace" / path).is_file() or change["name"] == "edit":
        reread = [{"thought": f"The check failed ({last_line(check.output)}). Read {path} again.",
                   "call": {"name": "read_file", "arguments": {"path": path}}}]
    else:
        steps[first] = {**steps[first], "thought": f"The check failed ({last_line(check.output)}). "
                        + str(steps[first].get("thought", ""))}
    out = [*explore, {"answer": answer}, {"user": feedback_message(check, 1, 3)}, *reread, *steps[first:]]
    return out, len(explore) + 1, answer


def _calls(step: dict) -> list[dict]:
    return step.get("calls") or ([step["call"]] if "call" in step else [])


def main() -> int:
    suite = load_suite(str(HERE / "train"))
    tasks = [t for t in suite.tasks if int(t.id.rsplit("-", 1)[1]) % 2 == 1]
    shutil.rmtree(SESSIONS, ignore_errors=True)
    SESSIONS.mkdir(parents=True)
    failed, skipped, done = [], [], 0
    for task in tasks:
        folder = HERE / "train" / task.id
        made = recovery_steps(task, folder)
        if made is None:
            skipped.append(task.id)
            continue
        steps, premature, answer = made
        turns = [s for s in steps if "user" not in s]  # assistant steps, numbered as the log's turns
        expect = {n for n, s in enumerate(turns, 1) if s.get("expect_error")}
        tmp = prepare(folder)
        outside = Path(tempfile.mkdtemp(prefix="limi-answer-"))
        try:
            steps_file = outside / "steps.json"
            label = json.loads((folder / "steps.json").read_text())["label"]
            label = {**label, "tags": [*label["tags"], "recovery"]}
            task_text = json.loads((folder / "steps.json").read_text())["task"]
            steps_file.write_text(json.dumps({"task": task_text, "steps": steps, "label": label}, indent=1))
            cmd = [str(PY), "-m", "limi_cli.cli", "record", "--steps", str(steps_file), "--cwd", str(tmp)]
            p = subprocess.run(cmd, cwd=tmp, env=env(), capture_output=True, text=True)
            if p.returncode != 0:
                failed.append(f"{task.id}: record exit {p.returncode}: {p.stderr.strip()[-400:]}")
                continue
            (log,) = (tmp / ".limi" / "sessions").glob("*.jsonl")
            problems = _turn_problems(log, expect)
            replies = [e for e in read_events(log) if e["type"] == "assistant_message"]
            if replies[premature - 1]["content"] != answer or replies[premature - 1]["tool_calls"]:
                problems.append(f"step {premature} is not the premature answer")
            (outside / FINAL_ANSWER).write_text(replies[-1]["content"], encoding="utf-8")
            check_env = {**env(), **command_env(task.suite_dir, task.id, outside / FINAL_ANSWER)}
            check = run_command(task.check, tmp, 60, check_env)
            if check.exit_code != 0:
                problems.append(f"check failed: {check.output.strip()[-300:]}")
            if problems:
                failed.append(f"{task.id}: {'; '.join(problems)}")
                continue
            limi("data", "annotate", str(log), "--exclude-step", str(premature))
            for f in log.parent.glob(f"{log.stem}*"):
                shutil.copy2(f, SESSIONS / f"{task.id}{f.name[len(log.stem):]}")
            done += 1
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(outside, ignore_errors=True)
    for line in failed:
        print(f"FAILED {line}", file=sys.stderr)
    print(f"recorded {done} recovery demos of {len(tasks)} tasks in {SESSIONS}"
          + (f"; skipped (no change, or the check passes without one): {', '.join(skipped)}" if skipped else ""))
    if failed:
        return 1
    rel = lambda p: str(p.relative_to(REPO))  # noqa: E731
    limi("data", "validate", rel(SESSIONS))
    limi("data", "export", "--format", "limi", rel(SESSIONS), "-o", rel(DATASET / "recovery.jsonl"))
    return 0


def _turn_problems(log: Path, expect: set[int]) -> list[str]:
    """check_log's problems, with tool calls numbered by assistant message (turns restart after a user step)."""
    events = read_events(log)
    number, renumbered = 0, []
    for e in events:
        if e["type"] == "assistant_message":
            number += 1
            e = {**e, "turn": number}
        renumbered.append(e)
    fixed = log.with_suffix(".renumbered")
    fixed.write_text("".join(json.dumps(e) + "\n" for e in renumbered))
    try:
        return check_log(log.stem, fixed, expect)
    finally:
        fixed.unlink()


if __name__ == "__main__":
    sys.exit(main())
