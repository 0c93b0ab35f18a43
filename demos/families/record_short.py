#!/usr/bin/env python3
"""Record short, automatically generated tool-use rows: one call and an answer each.

The other side of LIMI's comparison ("less is more"): many short rows made by a program, the
kind a function-calling dataset holds, against a few long curated demonstrations with the same
or fewer trained tokens. Each row asks one small thing about a training task's workspace
(``demos/families/train``; the validation split and ``evaluation/suites`` are never used),
makes the one call that finds it out, and answers from the tool's output. Eight kinds, in turn:

- ``read``: "What is in F?": read_file F; the answer gives its line count and what it defines
  (a Python file) or its first line;
- ``list``: "Which files are here?": list_files; the answer names them;
- ``glob``: "Which Python files are there?": glob ``**/*.py``;
- ``where``: "Where is NAME defined?": grep ``def NAME``; the file and the line;
- ``count``: "How many lines does F have?": shell ``wc -l < F``;
- ``run``: "Run F and say what it prints": shell ``python F`` (scripts that print and exit 0);
- ``write``: "Create NOTE with the line T": write_file;
- ``comment``: "Put the comment C at the top of F": edit of its first line.

The answers are computed before recording by running the same tool in-process on a copy of the
workspace, then the row is recorded with ``limi-cli record`` (real tools, real observations);
the log must end ``done`` with no failed call. Logs go to ``demos/families/short_sessions/``,
rows to ``demos/families/dataset/short.jsonl`` (with a manifest).

    .venv/bin/python demos/families/record_short.py [-n 240] [--seed 7]
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import re
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from record import prepare, record_demo  # noqa: E402  (record puts the repository on sys.path)
from record_recovery import finish  # noqa: E402

from agent.tools.base import ToolContext  # noqa: E402
from agent.tools.registry import ALL_TOOLS  # noqa: E402
from agent.tools.workspace import Workspace  # noqa: E402

SESSIONS = HERE / "short_sessions"
DATASET = HERE / "dataset"
TRAIN = HERE / "train"
KINDS = ("read", "list", "glob", "where", "count", "run", "write", "comment")
ASK = {
    "read": ["What is in {f}?", "Show me {f}.", "Read {f} and tell me what it holds."],
    "list": ["Which files are in this workspace?", "List the files here.", "What files does this project have?"],
    "glob": ["Which Python files are there?", "Find the Python files in this workspace.", "List every .py file."],
    "where": ["Where is {name} defined?", "Which file defines {name}?", "Find the definition of {name}."],
    "count": ["How many lines does {f} have?", "Count the lines of {f}.", "What is the line count of {f}?"],
    "run": ["Run {f} and tell me what it prints.", "What does `python {f}` print?", "Run the script {f}."],
    "write": ["Create {f} with the line `{text}`.", "Make a file {f} that says `{text}`.",
              "Write `{text}` to a new file {f}."],
    "comment": ["Put the comment `{text}` at the top of {f}.", "Add the line `{text}` as the first line of {f}.",
                "Start {f} with the comment `{text}`."],
}
THOUGHT = {
    "read": "Read {f}.", "list": "List the files.", "glob": "Find the .py files.", "where": "Search for its definition.",
    "count": "Count its lines with wc.", "run": "Run it.", "write": "Write the file.", "comment": "Edit its first line.",
}
WORDS = ["amber", "birch", "cinder", "delta", "ember", "fable", "garnet", "harbor", "indigo", "juniper", "kestrel",
         "lumen", "meadow", "nimbus", "orchid", "pebble", "quill", "russet", "sable", "thistle"]


def tool_output(workspace: Path, name: str, arguments: dict) -> tuple[str, bool]:
    """Run the built-in tool ``name`` in ``workspace`` as a session would: (output, is_error)."""
    tool = ALL_TOOLS[name]()
    ctx = ToolContext(workspace=Workspace(workspace))
    try:
        obs = tool.run(tool.Params(**arguments), ctx)
    finally:
        tool.close(ctx)
    return obs.output, obs.is_error


def files_of(workspace: Path) -> list[str]:
    return sorted(str(p.relative_to(workspace)) for p in workspace.rglob("*")
                  if p.is_file() and not {".git", ".limi", "__pycache__"} & set(p.relative_to(workspace).parts))


def defined(path: Path) -> list[str]:
    """The top-level functions and classes of a Python file, in order."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError):
        return []
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]


def lines(n: int | str) -> str:
    return f"{n} line" if str(n) == "1" else f"{n} lines"


def said(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def plan(kind: str, ws: Path, rng: random.Random) -> dict | None:
    """The ask, the call and the answer of one row of ``kind`` on workspace ``ws``; None when it does not apply."""
    files = files_of(ws)
    texts = [f for f in files if (ws / f).stat().st_size < 4000 and not f.endswith((".pyc", ".db"))]
    py = [f for f in texts if f.endswith(".py")]
    f = rng.choice(texts) if texts else None
    fill: dict = {"f": f}
    if kind == "read" and f:
        call = ("read_file", {"path": f})
        text = (ws / f).read_text(encoding="utf-8").splitlines()
        names = defined(ws / f) if f.endswith(".py") else []
        first = next((ln.strip() for ln in text if ln.strip()), "")
        what = f"it defines {said([n + '()' for n in names])}" if names else f"its first line is `{first}`"
        answer = f"{f} has {lines(len(text))}; {what}." if text else f"{f} is empty."
    elif kind == "list":
        call = ("list_files", {})
        out, _ = tool_output(ws, *call)
        entries = [ln.strip() for ln in out.splitlines() if ln.strip() and not ln.startswith("[")]
        if not entries or len(entries) > 12:
            return None
        answer = "The workspace has:\n" + "\n".join(entries)
    elif kind == "glob":
        if not py:
            return None
        call = ("glob", {"pattern": "**/*.py"})
        out, _ = tool_output(ws, *call)
        found = [ln.strip() for ln in out.splitlines() if ln.strip().endswith(".py")]
        answer = "The Python files:\n" + "\n".join(found)
    elif kind == "where":
        names = [(p, n) for p in py for n in defined(ws / p)]
        if not names:
            return None
        path, name = rng.choice(names)
        fill["name"] = name
        call = ("grep", {"pattern": f"(def|class) {name}\\b"})
        out, _ = tool_output(ws, *call)
        hits = [m.groups() for m in re.finditer(r"^(\S+?):(\d+):", out, re.M)]
        if len(hits) != 1 or hits[0][0] != path:
            return None
        answer = f"{name} is defined in {path}, line {hits[0][1]}."
    elif kind == "count" and f:
        call = ("shell", {"command": f"wc -l < {f}"})
        out, _ = tool_output(ws, *call)
        n = out.strip().splitlines()[0].strip() if out.strip() else ""
        if not n.isdigit():
            return None
        answer = f"{f} has {lines(n)}."
    elif kind == "run":
        scripts = [p for p in py if "__main__" in (ws / p).read_text(encoding="utf-8") or "print(" in (ws / p).read_text(encoding="utf-8")]
        if not scripts:
            return None
        f = fill["f"] = rng.choice(scripts)
        call = ("shell", {"command": f"python {f}"})
        out, err = tool_output(ws, *call)
        shown = out.strip()
        if err or not shown or "[exit code" in shown or "Traceback" in shown or len(shown.splitlines()) > 6:
            return None
        answer = f"`python {f}` prints:\n{shown}"
    elif kind == "write":
        a, b = rng.sample(WORDS, 2)
        f = fill["f"] = f"notes/{a}.txt" if rng.random() < 0.5 else f"{a}_{b}.txt"
        text = fill["text"] = f"{b} {rng.randint(2, 99)}"
        call = ("write_file", {"path": f, "content": text + "\n"})
        answer = f"Created {f} with the line `{text}`."
    elif kind == "comment" and py:
        f = fill["f"] = rng.choice(py)
        first = (ws / f).read_text(encoding="utf-8").splitlines()[0]
        if not first.strip() or (ws / f).read_text(encoding="utf-8").count(first) != 1:
            return None
        text = fill["text"] = f"# {rng.choice(WORDS)} {rng.choice(WORDS)}"
        call = ("edit", {"path": f, "old_string": first, "new_string": f"{text}\n{first}"})
        answer = f"Added `{text}` as the first line of {f}."
    else:
        return None
    name, arguments = call
    return {"task": rng.choice(ASK[kind]).format(**fill),
            "steps": [{"thought": THOUGHT[kind].format(**fill), "call": {"name": name, "arguments": arguments}},
                      {"answer": answer}],
            "label": {"outcome": "success", "quality": 3, "tags": ["short", kind, "generated"]}}


class _Task:
    """What record_demo needs of a task: an id, and a check that always passes (the log is checked instead)."""

    def __init__(self, task_id: str, suite_dir: Path):
        self.id, self.suite_dir, self.check = task_id, suite_dir, "true"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=240, help="rows to record (default 240)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    folders = sorted(p for p in TRAIN.iterdir() if (p / "workspace").is_dir())
    shutil.rmtree(SESSIONS, ignore_errors=True)
    SESSIONS.mkdir(parents=True)
    done, failed, attempts = 0, [], 0
    while done < args.n and attempts < args.n * 4:
        kind, folder = KINDS[attempts % len(KINDS)], rng.choice(folders)
        attempts += 1
        ws = prepare(folder)  # the workspace as the recording sees it (overlay, git)
        try:
            demo = plan(kind, ws, rng)
        finally:
            shutil.rmtree(ws, ignore_errors=True)
        if demo is None:
            continue
        task_id = f"short-{done + 1:03d}-{kind}-{folder.name}"
        with tempfile.TemporaryDirectory(prefix="limi-short-") as tmp:
            steps = Path(tmp) / "steps.json"
            steps.write_text(json.dumps(demo, indent=1))
            problems = record_demo(_Task(task_id, TRAIN), folder, steps, set(), SESSIONS)
        if problems:
            failed.append(f"{task_id}: {'; '.join(problems)}")
        else:
            done += 1
    return finish(failed, f"recorded {done} short rows in {SESSIONS}", SESSIONS, DATASET / "short.jsonl")


if __name__ == "__main__":
    sys.exit(main())
