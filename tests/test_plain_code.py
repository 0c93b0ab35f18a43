"""benchmarks/plain_code.py judges a plain-chat reply with the task's own check: the reference
solution passes, a wrong body fails, and the code is taken from the first fenced block."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from evaluation.task import load_suite

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("plain_code", ROOT / "benchmarks" / "plain_code.py")
plain_code = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plain_code)


def _task():
    suite = load_suite(str(ROOT / "demos" / "families" / "validation"))
    return next(t for t in suite.tasks if t.tags[0] == "write-module")


def test_the_code_is_the_first_fenced_block_or_the_whole_reply():
    assert plain_code.code_of("Here:\n```python\ndef f():\n    return 1\n```\nand ```x```") == "def f():\n    return 1\n"
    assert plain_code.code_of("```\nx = 1\n") == "x = 1\n"  # a block the reply never closed
    assert plain_code.code_of("x = 2") == "x = 2\n"


def test_the_reference_passes_and_a_wrong_body_fails():
    task = _task()
    name = plain_code.target(task)
    reference = (Path(task.solution) / name).read_text()
    assert plain_code.judge(task, reference) == (True, "")
    func = reference.split("(", 1)[0].removeprefix("def ")
    ok, why = plain_code.judge(task, f"{reference}\n\ndef {func}(*args):\n    return 'wrong'\n")
    assert not ok and "returned 'wrong'" in why
