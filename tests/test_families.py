"""The task families (demos/families): generated as committed, every reference solution passes
and every untouched workspace fails, and nothing is shared with the evaluation suites."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from agent.backends.scripted import ScriptedBackend
from agent.config import Config
from evaluation.runner import check_reference, run_task
from evaluation.task import load_suite

ROOT = Path(__file__).resolve().parents[1]
FAMILIES = ROOT / "demos" / "families"
SHARED_TASKS = ROOT.parent / "shared" / "tasks"
FAMILY_COUNT = 18
# names any project has (their text is the family's own); .final_answer: the reference answer the harness reads
FILLER = {"README.md", "README.rst", "README.txt", "readme.md", "NOTES.txt", ".final_answer"}
WRITE_MODULE = {"train": 24, "validation": 6, "rollouts": 12}  # write-module has more instances than the others
PER_FAMILY = {"train": 12, "validation": 3, "rollouts": 6}


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9_]+", text.lower())


def _shingles(text: str, n: int = 6) -> set[tuple[str, ...]]:
    w = _words(text)
    return {tuple(w[i:i + n]) for i in range(len(w) - n + 1)}


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.rglob("*") if p.is_file()}


def test_the_committed_suites_are_what_the_generator_writes():
    out = subprocess.run([sys.executable, str(FAMILIES / "make_suites.py"), "--check"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_every_solution_passes_and_every_workspace_fails():
    for split, per_family in PER_FAMILY.items():
        suite = load_suite(str(FAMILIES / split))
        assert suite.split == ("train" if split == "rollouts" else split)  # the rollout tasks are training tasks
        assert len(suite.tasks) == (FAMILY_COUNT - 1) * per_family + WRITE_MODULE[split]
        assert len({t.tags[0] for t in suite.tasks}) == FAMILY_COUNT
        assert [t.id for t in suite.tasks if not check_reference(t, solved=True).ok] == []
        assert [t.id for t in suite.tasks if check_reference(t, solved=False).ok] == []


def test_nothing_is_shared_with_the_evaluation_suites_or_across_splits():
    train, validation = load_suite(str(FAMILIES / "train")), load_suite(str(FAMILIES / "validation"))
    rollouts = load_suite(str(FAMILIES / "rollouts"))  # training tasks without demos, for expert iteration
    builtin = load_suite("builtin")
    evaluation = list(builtin.tasks)
    if (SHARED_TASKS / "exercism-python").is_dir():
        evaluation += load_suite(f"exercism:{SHARED_TASKS / 'exercism-python'}").tasks
    eval_shingles = set().union(*(_shingles(t.instruction) for t in evaluation))
    eval_files = _files(ROOT / "evaluation" / "suites") | (_files(SHARED_TASKS) if SHARED_TASKS.is_dir() else set())
    eval_ids = {t.id for t in evaluation}
    for suite in (train, validation, rollouts):
        for t in suite.tasks:
            assert t.id not in eval_ids
            assert not _shingles(t.instruction) & eval_shingles, (t.id, _shingles(t.instruction) & eval_shingles)
            assert not (_files(Path(t.workspace)) | _files(Path(t.solution))) - FILLER & eval_files, t.id
    # validation shares no task, instruction or file name with train or the rollout tasks
    train_tasks = train.tasks + rollouts.tasks
    assert not {t.id for t in train_tasks} & {t.id for t in validation.tasks}
    assert not {t.id for t in train.tasks} & {t.id for t in rollouts.tasks}
    assert not {t.instruction for t in train_tasks} & {t.instruction for t in validation.tasks}
    train_files = set().union(*(_files(Path(t.workspace)) | _files(Path(t.solution)) for t in train_tasks))
    val_files = set().union(*(_files(Path(t.workspace)) | _files(Path(t.solution)) for t in validation.tasks))
    assert not (val_files - FILLER) & train_files


def _survey(split: str = "validation"):
    return next(t for t in load_suite(str(FAMILIES / split)).tasks if t.tags[0] == "survey")


def _judge(task, answer: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """answer_names.py on the task's workspace, with ``answer`` as the final answer."""
    (tmp_path / "answer.txt").write_text(answer)
    env = {**os.environ, "SUITE_DIR": task.suite_dir, "FINAL_ANSWER_FILE": str(tmp_path / "answer.txt")}
    return subprocess.run(["bash", "-c", task.check], cwd=task.workspace, env=env, capture_output=True, text=True)


def test_the_survey_check_judges_the_final_answer(tmp_path):
    task = _survey()
    reference = (Path(task.solution) / ".final_answer").read_text()
    args = json.loads(task.check.split("'")[1])
    assert _judge(task, reference, tmp_path).returncode == 0
    # a file left out, a file that does not exist, no word of the purpose, nothing at all
    missing = _judge(task, reference.replace(args["files"][0], "something"), tmp_path)
    assert missing.returncode == 1 and "does not name" in missing.stderr
    invented = _judge(task, reference + " Also helpers/extra_tools.py.", tmp_path)
    assert invented.returncode == 1 and "extra_tools.py, which does not exist" in invented.stderr
    names_only = ", ".join(Path(f).name for f in args["files"])
    vague = _judge(task, f"The files are {names_only}.", tmp_path)
    assert vague.returncode == 1 and "what the project is for" in vague.stderr
    assert _judge(task, "", tmp_path).returncode == 1
    unset = subprocess.run(["bash", "-c", task.check], cwd=task.workspace, capture_output=True, text=True,
                           env={k: v for k, v in {**os.environ, "SUITE_DIR": task.suite_dir}.items() if k != "FINAL_ANSWER_FILE"})
    assert unset.returncode == 1 and "FINAL_ANSWER_FILE is not set" in unset.stderr


def test_a_run_gives_the_check_the_final_answer_of_each_round(tmp_path):
    task = _survey()
    reference = (Path(task.solution) / ".final_answer").read_text().strip()
    look = '<tool_call>{"name": "read_file", "arguments": {"path": "README.txt"}}</tool_call>'
    backend = ScriptedBackend([look, "It is a small project.", reference])
    result = run_task(task, Config(), tmp_path / "run", rounds=2, backend=backend)
    assert (result.status, result.passed_round, len(result.rounds)) == ("pass", 2, 2), result
    assert "does not name" in result.rounds[0].check_output
    assert result.diff_path is None  # the answer file lies outside the workspace


def test_the_later_families_have_their_own_dataset_and_the_first_192_rows_are_untouched():
    """record.py writes the three later families to dataset/more.jsonl: one row a training task, and none in train.jsonl."""
    dataset = FAMILIES / "dataset"
    later = {"add-method", "fix-crash", "group-total"}
    train_tasks = [t.id for t in load_suite(str(FAMILIES / "train")).tasks if t.tags[0] in later]
    more = json.loads((dataset / "more.jsonl.manifest.json").read_text())["rows"]
    assert sorted(Path(r["source"]).stem for r in more) == sorted(train_tasks) and len(train_tasks) == 36
    assert len((dataset / "more.jsonl").read_text().splitlines()) == len(more)
    first = json.loads((dataset / "train.jsonl.manifest.json").read_text())["rows"]
    assert len(first) == 192 and not {r["tags"][0] for r in first} & later
