"""The first-command benchmark's judge (benchmarks/first_command.py): what an answer to "List the
Python files in this repository and say what the project is for." must show. No model."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from first_command import all_files, defined_names, judge  # noqa: E402

FILES = {"shellingham/__init__.py", "shellingham/_core.py", "shellingham/nt.py", "shellingham/posix/ps.py"}
CALL = [{"name": "glob", "input": {"pattern": "**/*.py"}}]


def test_an_answer_that_read_names_real_files_and_says_the_purpose_passes():
    answer = "shellingham: its __init__.py provides detect_shell. Its Python files include shellingham/_core.py, nt.py, shellingham/posix/ps.py."
    verdict = judge(answer, CALL, FILES, ["shell"], "shellingham")
    assert verdict["passed"], verdict
    assert verdict["real_named"] == ["__init__.py", "nt.py", "shellingham/_core.py", "shellingham/posix/ps.py"]


def test_the_purpose_word_in_a_file_path_or_the_project_name_does_not_count():
    answer = "shellingham: its Python files include shellingham/__init__.py, shellingham/_core.py, shellingham/nt.py."
    verdict = judge(answer, CALL, FILES, ["shell"], "shellingham")
    assert verdict["checks"]["names_real_files"] and not verdict["checks"]["says_what_for"]
    assert not judge("sse_starlette: its files include sse_starlette/event.py.", CALL, {"sse_starlette/event.py"},
                     ["event"], "sse-starlette")["checks"]["says_what_for"]
    assert judge(answer, CALL, FILES, ["shell"])["checks"]["says_what_for"]  # no name given: only paths are left out


def test_invented_files_no_call_and_repeats_fail():
    answer = "It detects the shell. Files: shellingham/_core.py, shellingham/nt.py, shellingham/versions.py."
    verdict = judge(answer, CALL, FILES, ["shell"], "shellingham")
    assert verdict["invented"] == ["shellingham/versions.py"] and not verdict["passed"]
    assert not judge("It detects the shell: _core.py, nt.py, ps.py.", [], FILES, ["shell"])["checks"]["tool_called"]
    para = "It detects the shell that runs it: shellingham/_core.py, shellingham/nt.py, ps.py."
    assert judge(f"{para}\n\n{para}", CALL, FILES, ["shell"])["repeated_paragraphs"] == 1


def test_the_strict_judge_wants_prose_and_no_invented_path_of_any_extension(tmp_path):
    pkg = tmp_path / "mdurl"
    pkg.mkdir()
    (pkg / "__init__.py").write_text('"""URL utilities."""\nfrom ._url import URL\n__all__ = ("URL", "parse")\n')
    (pkg / "_url.py").write_text("class URL:\n    def parse(self):\n        scheme = 1\n        return scheme\n")
    (pkg / "_parse.py").write_text("def parse(url):\n    return url\n")
    (tmp_path / "README.md").write_text("mdurl parses URLs.\n")
    files = {"mdurl/__init__.py", "mdurl/_url.py", "mdurl/_parse.py"}
    names, others = defined_names(tmp_path), all_files(tmp_path)
    assert {"URL", "parse", "__all__"} <= names and "scheme" not in names  # a local is not a defined name
    listing = "Python files: mdurl/__init__.py, mdurl/_url.py, mdurl/_parse.py."
    # the exported name copied from the code is not a purpose; the lenient judge of takes 11-15 took it
    copied = judge(f"mdurl: its __init__.py provides URL, parse. {listing}", CALL, files, ["url"], "mdurl",
                   others, names)
    assert not copied["checks"]["says_what_for"] and copied["lenient_passed"] and not copied["passed"]
    prose = judge(f"mdurl parses and formats URLs (from README.md). {listing}", CALL, files, ["url"], "mdurl",
                  others, names)
    assert prose["passed"] and prose["invented"] == []
    # a path with another extension that is not in the repository is invented; a real one is not
    cu = judge(f"mdurl parses URLs (from its __init__.cu and setup.cfg). {listing}", CALL, files, ["url"], "mdurl",
               others, names)
    assert cu["invented"] == ["__init__.cu", "setup.cfg"] and not cu["passed"] and cu["lenient_passed"]
    # dotted module names and abbreviations are not paths
    assert judge(f"mdurl.parse splits URLs, e.g. links. See README.md. {listing}", CALL, files, ["url"], "mdurl",
                 others, names)["invented"] == []


def test_rejudge_judges_saved_answers_again_without_a_model(tmp_path, monkeypatch):
    import first_command

    saved = tmp_path / "saved.json"
    answer = ("shellingham: its __init__.py provides ShellDetectionFailure.\n\nPython files, the first few:\n"
              "shellingham/__init__.py\nshellingham/_core.py\nshellingham/nt.py")
    saved.write_text(json.dumps({"model": "runs/t15", "runs": [
        {"repo": "shellingham", "answer": answer, "calls": CALL, "rc": 0, "seconds": 1.0}]}))
    out = tmp_path / "again.json"
    monkeypatch.setattr(sys, "argv", ["first_command.py", "--rejudge", str(saved), "-o", str(out)])
    monkeypatch.setattr(first_command, "run_one", lambda *a: pytest.fail("no model runs when re-judging"))
    first_command.main()
    report = json.loads(out.read_text())
    assert report["model"] == "runs/t15" and report["rejudged"] == str(saved)
    [run] = report["runs"]  # only the repositories the saved report has
    assert run["repo"] == "shellingham" and run["lenient_passed"] and not run["passed"]
    assert run["checks"]["says_what_for"] is False  # "Shell" only inside a class name the code defines
    saved.write_text("[1, 2]")
    with pytest.raises(SystemExit, match="--rejudge .*saved.json: not a first-command report"):
        first_command.main()
