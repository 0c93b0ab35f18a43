"""The hint demonstrations (demos/families/record_hint.py): a call that misses (a wrong path, or an
old_string misremembered), not trained on; the tool's real answer, which names the file or shows
the closest lines; then a trained call that does what the answer says. No model, no training."""

from __future__ import annotations

import json

import pytest

from evaluation.task import load_suite
from tests.family_scripts import FAMILIES, call_arguments, family_script

ROWS = FAMILIES / "dataset" / "hint.jsonl"


@pytest.fixture(scope="module")
def rh():
    return family_script("record_hint")


@pytest.fixture(scope="module")
def suite():
    return {t.id: t for t in load_suite(str(FAMILIES / "train")).tasks}


def test_each_row_misses_once_then_uses_the_tools_hint(suite):
    rows = [json.loads(line) for line in ROWS.read_text().splitlines()]
    assert len(rows) >= 120
    by_text = {t.instruction.strip(): t.id for t in suite.values()}
    kinds = {"path": 0, "text": 0}
    for n, row in enumerate(rows, 1):
        messages = [m for m in row["messages"] if m["role"] != "system"]
        assert messages[0]["content"].strip() in by_text, f"row {n}: a training task, never validation or evaluation"
        missed = [i for i, m in enumerate(messages) if m["role"] == "assistant" and m.get("weight") == 0]
        assert len(missed) == 1, f"row {n}: exactly the missed call is left out of training"
        i = missed[0]
        (miss,) = messages[i]["tool_calls"]
        result, retry = messages[i + 1], messages[i + 2]
        assert result["role"] == "tool" and result["content"].startswith("Error:"), f"row {n}"
        (call,) = retry["tool_calls"]
        assert call["function"]["name"] == miss["function"]["name"], f"row {n}: the same tool, sent right"
        got, sent = call_arguments(call), call_arguments(miss)
        if got["path"] != sent["path"]:  # a wrong path: the tool named the file the retry opens
            kinds["path"] += 1
            assert f"did you mean {got['path']}" in result["content"], f"row {n}"
            assert {**sent, "path": got["path"]} == got, f"row {n}: only the path changed"
        else:  # a misremembered old_string: the retry's text is in the lines the tool showed
            kinds["text"] += 1
            assert "the closest lines" in result["content"], f"row {n}"
            assert got["old_string"] != sent["old_string"] and got["new_string"] == sent["new_string"], f"row {n}"
            assert got["old_string"].strip().splitlines()[0].strip() in result["content"], f"row {n}"
        assert not messages[-1].get("tool_calls") and messages[-1]["role"] == "assistant", f"row {n}: a final answer"
    assert kinds["path"] >= 60 and kinds["text"] >= 30, kinds


def test_wrong_paths_and_misremembered_text(rh):
    assert rh.wrong_path("docs/billing.md") == "billing.md"
    assert rh.wrong_path("pkg/sub/mod.py") == "mod.py"
    assert rh.wrong_path("mathops.py") == "src/mathops.py"
    # an operator or number first, never the edit's own new text
    assert rh.misremember("    return a * b\n", "    return a + b\n") == ("    return a / b\n", "/", "*")
    assert rh.misremember("    return a - b\n", "    return a + b\n")[0] not in ("    return a + b\n", "    return a - b\n")
    # no operator or number: the last name gets an s added or dropped
    assert rh.misremember("    return x\n", "    return x + 1\n") == ("    return xs\n", "xs", "x")
    assert rh.misremember("def items(self):", "def items(self, n):") == ("def items(selfs):", "selfs", "self")
    assert rh.misremember("pass", "x = 1") is None  # a keyword alone: nothing to misremember


def test_steps_put_the_miss_before_the_reference_call(rh, suite):
    for task_id, kind in (("fix-operator-005", "text"), ("find-definition-002", "path")):
        steps, turn, must, got_kind = rh.hint_steps(suite[task_id], FAMILIES / "train" / task_id)
        reference = json.loads((FAMILIES / "train" / task_id / "steps.json").read_text())["steps"]
        assert got_kind == kind
        assert len(steps) == len(reference) + 1
        missed = steps[turn - 1]
        assert missed["expect_error"] and not any(s.get("expect_error") for s in steps[turn:])
        assert steps[turn]["call"] == reference[turn - 1]["call"]  # then the reference call, unchanged
        assert steps[turn + 1:] == reference[turn:]
        if kind == "path":
            assert must == f"did you mean {reference[turn - 1]['call']['arguments']['path']}"
        else:
            assert must == "the closest lines"
    assert rh.hint_steps(suite["write-line-002"], FAMILIES / "train" / "write-line-002") is None
