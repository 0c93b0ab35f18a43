"""The short generated rows (demos/families/record_short.py): one call on a training workspace and
an answer that the call's real output supports. No model, no training."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from evaluation.task import load_suite
from tests.family_scripts import FAMILIES, call_arguments, family_script

ROWS = FAMILIES / "dataset" / "short.jsonl"


@pytest.fixture(scope="module")
def rs():
    return family_script("record_short")


def test_each_row_is_one_call_and_an_answer_its_output_supports():
    rows = [json.loads(line) for line in ROWS.read_text().splitlines()]
    manifest = json.loads(ROWS.with_name(ROWS.name + ".manifest.json").read_text())
    assert len(rows) == len(manifest["rows"]) >= 300
    held_out = {t.instruction.strip() for suite in ("validation",) for t in load_suite(str(FAMILIES / suite)).tasks}
    held_out |= {t.instruction.strip() for t in load_suite("builtin").tasks}
    kinds = set()
    for n, (row, meta) in enumerate(zip(rows, manifest["rows"]), 1):
        kind = meta["tags"][1]
        kinds.add(kind)
        user, call_msg, result, answer = [m for m in row["messages"] if m["role"] != "system"]
        assert user["content"].strip() not in held_out, f"row {n}"
        assert meta["source"].startswith("demos/families/short_sessions/short-") and "-001" <= meta["source"][-9:]
        (call,) = call_msg["tool_calls"]
        args, out, said = call_arguments(call), result["content"], answer["content"]
        assert not result["content"].startswith("Error:") and not answer.get("tool_calls"), f"row {n}"
        if kind == "where":
            path, line = re.fullmatch(r"\S+ is defined in (\S+), line (\d+)\.", said).groups()
            assert f"{path}:{line}:" in out, f"row {n}: the file and line the grep showed"
        elif kind == "count":
            assert re.search(rf"\b{re.escape(out.strip())} lines?\.$", said), f"row {n}: the number wc printed"
        elif kind in ("list", "glob"):
            named = said.splitlines()[1:]
            assert named and all(name in out for name in named), f"row {n}: only names the tool listed"
        elif kind == "read":
            shown = len([ln for ln in out.splitlines() if re.match(r"\s*\d+\t", ln)])
            assert f"has {shown} line" in said, f"row {n}: the line count read_file showed"
        elif kind in ("write", "comment"):
            assert args["path"] in said and (args.get("content") or args["new_string"]).split("\n")[0].lstrip("# ") in said
    assert kinds >= {"read", "list", "glob", "where", "count", "write", "comment"}


def test_plan_computes_answers_from_the_workspace(rs, tmp_path: Path):
    ws = tmp_path / "ws"
    (ws / "pkg").mkdir(parents=True)
    (ws / "pkg" / "shapes.py").write_text("import math\n\n\ndef area(r):\n    return math.pi * r * r\n\n\nclass Box:\n    pass\n")
    (ws / "data.csv").write_text("a,b\n1,2\n")
    rng = random.Random(0)
    where = next(d for d in (rs.plan("where", ws, rng) for _ in range(20)) if d)
    answer = where["steps"][-1]["answer"]
    assert answer in ("area is defined in pkg/shapes.py, line 4.", "Box is defined in pkg/shapes.py, line 8.")
    glob = rs.plan("glob", ws, rng)
    assert glob["steps"][0]["call"] == {"name": "glob", "arguments": {"pattern": "**/*.py"}}
    assert glob["steps"][-1]["answer"] == "The Python files:\npkg/shapes.py"
    for _ in range(10):
        read = rs.plan("read", ws, rng)
        f = read["steps"][0]["call"]["arguments"]["path"]
        assert read["steps"][-1]["answer"] == {
            "pkg/shapes.py": "pkg/shapes.py has 9 lines; it defines area() and Box().",
            "data.csv": "data.csv has 2 lines; its first line is `a,b`.",
        }[f]
    assert rs.plan("run", ws, rng) is None  # no script that prints
