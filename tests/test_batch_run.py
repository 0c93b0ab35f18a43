"""Batch runs: a scripted model solving a task through a real tool call, rounds with
feedback, limits, resume, re-running failures, a model server that is down."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from agent.backends.scripted import ScriptedBackend
from agent.config import Config
from evaluation.batch import run_batch
from evaluation.results import ResultsFile
from evaluation.runner import run_task
from evaluation.task import load_suite

FIX_SUM = '<tool_call>{"name": "edit", "arguments": {"path": "mathops.py", "old_string": "range(n)", "new_string": "range(n + 1)"}}</tool_call>'
READ_SUM = '<tool_call>{"name": "read_file", "arguments": {"path": "mathops.py"}}</tool_call>'


def _task(task_id: str):
    return load_suite("builtin").select(task_id).tasks[0]


def _scripted(tmp_path: Path, replies: list[str]) -> Config:
    path = tmp_path / "replies.json"
    path.write_text(json.dumps(replies))
    return Config(model=f"scripted:{path}")



def test_scripted_model_fixes_a_bug_with_a_real_edit_and_passes(tmp_path):
    config = _scripted(tmp_path, [READ_SUM, FIX_SUM, "Fixed: range now includes n."])
    result = run_task(_task("fix-sum-to"), config, tmp_path / "run")
    assert result.status == "pass", result
    assert result.passed_round == 1 and result.tool_calls == 2 and result.invalid_tool_calls == 0
    assert result.git_head and len(result.git_head) == 40
    assert "range(n + 1)" in Path(result.diff_path).read_text()
    log = [json.loads(line) for line in Path(result.log_path).read_text().splitlines()]
    assert log[0]["type"] == "session_started" and log[0]["git_head"] == result.git_head
    assert log[0]["approval"] == "yolo" and log[-1]["type"] == "session_ended"


def test_a_failing_check_is_fed_back_and_the_second_round_passes(tmp_path):
    backend = ScriptedBackend(["I am done.", READ_SUM, FIX_SUM, "Now it is fixed."])
    result = run_task(_task("fix-sum-to"), Config(), tmp_path / "run", rounds=3, backend=backend)
    assert (result.status, result.passed_round, len(result.rounds)) == ("pass", 2, 2)
    feedback = backend.calls[1][-1]
    assert feedback.role == "user" and "round 1 of 3" in feedback.content and "AssertionError" in feedback.content


def test_unsolved_task_uses_every_round_and_fails(tmp_path):
    result = run_task(_task("fix-sum-to"), Config(), tmp_path / "run", rounds=2, backend=ScriptedBackend([]))
    assert (result.status, result.passed_round, len(result.rounds)) == ("fail", None, 2)


def test_the_time_limit_stops_the_agent_and_the_check_still_decides(tmp_path):
    task = _task("fix-sum-to").model_copy(update={"limits": _task("fix-sum-to").limits.model_copy(update={"time_s": 1.0})})
    sleep = '<tool_call>{"name": "shell", "arguments": {"command": "sleep 300"}}</tool_call>'
    result = run_task(task, Config(), tmp_path / "run", rounds=3, backend=ScriptedBackend([sleep]))
    assert result.status == "fail" and result.rounds[0].stop == "timeout" and len(result.rounds) == 1
    assert result.agent_s < 150  # the limit stopped the running command, which would have taken 300 s


def test_the_token_limit_stops_the_agent(tmp_path):
    task = _task("fix-sum-to")
    task = task.model_copy(update={"limits": task.limits.model_copy(update={"max_tokens": 10})})
    result = run_task(task, Config(), tmp_path / "run", rounds=3, backend=ScriptedBackend([READ_SUM] * 5))
    assert result.rounds[0].stop == "max_tokens" and result.turns == 1 and len(result.rounds) == 1


def test_a_model_server_that_is_down_marks_tasks_error_not_fail(tmp_path, unused_port):
    suite = load_suite("builtin").select("fix-sum-to,fix-leap-year")
    config = Config(model="openai:some-model", base_url=f"http://127.0.0.1:{unused_port}/v1", max_retries=0)
    results = run_batch(suite, config, tmp_path / "run")
    assert [r.status for r in results] == ["error", "error"]
    assert all("cannot reach the model server" in r.error for r in results)


def test_resume_runs_only_what_has_no_result_and_rerun_failed_the_rest(tmp_path):
    suite = load_suite("builtin").select("fix-sum-to,fix-leap-year,fix-mean-empty")
    config = _scripted(tmp_path, ["Done."])
    run = tmp_path / "run"
    first = run_batch(suite, config, run)
    assert [r.status for r in first] == ["fail"] * 3
    results = ResultsFile(run)
    lines = results.path.read_text().splitlines()
    results.path.write_text("\n".join(lines[:2]) + "\n" + lines[2][:40])  # killed while writing the third line
    cut = json.loads(lines[2])["task_id"]
    second = run_batch(suite, config, run, resume=True)
    assert [r.task_id for r in second] == [cut]
    assert results.path.read_text().splitlines()[:2] == lines[:2]  # nothing done is run or rewritten
    assert set(results.latest()) == {t.id for t in suite.tasks}
    assert run_batch(suite, config, run, resume=True) == []
    third = run_batch(suite, config, run, rerun_failed=True)
    assert sorted(r.task_id for r in third) == sorted(t.id for t in suite.tasks)
    assert {r.attempt for r in third} == {2}


def test_a_run_dir_with_results_needs_resume(tmp_path):
    import pytest

    from evaluation.batch import RunDirError

    suite = load_suite("builtin").select("fix-sum-to")
    config = _scripted(tmp_path, ["Done."])
    run_batch(suite, config, tmp_path / "run")
    with pytest.raises(RunDirError, match="--resume"):
        run_batch(suite, config, tmp_path / "run")
    with pytest.raises(RunDirError, match="model"):
        run_batch(suite, Config(model="embedded"), tmp_path / "run", resume=True)


def test_batch_cli_with_two_worker_processes(tmp_path):
    replies = tmp_path / "replies.json"
    replies.write_text(json.dumps([READ_SUM, FIX_SUM, "Done."]))
    run = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "limi_cli.cli", "batch", "builtin", "--filter", "fix-sum-to,fix-leap-year,extend-stack",
         "-w", "2", "-m", f"scripted:{replies}", "-o", str(run)],
        capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    latest = ResultsFile(run).latest()
    assert {k: v.status for k, v in latest.items()} == {"fix-sum-to": "pass", "fix-leap-year": "fail", "extend-stack": "fail"}
    assert "pass 1 fail 2 error 0" in proc.stderr
    assert len(list((run / "trajectories").glob("*/*.jsonl"))) == 3
