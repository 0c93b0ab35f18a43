"""The recovery demonstrations (demos/families/record_recovery.py): a premature answer that is not
trained on (weight 0; its masking is tested in test_training_masking.py), the check's real failure sent as an evaluation round sends it, then the work."""

from __future__ import annotations

import json
from pathlib import Path

from evaluation.task import load_suite
from tests.family_scripts import family_script

ROOT = Path(__file__).resolve().parents[1]
FAMILIES = ROOT / "demos" / "families"
ROWS = FAMILIES / "dataset" / "recovery.jsonl"
FEEDBACK_HEAD = "The check of your work failed (round 1 of 3; 2 left). It ran:"


def _rows() -> list[dict]:
    return [json.loads(line) for line in ROWS.read_text().splitlines()]


def _train_tasks() -> dict[str, str]:
    return {t.instruction.strip(): t.id for t in load_suite(str(FAMILIES / "train")).tasks}


def test_each_row_is_a_premature_answer_its_check_failure_and_the_recovery():
    rows = _rows()
    assert len(rows) >= 80
    by_text = _train_tasks()
    seen = set()
    for n, row in enumerate(rows, 1):
        messages = [m for m in row["messages"] if m["role"] != "system"]
        task_id = by_text[messages[0]["content"].strip()]  # a training task, never validation or evaluation
        assert int(task_id.rsplit("-", 1)[1]) % 2 == 1, task_id
        seen.add(task_id)
        skipped = [i for i, m in enumerate(messages) if m["role"] == "assistant" and m.get("weight") == 0]
        assert len(skipped) == 1, f"row {n}: one premature answer, not trained on"
        i = skipped[0]
        assert not messages[i].get("tool_calls"), f"row {n}: the premature answer calls no tool"
        feedback = messages[i + 1]
        assert feedback["role"] == "user" and feedback["content"].startswith(FEEDBACK_HEAD), f"row {n}"
        after = [m for m in messages[i + 2:] if m["role"] == "assistant"]
        assert after[0].get("tool_calls"), f"row {n}: the recovery starts with a tool call"
        assert after[0]["content"].startswith("The check failed (")
        assert not after[-1].get("tool_calls") and all(m.get("weight", 1) != 0 for m in after)
    assert len(seen) == len(rows)


def test_the_feedback_is_the_checks_real_failure():
    record_recovery = family_script("record_recovery")
    suite = {t.id: t for t in load_suite(str(FAMILIES / "train")).tasks}
    for task_id in ("fix-operator-001", "count-lines-003"):
        steps, premature, answer = record_recovery.recovery_steps(suite[task_id], FAMILIES / "train" / task_id)
        feedback = next(s["user"] for s in steps if "user" in s)
        check = record_recovery.failing_check(suite[task_id], FAMILIES / "train" / task_id, answer)
        assert not check.ok  # the work is really missing: the real check fails
        assert record_recovery.last_line(check.output) in feedback
        assert steps[premature - 1] == {"answer": answer}
