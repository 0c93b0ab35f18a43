"""Code intelligence: cold and warm index and repo map time on the CPython standard library
of this machine, side by side in the same run with universal-ctags (``ctags -R``), aider's
RepoMap and, optionally, limi's own index as it was at an earlier git revision.

    .venv/bin/python benchmarks/bench_codeintel.py [--aider-python PATH] [--previous REV] [--runs N] [--markdown FILE]

The tree is the stdlib without site-packages and __pycache__, copied to a temp dir so every
tool sees the same files (and no tool writes into the real stdlib); the copy is in the page
cache for every tool. aider runs from its own virtual environment (``--aider-python``) with a
chars/4 token count, so it needs no network. ``--previous`` loads agent/codeintel from that
revision (``git show``) and times it on the same tree. Each run starts from an empty cache;
the ratios are taken within a run, as the machine's load changes between runs (the load
average before and after each run is printed). ``--markdown FILE`` writes the figures as
the table that benchmarks/RESULTS.md shows under "Code intelligence".
"""

from __future__ import annotations

import argparse
import importlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

AIDER_SCRIPT = textwrap.dedent("""
    import os, sys, time
    from aider.io import InputOutput
    from aider.repomap import RepoMap

    class Model:  # chars/4, as limi's map counts; no tokenizer download
        def token_count(self, text):
            return len(text) // 4

    root = sys.argv[1]
    files = [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.endswith(".py")]
    t0, c0 = time.perf_counter(), time.process_time()
    rm = RepoMap(map_tokens=1024, root=root, main_model=Model(), io=InputOutput(yes=True), refresh="always")
    text = rm.get_repo_map([], files)
    print(f"{time.perf_counter() - t0:.2f} {time.process_time() - c0:.2f} {len(files)} {len(text or '')}")
""")
MAP_TOKENS = 1024


def stdlib_tree(dest: Path) -> Path:
    src = Path(sysconfig.get_paths()["stdlib"])
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("site-packages", "__pycache__"), symlinks=True)
    return dest


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def cpu_now() -> float:
    """CPU seconds of this process and of its children that have ended (the parse workers)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def touch(path: Path) -> None:
    path.write_text(path.read_text() + "\n")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def bench_limi(tree: Path, cache: Path, figures: dict[str, float]) -> list[tuple[str, str]]:
    from agent.codeintel.index import CodeIndex
    from agent.codeintel.repomap import estimate_tokens, repo_map, repo_map_for_prompt
    from agent.codeintel.workers import default_jobs

    rows = []
    cpu0 = cpu_now()
    index = CodeIndex(tree, cache)
    t_index, stats = timed(index.refresh)
    t_map, text = timed(lambda: repo_map(index, MAP_TOKENS))
    cpu = cpu_now() - cpu0
    figures["limi_cold"], figures["limi_cold_cpu"] = t_index + t_map, cpu
    rows.append(("limi index + repo map, cold (parse every file)",
                 f"**{t_index + t_map:.2f} s** (index {t_index:.2f} s: {stats.parsed} files, {stats.in_workers} "
                 f"in {default_jobs() - 1} worker process(es); map {t_map:.2f} s, {estimate_tokens(text)} tokens); "
                 f"CPU {cpu:.2f} s in all processes"))
    warm = CodeIndex(tree, cache)
    t, stats = timed(warm.refresh)
    figures["limi_warm"] = t
    rows.append(("limi index, warm (a new index object on the cache)", f"**{t:.2f} s**, {stats.parsed} files parsed"))
    target = tree / "json" / "decoder.py"
    touch(target)
    t, stats = timed(warm.refresh)
    figures["limi_change"] = t
    rows.append(("limi index, one file changed (same object)", f"**{t:.3f} s**, {stats.parsed} file parsed"))
    t, text = timed(lambda: repo_map(warm, MAP_TOKENS))
    figures["limi_map_again"] = t
    rows.append(("limi repo map after the change (ranked again; records read from the cache)",
                 f"{t:.2f} s, {estimate_tokens(text)} tokens"))
    repo_map_for_prompt(tree, MAP_TOKENS, cache)  # ranks and keeps the map beside the index
    t, text = timed(lambda: repo_map_for_prompt(tree, MAP_TOKENS, cache))
    figures["limi_warm_map"] = t
    rows.append(("limi session start, warm: new index + kept map (`repo_map_for_prompt`)",
                 f"{t:.2f} s, {estimate_tokens(text)} tokens"))
    symbols = sum(len(tags.definitions) for tags in warm.files.values())
    rows.append(("limi definitions", str(symbols)))
    figures["limi_cache_mb"] = cache.stat().st_size / 1e6
    rows.append(("limi cache size", f"**{cache.stat().st_size / 1e6:.1f} MB**"))
    return rows


def bench_floor(tree: Path, figures: dict[str, float]) -> list[tuple[str, str]]:
    """What no tree-sitter index can beat: parsing every file, nothing else, in one process."""
    from agent.codeintel.parser import grammar
    from agent.codeintel.workers import default_jobs

    parser = grammar("python").parser
    sources = [p.read_bytes() for p in tree.rglob("*.py")]
    cpu0 = time.process_time()
    for source in sources:
        parser.parse(source)
    cpu = time.process_time() - cpu0
    jobs = default_jobs()
    figures["floor"] = cpu / jobs
    return [("tree-sitter parse alone (no query, no cache), CPU", f"{cpu:.2f} s: {cpu / jobs:.2f} s on {jobs} cores at best")]


def load_previous(rev: str, dest: Path):
    """agent/codeintel at ``rev`` as the package ``previous_codeintel``, or None."""
    pkg = dest / "previous_codeintel"
    pkg.mkdir()
    for name in ("__init__", "index", "parser", "queries", "repomap"):
        proc = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:agent/codeintel/{name}.py"],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            return None
        (pkg / f"{name}.py").write_text(proc.stdout.replace("agent.codeintel.", "previous_codeintel."))
    sys.path.insert(0, str(dest))
    return importlib.import_module("previous_codeintel.index"), importlib.import_module("previous_codeintel.repomap")


def bench_previous(rev: str, modules, tree: Path, cache: Path, figures: dict[str, float]) -> list[tuple[str, str]]:
    if modules is None:
        return [(f"limi at {rev}", "skipped: git show failed (not a revision of this repository?)")]
    index_mod, map_mod = modules
    cpu0 = cpu_now()
    index = index_mod.CodeIndex(tree, cache)
    t_index, _ = timed(index.refresh)
    t_map, _ = timed(lambda: map_mod.repo_map(index, MAP_TOKENS))
    cpu = cpu_now() - cpu0
    figures["previous_cold"], figures["previous_cold_cpu"] = t_index + t_map, cpu
    warm = index_mod.CodeIndex(tree, cache)
    t_warm, _ = timed(warm.refresh)
    figures["previous_warm"] = t_warm
    figures["previous_cache_mb"] = cache.stat().st_size / 1e6
    return [(f"limi at {rev}: index + repo map, cold",
             f"{t_index + t_map:.2f} s (index {t_index:.2f} s, map {t_map:.2f} s); CPU {cpu:.2f} s"),
            (f"limi at {rev}: index, warm", f"{t_warm:.2f} s"),
            (f"limi at {rev}: cache size", f"{cache.stat().st_size / 1e6:.1f} MB")]


def bench_ctags(tree: Path, out: Path, figures: dict[str, float]) -> list[tuple[str, str]]:
    if shutil.which("ctags") is None:
        return [("universal-ctags", "not installed (apt-get install -y universal-ctags)")]
    version = subprocess.run(["ctags", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    rows = []
    for label in ("cold", "again (ctags keeps no cache)"):
        cpu0 = cpu_now()
        t, _ = timed(lambda: subprocess.run(["ctags", "-R", "--languages=Python", "-f", str(out), str(tree)], check=True))
        cpu = cpu_now() - cpu0
        figures.setdefault("ctags", t)
        figures.setdefault("ctags_cpu", cpu)
        rows.append((f"ctags -R, {label}", f"{t:.2f} s; CPU {cpu:.2f} s"))
    tags = sum(1 for line in out.open(errors="replace") if not line.startswith("!_"))
    rows.append(("ctags tags written", f"{tags} ({version.split(',')[0]}; definitions only)"))
    return rows


def bench_aider(tree: Path, python: str | None, figures: dict[str, float]) -> list[tuple[str, str]]:
    if not python:
        return [("aider RepoMap", "skipped: pass --aider-python (a venv with aider-chat installed)")]
    rows = []
    for key, label in (("aider_cold", "cold (no .aider.tags.cache)"), ("aider_warm", "warm (its tags cache)")):
        proc = subprocess.run([python, "-c", AIDER_SCRIPT, str(tree)], capture_output=True, text=True, cwd=tree,
                              env={**os.environ, "AIDER_ANALYTICS": "false"})
        if proc.returncode != 0:
            return [("aider RepoMap", f"failed: {proc.stderr.strip().splitlines()[-1][:200]}")]
        secs, cpu, files, chars = proc.stdout.split()[-4:]
        figures[key], figures[key + "_cpu"] = float(secs), float(cpu)
        rows.append((f"aider RepoMap {MAP_TOKENS} tokens, {label}",
                     f"{float(secs):.2f} s, {files} files, {int(chars) // 4} tokens; CPU {float(cpu):.2f} s"))
    shutil.rmtree(tree / ".aider.tags.cache.v4", ignore_errors=True)
    for stale in tree.glob(".aider.tags.cache*"):
        shutil.rmtree(stale, ignore_errors=True)
    return rows


def ratios(f: dict[str, float]) -> list[tuple[str, str]]:
    out = []
    if "ctags" in f:
        out.append(("limi cold index + map / ctags -R (goal <= 2x)", f"{f['limi_cold'] / f['ctags']:.1f}x"))
        out.append(("limi cold / ctags -R in CPU seconds (all processes)", f"{f['limi_cold_cpu'] / f['ctags_cpu']:.1f}x"))
        if "floor" in f:
            out.append(("tree-sitter parse alone on all cores / ctags -R", f"{f['floor'] / f['ctags']:.1f}x"))
    if "aider_cold" in f:
        out.append(("aider cold / limi cold index + map (goal >= 3x)", f"{f['aider_cold'] / f['limi_cold']:.1f}x"))
        out.append(("aider cold / limi cold in CPU seconds", f"{f['aider_cold_cpu'] / f['limi_cold_cpu']:.1f}x"))
    if "aider_warm" in f:
        out.append(("aider warm / limi warm index + map ranked again", f"{f['aider_warm'] / (f['limi_warm'] + f['limi_map_again']):.0f}x"))
        out.append(("aider warm / limi warm session start (map kept)", f"{f['aider_warm'] / f['limi_warm_map']:.0f}x"))
    if "previous_cold" in f:
        out.append(("previous limi cold / limi cold", f"{f['previous_cold'] / f['limi_cold']:.1f}x"))
        out.append(("previous limi cold / limi cold in CPU seconds", f"{f['previous_cold_cpu'] / f['limi_cold_cpu']:.1f}x"))
        out.append(("previous limi warm / limi warm", f"{f['previous_warm'] / f['limi_warm']:.1f}x"))
    return out


def load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aider-python", help="python of a venv with aider-chat, to run its RepoMap")
    parser.add_argument("--previous", metavar="REV", help="also time agent/codeintel as it was at this git revision")
    parser.add_argument("--runs", type=int, default=1, help="runs, each from empty caches (default 1)")
    parser.add_argument("--markdown", metavar="FILE", help="write the figures as a Markdown table to FILE")
    args = parser.parse_args()
    runs: list[tuple[list[tuple[str, str]], dict[str, float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        tree = stdlib_tree(Path(tmp) / "stdlib")
        files = sum(1 for _ in tree.rglob("*.py"))
        previous = load_previous(args.previous, Path(tmp)) if args.previous else None
        for run in range(1, args.runs + 1):
            figures: dict[str, float] = {}
            before = load()
            rows = bench_limi(tree, Path(tmp) / f"index{run}.sqlite", figures)
            rows += bench_floor(tree, figures)
            rows += bench_ctags(tree, Path(tmp) / "tags", figures)
            rows += bench_aider(tree, args.aider_python, figures)
            if args.previous:
                rows += bench_previous(args.previous, previous, tree, Path(tmp) / f"previous{run}.sqlite", figures)
            rows += ratios(figures)
            rows.append(("load average (1/5/15 min) before / after", f"{before} / {load()}"))
            runs.append((rows, figures))
            width = max(len(k) for k, _ in rows)
            print(f"-- run {run}")
            for key, value in rows:
                print(f"{key:<{width}}  {value.replace('**', '')}")
    head = [("tree", f"CPython {sys.version.split()[0]} stdlib without site-packages: {files} .py files"),
            ("cpus", f"{os.cpu_count()} (shared with other work: see the load average)")]
    summary = []
    if len(runs) > 1:
        for key, value in ratios({k: statistics.median(f[k] for _, f in runs if k in f)
                                  for k in set().union(*(f for _, f in runs))}):
            summary.append((f"median over {len(runs)} runs: {key}", value))
        for key, value in summary:
            print(f"{key}  {value}")
    if args.markdown:
        command = " ".join([".venv/bin/python", "benchmarks/bench_codeintel.py", *sys.argv[1:]])
        labels = [k for k, _ in runs[0][0]]
        table = [f"| measure | {' | '.join(f'run {i}' for i in range(1, len(runs) + 1))} |",
                 "|---|" + "---|" * len(runs)]
        table += [f"| {k} | {v} |" + " |" * (len(runs) - 1) for k, v in head]
        for i, label in enumerate(labels):
            cells = [dict(rows).get(label, "") for rows, _ in runs]
            table.append(f"| {label} | {' | '.join(cells)} |")
        table += [f"| {k} | {v} |" + " |" * (len(runs) - 1) for k, v in summary]
        section = f"\n`{command}` ({time.strftime('%Y-%m-%d')})\n\n" + "\n".join(table) + "\n"
        Path(args.markdown).write_text(section, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
