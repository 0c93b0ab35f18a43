#!/usr/bin/env python3
"""Record survey demonstrations on real package sources: list the Python files, read, say what it is for.

The family survey demos (make_suites.py's ``survey``) are two to four flat files and a
four-line README. On real repositories the tuned models list the top folder, see one
sub-folder, and then guess: they have never seen a package tree, a glob that returns dozens
of paths (or is cut), a README with more than one sentence, or a package with no README at
all. These demos are the same survey done on the source of Python packages installed beside
limi-cli, in five shapes:

- ``package``: the package folder alone (as ``benchmarks/first_command.py`` copies one); the
  purpose comes from ``PKG/__init__.py``: its docstring's first sentence and the public names
  it defines or exports, as shown by read_file;
- ``repo``: a README.md (the distribution's name and summary, from its installed metadata), a
  pyproject.toml, and the package folder at the top;
- ``src``: the same with the package under ``src/``;
- ``readme``: the distribution's own README (its Markdown long description: badges, links and
  long prose, as a real repository has), a pyproject.toml and the package; the purpose is the
  first sentence of the README's first prose paragraph within the 40 lines read, links and
  emphasis reduced to their words, kept only when it shares a word with the distribution's
  summary (GitPython's README opens with a history, not a purpose: no demo);
- ``names``: the package folder alone, as in ``package``, but the purpose is said in words: the
  docstring's first sentence when there is one, then the first three public names the
  ``__init__.py`` shows, each turned into words ("by the names it exports (detect_shell,
  ServerSentEvent), it is about detect shell and server sent event"). The ``package`` answers
  copy the names themselves, which says nothing about the purpose: the first-command judge
  does not count a name the code defines as a purpose.

Steps: ``glob **/*.py`` (its real output, cut by the tool when long), read the first 40 lines
of README.md; where there is none (the call fails), of the package's ``__init__.py``; then the
answer: what the project is for, from the file read and named as its source, then its Python
files one per line, copied verbatim from the glob's output in its order: all of them when there
are at most 8, else the first four it showed. A 135M model copies a run of lines it just saw
far better than it re-types paths inside a sentence (take twelve wrote ``_versions.py`` for
``_version.py``), and no count: it miscounts a listing it did not see cut. Every package is
recorded in all four shapes (readme where its README has a purpose sentence). Every answer
must pass the first-command benchmark's judge
(``benchmarks/first_command.judge``: at least three real files named, none invented).

The packages used are disjoint from the benchmark's repositories (limi-cli itself,
shellingham, mdurl, sniffio), and no workspace, file or wording is shared with
``evaluation/suites`` or the family validation split. Logs go to
``demos/families/survey_sessions/``; rows to ``demos/families/dataset/survey.jsonl`` (with a
manifest). The packages found are those installed: re-recording on other versions changes
the listings, not the recipe.

    .venv/bin/python demos/families/record_survey.py
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata as md
import importlib.util
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from record import REPO, limi, record_demo  # noqa: E402  (record puts the repository on sys.path)
from record_recovery import finish  # noqa: E402

sys.path.insert(0, str(REPO / "benchmarks"))
from first_command import PACKAGES as BENCHMARK_PACKAGES  # noqa: E402
from first_command import judge, python_files  # noqa: E402

SESSIONS = HERE / "survey_sessions"
DATASET = HERE / "dataset"
READ_LINES = 40
ALL_NAMED = 8  # a package with at most this many Python files has all of them named
NAMED = 4  # else this many: each one copied is one more chance to miscopy
# the listing's heading: not "Its Python files ...", which shares its first word with "its __init__.py
# provides ..." (take thirteen wrote "shellingham: its Python files include:" and skipped the purpose)
ALL_FILES, FIRST_FILES = "Python files:", "Python files, the first few:"
GLOB_CHARS = 8192  # what one tool result may hand the embedded model (session_builder.output_cap of its 8k window)
PACKAGES = [
    "acp", "anyio", "attr", "bs4", "certifi", "cffi", "click", "dateutil", "dill", "dotenv",
    "fastapi", "filelock", "fsspec", "gguf", "git", "gitdb", "grimp", "h11", "httpx2", "idna", "importlinter",
    "iniconfig", "jinja2", "jsonschema", "jwt", "linkify_it", "markdown_it", "multipart", "packaging", "pathspec",
    "platformdirs", "pluggy", "pygments", "pycparser", "pyparsing", "referencing", "requests", "rich",
    "smmap", "soupsieve", "sqlite_utils", "networkx", "syrupy", "textual", "tqdm", "truststore", "typer",
    "urllib3", "uvicorn", "yaml", "pip", "huggingface_hub", "pydantic",
]
ASKS = [
    "List the Python files in this project and tell me what it is for.",
    "What Python files does this repository have, and what does the project do?",
    "Give me the Python files here and a short description of the project.",
    "Which Python files make up this codebase? Also say what the software is for.",
    "Show the Python files of this repository and explain what the project does.",
    "I just cloned this. What is it for, and which Python files does it contain?",
]
SHAPES = ["package", "repo", "src"]
GENERIC = {"python", "this", "that", "with", "from", "library", "package", "module", "your"}  # no purpose in these
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.so", "*.pyd", "*.dll", "*.dylib")


@functools.cache
def _owners() -> dict[str, list[str]]:
    """Top-level package -> the distributions that install it (one scan of site-packages)."""
    return md.packages_distributions()


def distribution(package: str) -> md.PackageMetadata | None:
    names = _owners().get(package) or []
    return md.metadata(names[0]) if names else None


def source_of(package: str) -> str:
    """Where a demo's workspace came from: the installed distribution and its version (the package
    name when no distribution claims it)."""
    meta = distribution(package)
    return f"{meta['Name']}=={meta['Version']}" if meta else package


def build(package: str, shape: str, dest: Path) -> tuple[str, str] | None:
    """Lay out the workspace; (the file to read, what the project is for as it says) or None."""
    src = Path(importlib.util.find_spec(package).origin).parent
    meta = distribution(package)
    summary = (meta.get("Summary") or "").strip().rstrip(".") if meta else ""
    if shape in ("package", "names"):
        shutil.copytree(src, dest / package, ignore=SKIP)
        init = f"{package}/__init__.py"
        text = (dest / init).read_text(encoding="utf-8", errors="replace")
        purpose = init_purpose(text, in_words=shape == "names")
        return (init, purpose) if purpose else None
    if not summary:
        return None
    name = meta["Name"]
    if shape == "readme":  # the project's own README, long prose and all, as a real repository has
        readme = long_readme(meta)
        first = readme and readme_purpose(readme, summary, name)
        if not first:
            return None
        shutil.copytree(src, dest / package, ignore=SKIP)
        (dest / "README.md").write_text(readme, encoding="utf-8")
        (dest / "pyproject.toml").write_text(f'[project]\nname = "{name}"\nversion = "{meta["Version"]}"\n')
        return "README.md", f"{first} (that is what README.md says)"
    shutil.copytree(src, dest / ("src" if shape == "src" else "") / package, ignore=SKIP)
    (dest / "README.md").write_text(f"# {name}\n\n{summary}.\n\nInstall it with `pip install {name}`.\n")
    (dest / "pyproject.toml").write_text(
        f'[project]\nname = "{name}"\nversion = "{meta["Version"]}"\ndescription = "{summary}"\n')
    return "README.md", f"{summary} (that is what README.md says)"


def long_readme(meta: md.PackageMetadata) -> str:
    """The distribution's README as its metadata carries it (Markdown only; '' when it has none)."""
    if not (meta.get("Description-Content-Type") or "").startswith("text/markdown"):
        return ""
    body = meta.get_payload() or meta.get("Description") or ""
    return body.strip() + "\n" if len(body.splitlines()) >= 10 else ""


def readme_purpose(text: str, summary: str, name: str = "") -> str:
    """The first sentence of the README's first prose paragraph within READ_LINES lines (what
    read_file shows), Markdown links and emphasis reduced to their words; '' when there is none,
    or when it shares no word with the distribution's summary besides the project's ``name`` and
    generic words (a greeting or a history is not a purpose)."""
    paragraphs, current, fence = [], [], False
    for line in text.splitlines()[:READ_LINES]:
        stripped = line.strip()
        if stripped.startswith("```"):
            fence = not fence
        # a blank line, a code fence or its inside, a heading, HTML, badge, table, quote or list ends a paragraph
        if fence or not stripped or re.match(r"```|[#<!\[|>=]|[-*+]\s|\d+\.\s", stripped):
            paragraphs.append(current)
            current = []
        else:
            current.append(stripped)
    for lines in [*paragraphs, current]:
        words = re.sub(r"<[^>]+>", "", " ".join(lines))  # inline HTML (<abbr title=...>CLI</abbr>) -> its text
        words = re.sub(r"\[([^\]]*)\](\([^)]*\)|\[[^\]]*\])?", r"\1", words)  # [text](url), [text][ref] -> text
        words = re.sub(r"(\*\*|__|\*|_)(\S[^*_]*?)\1", r"\2", words).replace("`", "")
        if len(words.split()) < 6 or re.match(r"\w+:\s*https?://", words):  # "Documentation: https://..."
            continue
        first = re.split(r"(?<=[.!?])(?<!e\.g\.)(?<!i\.e\.)\s", words, maxsplit=1)[0].rstrip(".:")
        mine, theirs = ({w.lower() for w in re.findall(r"[A-Za-z]{4,}", t)} - GENERIC - {name.lower()} for t in (first, summary))
        return first if mine & theirs and 5 <= len(first.split()) <= 45 else ""
    return ""


def words_of(name: str) -> str:
    """A code name as words: ``detect_shell`` -> "detect shell", ``ServerSentEvent`` -> "server
    sent event", ``JSONServerSentEvent`` -> "JSON server sent event" (an acronym stays)."""
    parts = re.findall(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+", name)
    return " ".join(p if p.isupper() and len(p) > 1 else p.lower() for p in parts)


def init_purpose(text: str, in_words: bool = False) -> str:
    """What the first READ_LINES lines of an ``__init__.py`` say: its docstring's first sentence
    and up to five public names it defines or exports ('' when it says neither). With
    ``in_words``, the first three names that are not constants, each also said in words (at
    least two needed)."""
    shown = "\n".join(text.splitlines()[:READ_LINES])
    doc = ""
    try:
        doc = ast.get_docstring(ast.parse(text)) or ""
    except SyntaxError:
        pass
    lines = doc.splitlines()
    prose = [ln for i, ln in enumerate(lines) if ln.strip() and not re.fullmatch(r"\s*[=~^-]{3,}\s*", ln)
             and not (i + 1 < len(lines) and re.fullmatch(r"\s*[=~^-]{3,}\s*", lines[i + 1]))
             and not re.match(r"\s*\w+:\s", ln)]  # no rst title, underline or "Author: ..." field
    first = re.split(r"(?<=[.!?])\s", " ".join(" ".join(prose).split()), maxsplit=1)[0].rstrip(".")
    if first and first[:30] not in " ".join(shown.split()):
        first = ""
    names = []
    for m in re.finditer(r"^(?:def|class)\s+([A-Za-z]\w*)|^\s+[\"']([A-Za-z]\w*)[\"'],|"
                         r"^from \.\S* import \(?\s*([A-Za-z][\w, ]*)", shown, re.M):
        for n in re.split(r"[,\s]+", next(g for g in m.groups() if g)):
            if n and not n.startswith("_") and n not in names and n != "as":
                names.append(n)
    parts = [f"{first} (from its __init__.py)"] if first else []
    if in_words:
        names = [n for n in names if not n.isupper()][:3]  # constants (NEED_DATA, VERSION) say little
        if len(names) < 2:
            return ""
        said = [words_of(n) for n in names]
        parts.append(f"by the names {'it' if parts else 'its __init__.py'} exports ({', '.join(names)}), "
                     f"it is about {', '.join(said[:-1])} and {said[-1]}")
    elif names[:5]:
        parts.append(f"{'it' if parts else 'its __init__.py'} provides {', '.join(names[:5])}")
    return "; ".join(parts)


def shown_by_glob(files: list[str]) -> tuple[list[str], bool]:
    """The paths ``glob **/*.py`` shows (sorted, cut to the output budget) and whether it was cut."""
    shown, used = [], 0
    for f in sorted(files):
        used += len(f) + 1
        if used > GLOB_CHARS - 200:
            return shown, True
        shown.append(f)
    return shown, False


def steps_for(package: str, shape: str, n: int, where: Path) -> dict | None:
    made = build(package, shape, where)
    if made is None:
        return None
    read, purpose = made
    files = sorted(python_files(where))
    shown, cut = shown_by_glob(files)
    title = package if shape in ("package", "names") else distribution(package)["Name"]
    if len(files) <= ALL_NAMED:  # a few: all of them, as the family survey demos name theirs
        which = "\n".join([ALL_FILES, *files])
    else:  # the first lines of the listing, as they came
        which = "\n".join([FIRST_FILES, *shown[:NAMED]])
    answer = f"{title}: {purpose[0].lower() + purpose[1:] if purpose.startswith('Its') else purpose}.\n\n{which}"
    listing = "Find every Python file, sub-folders included." + (" The list may be cut; that is enough." if cut else "")
    # the top of a README only: a whole one may not fit an 8k window beside a long glob
    steps = [{"thought": listing, "call": {"name": "glob", "arguments": {"pattern": "**/*.py"}}},
             {"thought": "README.md should say what the project is for.",
              "call": {"name": "read_file", "arguments": {"path": "README.md", "limit": READ_LINES}}}]
    if read != "README.md":  # no README (the call above fails): the package's __init__.py
        steps[-1]["expect_error"] = True
        steps.append({"thought": f"There is no README.md; {read} should say what the package is for.",
                      "call": {"name": "read_file", "arguments": {"path": read, "limit": READ_LINES}}})
    return {"task": ASKS[n % len(ASKS)], "steps": [*steps, {"answer": answer}],
            "label": {"outcome": "success", "quality": 4,
                      "tags": ["survey", "survey-real", shape, f"source:{source_of(package)}"]}}


class _Task:
    """What record_demo needs of a task: an id, and a check that always passes (the judge runs instead)."""

    def __init__(self, task_id: str, suite_dir: Path):
        self.id, self.suite_dir, self.check = task_id, suite_dir, "true"


def main() -> int:
    clash = set(PACKAGES) & (set(BENCHMARK_PACKAGES) | {"limi_cli", "agent", "evaluation", "training"})
    if clash:
        raise SystemExit(f"packages of the first-command benchmark used for demos: {sorted(clash)}")
    os.environ["LIMI_MAX_OUTPUT_CHARS"] = str(GLOB_CHARS)  # recorded as the embedded model would see it
    shutil.rmtree(SESSIONS, ignore_errors=True)
    SESSIONS.mkdir(parents=True)
    done, skipped, failed = 0, [], []
    # the readme and names shapes after the others, so that their rows (and questions) stay as they were recorded
    plan = [(p, s) for p in PACKAGES for s in SHAPES] + [(p, "readme") for p in PACKAGES]
    plan += [(p, "names") for p in PACKAGES]
    for n, (package, shape) in enumerate(plan):
        task_id = f"survey-real-{n + 1:03d}-{package}-{shape}"
        with tempfile.TemporaryDirectory(prefix="limi-survey-") as tmp:
            folder = Path(tmp)
            demo = steps_for(package, shape, n, folder / "workspace")
            if demo is None:
                skipped.append(f"{package} ({shape})")
                continue
            files = python_files(folder / "workspace")
            verdict = judge(demo["steps"][-1]["answer"], [{}], files, [""])
            if not verdict["passed"]:
                failed.append(f"{task_id}: the answer fails the judge: {verdict}")
                continue
            (folder / "steps.json").write_text(json.dumps(demo, indent=1))
            expect = {n for n, step in enumerate(demo["steps"], 1) if step.get("expect_error")}
            problems = record_demo(_Task(task_id, folder), folder, folder / "steps.json", expect, SESSIONS,
                                   approval="read-only")
        if problems:
            failed.append(f"{task_id}: {'; '.join(problems)}")
        else:
            done += 1
    return finish(failed, f"recorded {done} survey demos on real packages in {SESSIONS}"
                  + (f"; skipped (nothing says what it is for): {', '.join(skipped)}" if skipped else ""),
                  SESSIONS, DATASET / "survey.jsonl")


if __name__ == "__main__":
    sys.exit(main())
