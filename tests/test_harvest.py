"""Harvest: passed task runs become training rows; evaluation suites never do (unless forced)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from evaluation.task import SuiteError, load_suite

CLI = [sys.executable, "-m", "limi_cli.cli"]
SHARED_EXERCISM = Path(__file__).resolve().parents[2] / "shared" / "tasks" / "exercism-python"


def _own_suite(tmp_path: Path, split: str | None = "train") -> Path:
    """Two tasks of one's own: the scripted model writes a.txt, so `make-a` passes and `make-b` fails."""
    suite = tmp_path / "suite"
    (suite / "ws").mkdir(parents=True)
    (suite / "ws" / "README.md").write_text("a workspace\n")
    tasks = [
        {"id": "make-a", "instruction": "Write the letter a to a.txt.", "workspace": "ws", "check": "grep -qx a a.txt"},
        {"id": "make-b", "instruction": "Write the letter b to b.txt.", "workspace": "ws", "check": "grep -qx b b.txt"},
    ]
    (suite / "tasks.jsonl").write_text("".join(json.dumps(t) + "\n" for t in tasks))
    if split:
        (suite / "suite.json").write_text(json.dumps({"split": split}))
    return suite


def _replies(tmp_path: Path) -> Path:
    replies = tmp_path / "replies.json"
    call = {"name": "write_file", "arguments": {"path": "a.txt", "content": "a\n"}}
    replies.write_text(json.dumps([f"<tool_call>{json.dumps(call)}</tool_call>", "Wrote a.txt."]))
    return replies


def test_batch_harvest_keeps_the_passed_run_with_its_sources(tmp_path: Path) -> None:
    suite, out, run = _own_suite(tmp_path), tmp_path / "harvest.jsonl", tmp_path / "run"
    proc = subprocess.run([*CLI, "batch", str(suite), "-o", str(run), "-m", f"scripted:{_replies(tmp_path)}",
                           "--harvest", str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "harvested 1 rows from 1 passed of 2 task runs" in proc.stdout
    (line,) = out.read_text().splitlines()
    row = json.loads(line)
    assert row["meta"]["harvest"]["task_id"] == "make-a" and row["meta"]["outcome"] == "success"
    assert row["meta"]["harvest"]["split"] == "train"
    calls = [c["function"]["name"] for m in row["messages"] if m["role"] == "assistant" for c in m.get("tool_calls") or []]
    assert calls == ["write_file"]
    assert row["messages"][-1] == {"role": "assistant", "content": "Wrote a.txt."}
    manifest = json.loads(Path(str(out) + ".manifest.json").read_text())
    (source,) = manifest["harvest_sources"]
    assert source["run_dir"] == str(run.resolve()) and source["split"] == "train"
    assert (source["task_runs"], source["passed"], source["harvested"]) == (2, 1, 1)
    assert manifest["rows"][0]["source"].endswith(".jsonl")
    # the same run harvested twice: one row, the copy dropped
    again = subprocess.run([*CLI, "data", "harvest", str(run), str(run), "-o", str(tmp_path / "twice.jsonl")],
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert "(1 duplicates dropped)" in again.stdout
    assert len((tmp_path / "twice.jsonl").read_text().splitlines()) == 1


def test_an_evaluation_suite_is_refused_before_and_after_the_run(tmp_path: Path) -> None:
    before = subprocess.run([*CLI, "batch", "builtin", "--filter", "fix-sum-to", "-o", str(tmp_path / "r"),
                             "-m", f"scripted:{_replies(tmp_path)}", "--harvest", str(tmp_path / "h.jsonl")],
                            capture_output=True, text=True, timeout=120)
    assert before.returncode == 1 and "split: eval" in before.stderr
    assert not (tmp_path / "r").exists(), "refused before any task ran"
    run = tmp_path / "run"
    ran = subprocess.run([*CLI, "eval", "builtin", "--filter", "fix-sum-to", "--rounds", "1", "-o", str(run),
                          "-m", f"scripted:{_replies(tmp_path)}"], capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert json.loads((run / "run.json").read_text())["split"] == "eval"
    refused = subprocess.run([*CLI, "data", "harvest", str(run), "-o", str(tmp_path / "h.jsonl")],
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "marked split: eval" in refused.stderr and "--force" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "h.jsonl").exists()


def test_an_old_run_without_a_recorded_split_is_judged_by_its_suite(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "run.json").write_text(json.dumps({"suite": str(Path("evaluation/suites/builtin/tasks.jsonl").resolve()),
                                              "suite_name": "x", "model": "m", "rounds": 1}))
    refused = subprocess.run([*CLI, "data", "harvest", str(run), "-o", str(tmp_path / "h.jsonl")],
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "split: eval" in refused.stderr


def test_bad_run_dirs_and_suite_markers_are_one_line(tmp_path: Path) -> None:
    missing = subprocess.run([*CLI, "data", "harvest", str(tmp_path), "-o", str(tmp_path / "h.jsonl")],
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 1 and "no run.json" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    suite = _own_suite(tmp_path, split=None)
    assert load_suite(str(suite)).split is None
    (suite / "suite.json").write_text('{"split": "test"}')
    with pytest.raises(SuiteError, match=r"suite.json: key 'split' must be one of eval, train, validation"):
        load_suite(str(suite))
    (suite / "suite.json").write_text("{nope")
    with pytest.raises(SuiteError, match="suite.json: not valid JSON"):
        load_suite(str(suite))


def test_the_builtin_and_exercism_suites_are_evaluation_only() -> None:
    assert load_suite("builtin").split == "eval"
    if not SHARED_EXERCISM.is_dir():
        pytest.skip(f"{SHARED_EXERCISM} is not here")
    assert load_suite(f"exercism:{SHARED_EXERCISM}").split == "eval"
