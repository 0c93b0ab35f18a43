"""The task families (demos/families): generated as committed, every reference solution passes
and every untouched workspace fails, and nothing is shared with the evaluation suites."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from evaluation.runner import check_reference
from evaluation.task import load_suite

ROOT = Path(__file__).resolve().parents[1]
FAMILIES = ROOT / "demos" / "families"
SHARED_TASKS = ROOT.parent / "shared" / "tasks"


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
    for split, per_family in (("train", 12), ("validation", 3)):
        suite = load_suite(str(FAMILIES / split))
        assert suite.split == split and len(suite.tasks) == 8 * per_family
        assert [t.id for t in suite.tasks if not check_reference(t, solved=True).ok] == []
        assert [t.id for t in suite.tasks if check_reference(t, solved=False).ok] == []


def test_nothing_is_shared_with_the_evaluation_suites_or_across_splits():
    train, validation = load_suite(str(FAMILIES / "train")), load_suite(str(FAMILIES / "validation"))
    builtin = load_suite("builtin")
    evaluation = list(builtin.tasks)
    if (SHARED_TASKS / "exercism-python").is_dir():
        evaluation += load_suite(f"exercism:{SHARED_TASKS / 'exercism-python'}").tasks
    eval_shingles = set().union(*(_shingles(t.instruction) for t in evaluation))
    eval_files = _files(ROOT / "evaluation" / "suites") | (_files(SHARED_TASKS) if SHARED_TASKS.is_dir() else set())
    eval_ids = {t.id for t in evaluation}
    for suite in (train, validation):
        for t in suite.tasks:
            assert t.id not in eval_ids
            assert not _shingles(t.instruction) & eval_shingles, (t.id, _shingles(t.instruction) & eval_shingles)
            assert not (_files(Path(t.workspace)) | _files(Path(t.solution))) & eval_files, t.id
    # validation shares no task, instruction or file name with train
    assert not {t.id for t in train.tasks} & {t.id for t in validation.tasks}
    assert not {t.instruction for t in train.tasks} & {t.instruction for t in validation.tasks}
    train_files = set().union(*(_files(Path(t.workspace)) | _files(Path(t.solution)) for t in train.tasks))
    val_files = set().union(*(_files(Path(t.workspace)) | _files(Path(t.solution)) for t in validation.tasks))
    assert not (val_files - {"README.txt", "NOTES.txt"}) & train_files
