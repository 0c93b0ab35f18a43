"""Suites: the task format's errors, and the harness self-test: every reference solution
passes its check and every untouched workspace fails it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.runner import check_reference
from evaluation.task import SuiteError, load_suite

EXERCISM = Path(__file__).resolve().parents[1].parent / "shared" / "tasks" / "exercism-python"


def _write(tmp_path: Path, rows: list) -> Path:
    path = tmp_path / "tasks.jsonl"
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


def test_builtin_suite_scores_100_with_reference_solutions_and_0_on_stubs():
    suite = load_suite("builtin")
    assert len(suite.tasks) >= 30
    tags = {tag for t in suite.tasks for tag in t.tags}
    assert {"create", "fix", "extend", "refactor", "documents", "data", "report"} <= tags
    solved = [check_reference(t, solved=True) for t in suite.tasks]
    untouched = [check_reference(t, solved=False) for t in suite.tasks]
    assert [t.id for t, r in zip(suite.tasks, solved) if not r.ok] == []
    assert [t.id for t, r in zip(suite.tasks, untouched) if r.ok] == []


@pytest.mark.skipif(not EXERCISM.is_dir(), reason="needs ../shared/tasks/exercism-python")
def test_exercism_sample_scores_100_with_examples_and_0_on_stubs():
    suite = load_suite(f"exercism:{EXERCISM}")
    assert len(suite.tasks) >= 100
    sample = suite.select("two-fer,leap,acronym,error-handling,matrix").tasks
    assert len(sample) == 5
    assert all(check_reference(t, solved=True).ok for t in sample)
    assert not any(check_reference(t, solved=False).ok for t in sample)


@pytest.mark.skipif(not EXERCISM.is_dir(), reason="needs ../shared/tasks/exercism-python")
def test_exercism_task_hides_the_reference_and_restores_the_tests():
    task = load_suite(f"exercism:{EXERCISM}").select("two-fer").tasks[0]
    assert ".meta" in task.exclude and ".docs" in task.exclude
    assert "two_fer.py" in task.instruction and "give away the extra cookie" in task.instruction
    assert task.check.startswith('cp -f "$SUITE_DIR"/two-fer/two_fer_test.py two_fer_test.py && ')


def test_a_line_that_is_not_json_is_named_by_file_and_line(tmp_path):
    path = _write(tmp_path, [{"id": "a", "instruction": "x", "check": "true"}, "{not json"])
    with pytest.raises(SuiteError, match=rf"^{path}:2: not valid JSON"):
        load_suite(str(path))


def test_a_missing_key_is_named(tmp_path):
    path = _write(tmp_path, ["# a comment", "", {"id": "a", "instruction": "x"}])
    with pytest.raises(SuiteError, match=rf"^{path}:3: key 'check': Field required"):
        load_suite(str(tmp_path))


def test_a_duplicate_id_names_the_first_line(tmp_path):
    row = {"id": "a", "instruction": "x", "check": "true"}
    path = _write(tmp_path, [row, row])
    with pytest.raises(SuiteError, match=r":2: task id 'a' is already used on line 1"):
        load_suite(str(path))


def test_a_missing_workspace_folder_is_named(tmp_path):
    path = _write(tmp_path, [{"id": "a", "instruction": "x", "check": "true", "workspace": "nope"}])
    with pytest.raises(SuiteError, match=r":1: key 'workspace': .*nope is not a directory"):
        load_suite(str(path))


def test_unknown_keys_and_bad_limits_are_refused(tmp_path):
    path = _write(tmp_path, [{"id": "a", "instruction": "x", "check": "true", "limits": {"time_s": -1}}])
    with pytest.raises(SuiteError, match=r":1: key 'limits.time_s'"):
        load_suite(str(path))
    path = _write(tmp_path, [{"id": "a", "instruction": "x", "check": "true", "timeout": 3}])
    with pytest.raises(SuiteError, match=r":1: key 'timeout': Extra inputs"):
        load_suite(str(path))


def test_select_filters_by_glob_tag_and_limit():
    suite = load_suite("builtin")
    assert {t.id for t in suite.select("fix-*").tasks} >= {"fix-sum-to", "fix-leap-year"}
    assert all("data" in t.tags for t in suite.select(tags=["data"]).tasks)
    assert len(suite.select(limit=3).tasks) == 3


def test_capped_lowers_max_turns_but_never_raises_it():
    suite = load_suite("builtin").select(limit=2)
    capped = suite.capped(max_turns=5)
    assert [t.limits.max_turns for t in capped.tasks] == [5, 5]
    assert [t.limits.max_turns for t in suite.tasks] == [20, 20]  # the original is left alone
    assert [t.limits.max_turns for t in suite.capped(max_turns=500).tasks] == [20, 20]
    assert [t.id for t in capped.tasks] == [t.id for t in suite.tasks]
