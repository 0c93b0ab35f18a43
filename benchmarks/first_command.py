"""The README's first command on real repositories: does the model look before it answers?

    .venv/bin/python benchmarks/first_command.py [-m embedded] [-o report.json] [--repo NAME=DIR:KEYWORD ...]

For each repository (default: this one, as committed, and the source of three small packages
installed beside limi-cli: shellingham, mdurl and sniffio), a fresh copy is made and
``limi-cli run -p "List the Python files in this repository and say what the project is for."``
runs in it (read-only approval, no sandbox needed: nothing is written). The answer passes when:

- at least one tool call was made (the answer is not written from nothing);
- it names at least 3 of the repository's Python files (all of them when it has fewer), by
  relative path or base name;
- it names no file that does not exist (none invented): a ``.py`` path, or a path with another
  common extension (``__init__.cu``, ``setup.cfg``) that is not a file of the repository;
- no paragraph of it is repeated;
- it says what the project is for, in prose: one of the repository's keywords appears outside
  file paths, the project's own name, and the names the repository's Python code defines
  (``URL`` in "mdurl provides URL" is a class name copied from the code, not a purpose).

``lenient_passed`` keeps the judge of takes eleven to fifteen (only ``.py`` paths judged, defined
names allowed) for comparison. ``--rejudge REPORT`` judges a saved report's answers again with
this judge, on the same repositories, without running a model.

Each run's answer, calls and verdicts are written to the report as they come (a killed run keeps
what it measured).
"""

from __future__ import annotations

import argparse
import ast
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROMPT = "List the Python files in this repository and say what the project is for."
PACKAGES = {"shellingham": ["shell"], "mdurl": ["url"], "sniffio": ["async"]}


def this_repo(dest: Path) -> None:
    """This repository as committed (git archive of HEAD), without the venv or build files."""
    dest.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)


def package_source(name: str, dest: Path) -> None:
    src = Path(importlib.import_module(name).__file__).parent
    shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


def all_files(repo: Path) -> set[str]:
    return {str(p.relative_to(repo)) for p in repo.rglob("*")
            if p.is_file() and ".limi" not in p.parts and ".git" not in p.parts and "__pycache__" not in p.parts}


def python_files(repo: Path) -> set[str]:
    return {f for f in all_files(repo) if f.endswith(".py")}


# a path with an extension a repository's files commonly have; a dotted module name
# (``uvicorn.main``) is not one of them
OTHER_PATH = re.compile(r"[\w./-]*\w\.(?:pyi|pyx|cu|c|h|cc|cpp|md|rst|txt|toml|cfg|ini|json|ya?ml|sh|js|ts|html|lock|typed)\b")


def defined_names(repo: Path) -> set[str]:
    """The names the repository's Python files define: functions, classes, module-level assignments."""
    names: set[str] = set()
    for path in repo.rglob("*.py"):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        except (SyntaxError, ValueError):
            continue
        names |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
        for node in tree.body:  # module-level assignments (constants, aliases, __all__'s neighbours)
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def judge(answer: str, calls: list[dict], files: set[str], keywords: list[str], name: str = "",
          other_files: set[str] | None = None, identifiers: set[str] | None = None) -> dict:
    """The verdicts on ``answer``. A keyword counts only outside file paths and the project's
    ``name`` (``shell`` in "shellingham/nt.py" says nothing about what shellingham is for), and,
    when ``identifiers`` is given, outside the names the code defines. When ``other_files`` (every
    file of the repository) is given, paths with other extensions are judged too."""
    named = {m.removeprefix("./") for m in re.findall(r"[\w./-]*\w\.py\b", answer)}
    prose = re.sub(r"[\w./-]*\w\.py\b", " ", answer)
    if name:  # "sse-starlette" also as sse_starlette
        prose = re.sub(re.escape(name).replace("\\-", "[-_]").replace("_", "[-_]"), " ", prose, flags=re.I)
    known = files | {Path(f).name for f in files}
    real, invented = sorted(named & known), sorted(named - known)
    lenient_for = any(k.lower() in prose.lower() for k in keywords)
    lenient_invented = invented
    if other_files is not None:
        others = {m.removeprefix("./") for m in OTHER_PATH.findall(answer)}
        invented = sorted(set(invented) | (others - other_files - {Path(f).name for f in other_files}))
        prose = OTHER_PATH.sub(" ", prose)
    if identifiers:
        prose = re.sub(r"\w+", lambda m: " " if m.group() in identifiers else m.group(), prose)
    paragraphs = [p.strip() for p in answer.split("\n\n") if len(p.strip()) > 40]
    repeated = len(paragraphs) - len(set(paragraphs))
    need = min(3, len(files))
    checks = {
        "tool_called": bool(calls),
        "names_real_files": len(real) >= need,
        "invents_none": not invented,
        "no_repeated_paragraph": repeated == 0,
        "says_what_for": any(k.lower() in prose.lower() for k in keywords),
    }
    lenient = dict(checks, invents_none=not lenient_invented, says_what_for=lenient_for)
    return {"passed": all(checks.values()), "checks": checks, "real_named": real, "invented": invented,
            "repeated_paragraphs": repeated, "lenient_passed": all(lenient.values())}


def run_one(model: str, repo: Path, timeout: int) -> dict:
    t = time.perf_counter()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "limi-cli"), "run", "-m", model, "--approval", "read-only",
         "--sandbox", "off", "--output-format", "stream-json", "-p", PROMPT],
        cwd=repo, capture_output=True, text=True, timeout=timeout)
    calls, answer = [], ""
    for line in done.stdout.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("type") == "assistant":
            for part in event.get("message", {}).get("content", []):
                if part.get("type") == "tool_use":
                    calls.append({"name": part.get("name"), "input": part.get("input")})
        elif event.get("type") == "result":
            answer = event.get("result") or ""
    return {"rc": done.returncode, "seconds": round(time.perf_counter() - t, 1), "calls": calls, "answer": answer,
            "stderr_tail": done.stderr[-500:] if done.returncode else ""}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-m", "--model", default="embedded")
    ap.add_argument("-o", "--output", type=Path, default=Path("first_command.json"))
    ap.add_argument("--repo", action="append", default=[], metavar="NAME=DIR:KEYWORD",
                    help="another repository (copied first) and a word its purpose should bring up")
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--rejudge", type=Path, metavar="REPORT",
                    help="judge a saved report's answers again (same repositories), running no model")
    args = ap.parse_args()
    # the LIMI_* settings of this run (LIMI_REPEAT_PENALTY, LIMI_TEMPERATURE, ...), which change the answers
    settings = {k: v for k, v in sorted(os.environ.items()) if k.startswith("LIMI_") and "KEY" not in k}
    report: dict = {"model": args.model, "prompt": PROMPT, "settings": settings, "runs": []}
    saved = {}
    if args.rejudge:
        try:
            earlier = json.loads(args.rejudge.read_text())
            saved = {r["repo"]: r for r in earlier["runs"]}
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise SystemExit(f"first_command: --rejudge {args.rejudge}: not a first-command report ({e})") from None
        report.update(model=earlier.get("model"), rejudged=str(args.rejudge))
    with tempfile.TemporaryDirectory(prefix="first_command_") as tmp:
        repos: list[tuple[str, Path, list[str]]] = []
        this_repo(Path(tmp) / "limi-cli")
        repos.append(("limi-cli", Path(tmp) / "limi-cli", ["agent"]))
        for name, keywords in PACKAGES.items():
            dest = Path(tmp) / f"pkg-{name}"
            package_source(name, dest)
            repos.append((name, dest, keywords))
        for spec in args.repo:
            name, _, rest = spec.partition("=")
            where, _, keyword = rest.rpartition(":")
            dest = Path(tmp) / f"extra-{name}"
            shutil.copytree(where, dest, ignore=shutil.ignore_patterns(".git", "__pycache__", ".venv"))
            repos.append((name, dest, [keyword]))
        for name, repo, keywords in repos:
            if args.rejudge and name not in saved:
                continue
            files = python_files(repo)
            result = dict(saved[name]) if args.rejudge else run_one(args.model, repo, args.timeout)
            result.update(repo=name, python_files=len(files),
                          **judge(result["answer"], result["calls"], files, keywords, name,
                                  all_files(repo), defined_names(repo)))
            report["runs"].append(result)
            report["passed"] = sum(r["passed"] for r in report["runs"])
            args.output.write_text(json.dumps(report, indent=1))
            failed = [k for k, ok in result["checks"].items() if not ok]
            print(f"{name}: {'PASS' if result['passed'] else 'fail (' + ', '.join(failed) + ')'}; "
                  f"{len(result['calls'])} calls, real {result['real_named'][:5]}, invented {result['invented'][:5]}, "
                  f"{result['seconds']} s", flush=True)
    lenient = sum(r["lenient_passed"] for r in report["runs"])
    print(f"{report['passed']} of {len(report['runs'])} passed ({lenient} by the lenient judge); report: {args.output}")


if __name__ == "__main__":
    main()
