"""The survey demonstrations on real package sources (demos/families/record_survey.py): glob every
Python file, read the README or the package's __init__.py, then an answer that names files the
glob showed and says what the project is for from the file read. No model, no training."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.family_scripts import family_script

ROOT = Path(__file__).resolve().parents[1]
ROWS = ROOT / "demos" / "families" / "dataset" / "survey.jsonl"
CORE = ["shell", "read_file", "write_file", "edit", "list_files", "glob", "grep"]


@pytest.fixture(scope="module")
def rs():
    return family_script("record_survey")


def _rows() -> list[dict]:
    return [json.loads(line) for line in ROWS.read_text().splitlines()]


def test_each_row_globs_reads_then_names_only_files_the_glob_showed(rs):
    from first_command import PROMPT, judge

    rows = _rows()
    assert len(rows) >= 140  # each package in all three shapes
    shapes = set()
    for n, row in enumerate(rows, 1):
        assert [t["function"]["name"] for t in row["tools"]] == CORE, f"row {n}"
        messages = [m for m in row["messages"] if m["role"] != "system"]
        ask = messages[0]["content"]
        assert ask in rs.ASKS and ask != PROMPT, f"row {n}: the benchmark's own prompt is never trained on"
        calls = [c["function"] for m in messages for c in m.get("tool_calls") or []]
        names = [c["name"] for c in calls]
        reads = [c["arguments"]["path"] for c in calls[1:]]
        assert names[0] == "glob" and reads[0] == "README.md", f"row {n}: every survey looks for a README first"
        results = [m for m in messages if m["role"] == "tool"]
        if len(reads) == 2:  # no README: its read failed, then the package's __init__.py
            assert reads[1].endswith("/__init__.py") and "README.md" not in results[0]["content"], f"row {n}"
            assert results[1]["content"].startswith("Error: file not found: README.md"), f"row {n}"
        else:
            assert names == ["glob", "read_file"], f"row {n}"
        shapes.add("package" if len(reads) == 2 else ("src" if "src/" in results[0]["content"] else "repo"))
        shown = [line for line in results[0]["content"].splitlines() if line.endswith(".py")]
        answer = messages[-1]["content"]
        verdict = judge(answer, calls, set(shown), [""])
        assert verdict["passed"], f"row {n}: {verdict}"
        # the listing is copied verbatim, one path per line in the glob's order: all of it, or its first lines
        head, listed = answer.split("\n\n", 1)
        assert not re.search(r"[\w./-]+\.py\b", head.replace("__init__.py", "")), f"row {n}: paths only in the list"
        if len(shown) <= rs.ALL_NAMED:
            assert listed.splitlines() == [rs.ALL_FILES, *shown], f"row {n}"
        else:
            assert listed.splitlines() == [rs.FIRST_FILES, *shown[:rs.NAMED]], f"row {n}"
        source = "README.md" if len(reads) == 1 else "__init__.py"
        assert source in answer, f"row {n}: the answer says which file it read"
    assert shapes == {"package", "repo", "src"}


def test_no_package_of_the_first_command_benchmark_is_used(rs):
    from first_command import PACKAGES

    assert not set(rs.PACKAGES) & set(PACKAGES)
    text = ROWS.read_text()
    for name in PACKAGES:
        assert f"{name}/" not in text, name


def test_init_purpose_is_the_docstring_prose_and_the_public_names_shown(rs):
    text = ('"""\nToolbox\n=======\n\nAuthor: someone\n\nToolbox measures rivers. More text here.\n"""\n'
            "from __future__ import annotations\nfrom typing import Any\n"
            "from .flow import (\n    Gauge,\n    _hidden,\n)\n\n\ndef measure(x):\n    return x\n")
    assert rs.init_purpose(text) == "Toolbox measures rivers (from its __init__.py); it provides Gauge, measure"
    assert rs.init_purpose("import os\nfrom typing import Any\n") == ""
    assert rs.init_purpose("from .core import Engine\n") == "its __init__.py provides Engine"


def test_a_src_layout_demo_is_built_from_an_installed_package(rs, tmp_path):
    from first_command import judge, python_files

    demo = rs.steps_for("iniconfig", "src", 2, tmp_path / "w")
    ws = tmp_path / "w"
    assert (ws / "README.md").read_text().startswith("# iniconfig\n")
    assert 'name = "iniconfig"' in (ws / "pyproject.toml").read_text()
    assert (ws / "src" / "iniconfig" / "__init__.py").is_file()
    steps = demo["steps"]
    assert steps[0]["call"] == {"name": "glob", "arguments": {"pattern": "**/*.py"}}
    assert steps[1]["call"]["arguments"] == {"path": "README.md", "limit": rs.READ_LINES}
    assert "expect_error" not in steps[1] and len(steps) == 3
    assert judge(steps[-1]["answer"], [{}], python_files(ws), ["config"])["passed"]


def test_a_package_without_readme_tries_it_then_reads_its_init(rs, tmp_path):
    demo = rs.steps_for("iniconfig", "package", 0, tmp_path / "w")
    calls = [s["call"] for s in demo["steps"][:-1]]
    assert [c["arguments"].get("path") for c in calls] == [None, "README.md", "iniconfig/__init__.py"]
    assert demo["steps"][1]["expect_error"] and not (tmp_path / "w" / "README.md").exists()
    assert "(from its __init__.py)" in demo["steps"][-1]["answer"] or "its __init__.py provides" in demo["steps"][-1]["answer"]


def test_glob_listing_is_cut_where_the_tool_cuts_it(rs):
    files = [f"pkg/module_{i:04d}.py" for i in range(2000)]
    shown, cut = rs.shown_by_glob(files)
    assert cut and 0 < len(shown) < len(files)
    assert sum(len(f) + 1 for f in shown) <= rs.GLOB_CHARS
    assert rs.shown_by_glob(files[:10]) == (files[:10], False)


def test_the_readme_purpose_is_the_first_prose_sentence_in_its_own_words(rs):
    readme = "\n".join([
        "# Frobnik", "", "[![PyPI](https://img.shields.io/pypi/v/frobnik.svg)](https://pypi.org/p/frobnik)", "",
        "**Documentation**: [https://frobnik.dev](https://frobnik.dev)", "",
        "```console", "pip install frobnik now please", "```", "",
        "**Frobnik** is a [tidy](https://x.dev/tidy) parser for <abbr title=\"x\">INI</abbr> files",
        "and other settings (e.g. TOML). It is fast.", "", "- a list item that is long enough to count"])
    assert rs.readme_purpose(readme, "A parser for settings files", "frobnik") == (
        "Frobnik is a tidy parser for INI files and other settings (e.g. TOML)")
    # a history shares only the project's name and generic words with the summary: no purpose
    history = "# Frobnik\n\nI started Frobnik in 2009, back when Python was my thing and life was simple.\n"
    assert rs.readme_purpose(history, "Frobnik is a Python library for settings", "frobnik") == ""
    # past the lines read_file shows, nothing counts
    late = "\n" * rs.READ_LINES + "Frobnik parses settings files for you, quickly and well.\n"
    assert rs.readme_purpose(late, "parses settings files", "frobnik") == ""


def test_the_readme_shape_lays_out_the_real_readme_and_answers_from_it(rs, tmp_path):
    for package in rs.PACKAGES:
        meta = rs.distribution(package)
        if meta and rs.long_readme(meta) and rs.readme_purpose(rs.long_readme(meta), meta["Summary"], meta["Name"]):
            break
    else:
        pytest.skip("no installed package has a Markdown README with a purpose sentence")
    demo = rs.steps_for(package, "readme", 0, tmp_path)
    readme = (tmp_path / "README.md").read_text()
    assert readme == rs.long_readme(meta) and len(readme.splitlines()) >= 10
    shown = " ".join(" ".join(readme.splitlines()[:rs.READ_LINES]).split())
    purpose = demo["steps"][-1]["answer"].split("\n\n")[0].removesuffix(" (that is what README.md says).")
    assert not re.search(r"\*\*|\]\(|<\w", purpose), "links, emphasis and HTML reduced to their words"
    words = re.findall(r"[A-Za-z]{4,}", purpose.split(": ", 1)[1])
    assert words and all(w in shown for w in words), "every word of the purpose is in the lines read"
    assert [s["call"]["name"] for s in demo["steps"][:-1]] == ["glob", "read_file"]
    assert "readme" in demo["label"]["tags"]


def test_names_purpose_says_the_exported_names_in_words(rs):
    assert [rs.words_of(n) for n in ("detect_shell", "JSONServerSentEvent", "CDefError", "PyJWKSet", "URL")] == [
        "detect shell", "JSON server sent event", "c def error", "py JWK set", "URL"]
    text = "from ._core import ShellDetectionFailure\n__version__ = '1'\nNEED_DATA = 1\n\ndef detect_shell(pid=None):\n    pass\n"
    assert rs.init_purpose(text, in_words=True) == (
        "by the names its __init__.py exports (ShellDetectionFailure, detect_shell), "
        "it is about shell detection failure and detect shell")
    assert rs.init_purpose('"""Gauges for rivers."""\nfrom .a import Gauge, read_level\n', in_words=True) == (
        "Gauges for rivers (from its __init__.py); by the names it exports (Gauge, read_level), "
        "it is about gauge and read level")
    assert rs.init_purpose("from .a import Gauge\nLIMIT = 3\n", in_words=True) == ""  # one name is too little


def test_names_rows_pass_the_strict_judge_where_the_words_hold_a_keyword(rs):
    from first_command import judge

    rows = [r for r in _rows() if "by the names" in r["messages"][-1]["content"]]
    assert len(rows) >= 30
    for n, row in enumerate(rows, 1):
        answer = row["messages"][-1]["content"]
        head = answer.split("\n\n", 1)[0]
        names = re.search(r"exports \(([^)]*)\)", head).group(1).split(", ")
        words = re.search(r"it is about (.*)\.$", head).group(1)
        assert words == ", ".join(rs.words_of(x) for x in names[:-1]) + f" and {rs.words_of(names[-1])}", f"row {n}"
        assert all(x in row["messages"][-2]["content"] for x in names), f"row {n}: each name is in what was read"
        title = head.split(":", 1)[0]  # the package folder, as the glob showed it: no distribution name
        assert f"{title}/__init__.py" in answer, f"row {n}"
        word = rs.words_of(names[0]).split()[-1]
        if word.islower() and len(word) > 3 and word not in names:  # the judge counts the word, not the name it came from
            assert judge(answer, [{}], set(), [word], "", set(), set(names))["checks"]["says_what_for"], f"row {n}"
