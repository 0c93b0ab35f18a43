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
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from record import REPO, limi, prepare, record_demo, run_check  # noqa: E402  (record puts the repository on sys.path)

from evaluation.runner import feedback_message  # noqa: E402
from evaluation.task import load_suite  # noqa: E402

SESSIONS = HERE / "recovery_sessions"
DATASET = HERE / "dataset"
CHANGES = {"write_file", "edit"}
PREMATURE = ("Done: the work is finished.",)


def last_line(output: str) -> str:
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    return (lines[-1] if lines else "no output")[:160]


def apply_change(workspace: Path, call: dict) -> None:
    """Do what the write_file or edit ``call`` does to ``workspace``."""
    a = call["arguments"]
    target = workspace / a["path"]
    if call["name"] == "write_file":
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(a["content"], encoding="utf-8")
        return
    text = target.read_text(encoding="utf-8")
    if a["old_string"] not in text:
        raise ValueError(f"edit of {a['path']}: old_string not found")
    target.write_text(text.replace(a["old_string"], a["new_string"], -1 if a.get("replace_all") else 1), encoding="utf-8")


def failing_check(task, folder: Path, answer: str, change: dict | None = None):
    """The task's check on a fresh workspace, untouched or with ``change`` (a write_file or edit
    call) done to it, the final answer being ``answer``."""
    tmp = prepare(folder)
    try:
        if change is not None:
            apply_change(tmp, change)
        return run_check(task, tmp, answer)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


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
    failed, skipped = [], []
    for task in tasks:
        folder = HERE / "train" / task.id
        made = recovery_steps(task, folder)
        if made is None:
            skipped.append(task.id)
            continue
        steps, premature, answer = made
        problems = record_rounds(task, folder, steps, ["recovery"], SESSIONS,
                                 extra=lambda log: _premature_only(log, premature, answer))
        if problems:
            failed.append(f"{task.id}: {'; '.join(problems)}")
    done = len(tasks) - len(skipped) - len(failed)
    return finish(failed, f"recorded {done} recovery demos of {len(tasks)} tasks in {SESSIONS}"
                  + (f"; skipped (no change, or the check passes without one): {', '.join(skipped)}" if skipped else ""),
                  SESSIONS, DATASET / "recovery.jsonl")


def record_rounds(task, folder: Path, steps: list[dict], tags: list[str], sessions: Path, extra) -> list[str]:
    """Record ``steps`` (two rounds, a ``{"user": ...}`` step between them) as a demo of ``task`` into
    ``sessions``, its reference label given ``tags`` too; the problems, as :func:`record_demo` says them."""
    turns = [s for s in steps if "user" not in s]  # the log numbers turns across both rounds
    expect = {n for n, s in enumerate(turns, 1) if s.get("expect_error")}
    demo = json.loads((folder / "steps.json").read_text())
    label = {**demo["label"], "tags": [*demo["label"]["tags"], *tags]}
    where = Path(tempfile.mkdtemp(prefix="limi-steps-"))
    try:
        steps_file = where / "steps.json"
        steps_file.write_text(json.dumps({"task": demo["task"], "steps": steps, "label": label}, indent=1))
        return record_demo(task, folder, steps_file, expect, sessions, extra=extra)
    finally:
        shutil.rmtree(where, ignore_errors=True)


def finish(failed: list[str], summary: str, sessions: Path, rows: Path) -> int:
    """Print the failures and ``summary``; when nothing failed, export ``sessions`` to ``rows``. The exit code."""
    for line in failed:
        print(f"FAILED {line}", file=sys.stderr)
    print(summary)
    if failed:
        return 1
    export(sessions, rows)
    return 0


def export(sessions: Path, rows: Path) -> None:
    """Validate the recorded logs and export them as LIMI rows (a manifest beside them)."""
    rel = lambda p: str(p.relative_to(REPO))  # noqa: E731
    limi("data", "validate", rel(sessions))
    limi("data", "export", "--format", "limi", rel(sessions), "-o", rel(rows))


def _premature_only(log: Path, premature: int, answer: str) -> list[str]:
    """The premature answer is the log's turn ``premature``, with no call; it is excluded from training."""
    events = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    replies = [e for e in events if e["type"] == "assistant_message"]
    reply = replies[premature - 1]
    if reply["content"] != answer or reply["tool_calls"]:
        return [f"turn {premature} is not the premature answer"]
    limi("data", "annotate", str(log), "--exclude-step", str(premature))
    return []


if __name__ == "__main__":
    sys.exit(main())
