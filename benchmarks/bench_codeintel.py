"""Code intelligence: cold and warm index time on the CPython standard library of this
machine, side by side with universal-ctags (``ctags -R``) and aider's RepoMap.

    .venv/bin/python benchmarks/bench_codeintel.py [--aider-python PATH] [--write]

The tree is the stdlib without site-packages and __pycache__, copied to a temp dir so every
tool sees the same files (and no tool writes into the real stdlib). aider runs from its own
virtual environment (``--aider-python``) with a chars/4 token count, so it needs no network.
``--write`` appends the figures to benchmarks/RESULTS.md under "Code intelligence".
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

AIDER_SCRIPT = textwrap.dedent("""
    import os, sys, time
    from aider.io import InputOutput
    from aider.repomap import RepoMap

    class Model:  # chars/4, as limi's map counts; no tokenizer download
        def token_count(self, text):
            return len(text) // 4

    root = sys.argv[1]
    files = [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.endswith(".py")]
    t0 = time.perf_counter()
    rm = RepoMap(map_tokens=1024, root=root, main_model=Model(), io=InputOutput(yes=True), refresh="always")
    text = rm.get_repo_map([], files)
    print(f"{time.perf_counter() - t0:.2f} {len(files)} {len(text or '')}")
""")


def stdlib_tree(dest: Path) -> Path:
    src = Path(sysconfig.get_paths()["stdlib"])
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("site-packages", "__pycache__"), symlinks=True)
    return dest


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def bench_limi(tree: Path, cache: Path) -> list[tuple[str, str]]:
    from agent.codeintel.index import CodeIndex
    from agent.codeintel.repomap import estimate_tokens, repo_map

    rows = []
    t, stats = timed(lambda: CodeIndex(tree, cache).refresh())
    rows.append(("limi index, cold (parse every file)", f"{t:.2f} s, {stats.parsed} files parsed"))
    index = CodeIndex(tree, cache)
    t, stats = timed(index.refresh)
    symbols = sum(len(tags.definitions) for tags in index.files.values())
    rows.append(("limi index, warm (a new index object loading the cache)", f"{t:.2f} s, {stats.parsed} files parsed, {symbols} definitions"))
    target = tree / "json" / "decoder.py"
    target.write_text(target.read_text() + "\n")
    t, stats = timed(index.refresh)
    rows.append(("limi index, one file changed (same object)", f"{t:.2f} s, {stats.parsed} file parsed"))
    t, text = timed(lambda: repo_map(index, 1024))
    rows.append(("limi repo map, 1024 tokens (from the index)", f"{t:.2f} s, {estimate_tokens(text)} tokens"))
    rows.append(("limi cache size", f"{cache.stat().st_size / 1e6:.1f} MB"))
    return rows


def bench_ctags(tree: Path, out: Path) -> list[tuple[str, str]]:
    if shutil.which("ctags") is None:
        return [("universal-ctags", "not installed (apt-get install -y universal-ctags)")]
    version = subprocess.run(["ctags", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    rows = []
    for label in ("cold", "warm (page cache hot; ctags keeps no index cache)"):
        t, _ = timed(lambda: subprocess.run(["ctags", "-R", "--languages=Python", "-f", str(out), str(tree)], check=True))
        rows.append((f"ctags -R, {label}", f"{t:.2f} s"))
    tags = sum(1 for line in out.open(errors="replace") if not line.startswith("!_"))
    rows.append(("ctags tags written", f"{tags} ({version})"))
    return rows


def bench_aider(tree: Path, python: str | None) -> list[tuple[str, str]]:
    if not python:
        return [("aider RepoMap", "skipped: pass --aider-python (a venv with aider-chat installed)")]
    rows = []
    for label in ("cold (no .aider.tags.cache)", "warm (its tags cache)"):
        proc = subprocess.run([python, "-c", AIDER_SCRIPT, str(tree)], capture_output=True, text=True, cwd=tree,
                              env={**os.environ, "AIDER_ANALYTICS": "false"})
        if proc.returncode != 0:
            return [("aider RepoMap", f"failed: {proc.stderr.strip().splitlines()[-1][:200]}")]
        secs, files, chars = proc.stdout.split()[-3:]
        rows.append((f"aider RepoMap 1024 tokens, {label}", f"{float(secs):.2f} s, {files} files, {int(chars) // 4} tokens"))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aider-python", help="python of a venv with aider-chat, to run its RepoMap")
    parser.add_argument("--write", action="store_true", help="append the figures to benchmarks/RESULTS.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tree = stdlib_tree(Path(tmp) / "stdlib")
        files = sum(1 for p in tree.rglob("*.py"))
        rows = [("tree", f"CPython {sys.version.split()[0]} stdlib without site-packages: {files} .py files"),
                ("cpus", str(os.cpu_count()))]
        rows += bench_limi(tree, Path(tmp) / "index.sqlite")
        rows += bench_ctags(tree, Path(tmp) / "tags")
        rows += bench_aider(tree, args.aider_python)
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    if args.write:
        table = "\n".join(f"| {k} | {v} |" for k, v in rows)
        section = (f"\n## Code intelligence\n\n`{' '.join(['.venv/bin/python', 'benchmarks/bench_codeintel.py', *sys.argv[1:]])}`"
                   f" ({time.strftime('%Y-%m-%d')})\n\n| measure | result |\n|---|---|\n{table}\n")
        with open(Path(__file__).with_name("RESULTS.md"), "a", encoding="utf-8") as f:
            f.write(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
