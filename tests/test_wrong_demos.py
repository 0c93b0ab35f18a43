"""The wrong-first demonstrations (demos/families/record_wrong.py): a wrong round 1 (a guessed value
or code with one small bug) not trained on, the check's real failure on it, then a trained round 2
that does something different and makes the right change. No model, no training."""

from __future__ import annotations

import json

import pytest

from evaluation.check import CommandResult
from evaluation.runner import feedback_message
from evaluation.task import load_suite
from tests.family_scripts import FAMILIES, call_arguments, family_script

ROWS = FAMILIES / "dataset" / "wrong.jsonl"
FEEDBACK_HEAD = "The check of your work failed (round 1 of 3; 2 left). It ran:"
CHANGES = ("write_file", "edit")


@pytest.fixture(scope="module")
def rw():
    return family_script("record_wrong")


@pytest.fixture(scope="module")
def suite():
    return {t.id: t for t in load_suite(str(FAMILIES / "train")).tasks}


def _rows() -> list[dict]:
    return [json.loads(line) for line in ROWS.read_text().splitlines()]


def _reference_change(task_id: str) -> dict:
    for step in json.loads((FAMILIES / "train" / task_id / "steps.json").read_text())["steps"]:
        for call in step.get("calls") or ([step["call"]] if "call" in step else []):
            if call["name"] in CHANGES:
                return call
    raise AssertionError(f"{task_id}: no change")


def _changes(messages: list[dict]) -> list[dict]:
    return [c["function"] for m in messages for c in m.get("tool_calls") or [] if c["function"]["name"] in CHANGES]


def test_each_row_is_a_wrong_attempt_its_check_failure_and_a_different_fix(suite):
    rows = _rows()
    assert len(rows) >= 70
    by_text = {t.instruction.strip(): t.id for t in suite.values()}
    seen = set()
    for n, row in enumerate(rows, 1):
        messages = [m for m in row["messages"] if m["role"] != "system"]
        task_id = by_text[messages[0]["content"].strip()]  # a training task, never validation or evaluation
        assert int(task_id.rsplit("-", 1)[1]) % 2 == 0, task_id  # record_recovery has the odd ones
        seen.add(task_id)
        users = [i for i, m in enumerate(messages) if m["role"] == "user"]
        assert len(users) == 2, f"row {n}: the task and one check failure"
        fb = users[1]
        assert messages[fb]["content"].startswith(FEEDBACK_HEAD), f"row {n}"
        round1 = [m for m in messages[:fb] if m["role"] == "assistant"]
        round2 = [m for m in messages[fb:] if m["role"] == "assistant"]
        # round 1: all of it weight 0, one wrong change, then a premature answer
        assert all(m.get("weight") == 0 for m in round1), f"row {n}: round 1 is not trained on"
        assert not round1[-1].get("tool_calls") and round1[-1]["content"].startswith("Done:"), f"row {n}"
        ref = _reference_change(task_id)
        (wrong,) = _changes(round1)
        wa, ra = call_arguments(wrong), ref["arguments"]
        assert wrong["name"] == ref["name"] and wa["path"] == ra["path"], f"row {n}"
        key = "content" if ref["name"] == "write_file" else "new_string"
        assert wa[key] != ra[key], f"row {n}: round 1 writes what the reference writes"
        if not ra["path"].endswith(".py"):  # a guess: no look at the files before writing
            assert len(round1) == 2, f"row {n}"
        # round 2: trained, starts from the failure, makes the reference change, ends with an answer
        assert all(m.get("weight", 1) != 0 for m in round2), f"row {n}"
        assert round2[0]["content"].startswith("The check failed (") and round2[0].get("tool_calls"), f"row {n}"
        assert round2[0]["tool_calls"][0]["function"]["name"] not in CHANGES, f"row {n}: it looks before writing"
        fixes = [a for a in map(call_arguments, _changes(round2)) if a["path"] == ra["path"]]
        if ref["name"] == "write_file":
            assert ra in fixes, f"row {n}: round 2 writes the reference content"
        else:  # the edit goes from the wrong code (as the file now is) to the reference code
            assert {**ra, "old_string": wa["new_string"]} in fixes, f"row {n}"
        assert not round2[-1].get("tool_calls"), f"row {n}: round 2 ends with a final answer"
    assert len(seen) == len(rows)


@pytest.mark.parametrize("task_id", ["fix-operator-002", "csv-sum-002", "json-settings-002"])
def test_the_feedback_is_the_checks_real_failure_on_the_wrong_attempt(rw, suite, task_id):
    folder = FAMILIES / "train" / task_id
    demo = rw.wrong_demo(suite[task_id], folder)
    assert not isinstance(demo, str), demo
    check = rw.failing_check(suite[task_id], folder, demo.answer, demo.change)
    assert not check.ok  # the wrong attempt really fails the check
    feedback = feedback_message(check, 1, 3)
    assert {"user": feedback} in demo.steps
    assert demo.steps[demo.round1 - 1] == {"answer": demo.answer}
    row = next(r for r in _rows() if r["messages"][1]["content"].strip() == suite[task_id].instruction.strip())
    assert feedback in [m["content"] for m in row["messages"] if m["role"] == "user"]  # the committed row has it
    assert check.exit_code != 0 and rw.last_line(check.output) in feedback


def test_a_wrong_attempt_that_passes_the_check_is_skipped(rw, suite, monkeypatch):
    checks = family_script("record_recovery")  # where failing_check runs the check
    passing = CommandResult(command="true", exit_code=0, output="", duration_s=0.0)
    monkeypatch.setattr(checks, "run_check", lambda task, workspace, answer: passing)
    for task_id in ("fix-operator-002", "count-lines-002"):
        out = rw.wrong_demo(suite[task_id], FAMILIES / "train" / task_id)
        assert isinstance(out, str) and "passes" in out, out
    failing = CommandResult(command="check", exit_code=1, output="x\nwrong value\n", duration_s=0.0)
    monkeypatch.setattr(checks, "run_check", lambda task, workspace, answer: failing)
    demo = rw.wrong_demo(suite["count-lines-002"], FAMILIES / "train" / "count-lines-002")
    assert {"user": feedback_message(failing, 1, 3)} in demo.steps
    assert demo.steps[demo.round1 + 1]["thought"].startswith("The check failed (wrong value).")


def test_nothing_to_change_or_to_break_is_skipped(rw, suite):
    assert rw.wrong_demo(suite["survey-002"], FAMILIES / "train" / "survey-002") == "changes no file"
    assert "no small bug" in rw.wrong_demo(suite["rename-function-002"], FAMILIES / "train" / "rename-function-002")


def test_operator_swaps_go_into_the_new_code_and_never_bring_back_the_old(rw):
    m = rw.mutate_code("", "def half(x):\n    return x / 2\n")
    assert m.wrong == "def half(x):\n    return x * 2\n" and (m.bad, m.good) == ("*", "/")
    assert m.line == "return x * 2"
    # the fix's only new token is `/`; `*` would be the old code again, so the bug goes elsewhere
    m = rw.mutate_code("return (width + height) * 2", "return (width + height) / 2")
    assert m.wrong == "return (width - height) / 2"
    assert m.thought("geom.py", False) == "`return (width - height) / 2` has `-` where `+` belongs; fix it."
    assert rw.mutate_code("return width + height", "return width * height").wrong == "return width / height"
    assert rw.mutate_code("", "if a < b:\n    pass\n").wrong == "if a <= b:\n    pass\n"
    assert rw.mutate_code("", "ok = a >= b\n").wrong == "ok = a > b\n"
    assert rw.mutate_code("", "return x % 2 == 0\n").wrong == "return x % 2 != 0\n"
    assert rw.mutate_code("", "flag = True\n").wrong == "flag = False\n"
    assert rw.mutate_code("", "return -x\n").wrong == "return x\n"  # a dropped unary minus, last resort


def test_integer_plus_one_only_in_new_code_and_never_in_strings_or_names(rw):
    old = "def ratio(part, whole):\n    return round(part / whole, 2)\n"
    new = "def ratio(part, whole, digits=2):\n    return round(part / whole, digits)\n"
    m = rw.mutate_code(old, new)  # not the `/` that was there already
    assert m.wrong == "def ratio(part, whole, digits=3):\n    return round(part / whole, digits)\n"
    assert rw.mutate_code("", "return items[-1]\n").wrong == "return items[-2]\n"
    assert rw.mutate_code("", "def f(*args):\n    return g(**args)\n") is None  # unary `*` is no operator
    assert rw.mutate_code("", "print('a + b == 2')\nx = name_2\n") is None
    assert rw.mutate_code("", "print(sum(int(a) for a in sys.argv[1:]))\n").wrong.endswith("sys.argv[2:]))\n")


def test_guessed_values(rw, tmp_path):
    assert rw.guess_values("output.txt", "6\n", tmp_path, "", 2) == [("7\n", "each integer n+1")]
    assert rw.guess_values("a/b_2.txt", "zephyr nectar 22\n", tmp_path, "", 2)[0][0] == "zephyr nectar 23\n"
    text = '{\n  "theme": "Kyoto",\n  "depth": 21\n}\n'
    quoted = '{\n  "theme": "Kyoto",\n  "depth": "21"\n}\n'
    plus = '{\n  "theme": "Kyoto",\n  "depth": 22\n}\n'
    assert [v for v, _ in rw.guess_values("p.json", text, tmp_path, "", 2)] == [quoted, plus]
    assert [v for v, _ in rw.guess_values("p.json", text, tmp_path, "", 4)] == [plus, quoted]
    (tmp_path / "stock.csv").write_text("item,qty,bin\nsprings,19,\nbolts,49,B6\ngaskets,54,\n")
    assert rw.guess_values("output.txt", "gaskets\n", tmp_path, "", 2)[0][0] == "springs\n"  # another row, not the header
    assert rw.guess_values("output.txt", "zinc\n", tmp_path, "", 2) == [("cniz\n", "the word reversed")]
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a_2.py").write_text("x = 1\n")
    (tmp_path / "pkg" / "defs_2.py").write_text("def render_roster():\n    pass\n")
    (tmp_path / "pkg" / "uses_2.py").write_text("from pkg.defs_2 import render_roster\n")
    wrong = rw.guess_values("reply.txt", "pkg/defs_2.py\n", tmp_path, "Which file defines render_roster?", 2)
    assert wrong[0][0] == "pkg/uses_2.py\n"  # the file that uses it: the plausible mistake
