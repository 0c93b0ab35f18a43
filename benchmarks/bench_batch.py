"""Batch throughput: tasks per minute against the number of workers.

    .venv/bin/python benchmarks/bench_batch.py --workers 1,4 --tasks 4   # one model shared by N task threads
    .venv/bin/python benchmarks/bench_batch.py --mode shared             # one llama.cpp server shared by all workers
    .venv/bin/python benchmarks/bench_batch.py --model scripted:FILE     # the harness alone, no model

Modes (embedded model): ``engine`` is what ``limi-cli batch --workers N`` does with a llama.cpp
model: one copy loaded in this process, N task threads, each on a slot of one
:class:`~agent.backends.llama_batch.BatchEngine` that decodes the slots together (``--workers 1``
runs the tasks one after the other on the single-sequence backend). ``shared`` serves one copy
with llama-cpp-python's OpenAI-compatible server and points every worker process at it. Tasks
are the first ``--tasks`` of the built-in suite, one round, ``--max-turns`` model calls each, at
temperature 0; every run uses the same llama.cpp thread count (``--threads``, default: the cores
free now). Each run after the first says for how many tasks its results (status, and every
reply and call of the trajectory) are those of the first run; tasks run in this process get the
same workspace paths in every run (worker processes of ``shared`` mode get random ones).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _serve(n_ctx: int) -> tuple[subprocess.Popen, str]:
    from agent.model_files import embedded_gguf_path

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "agent.llama_cpu", "--model", str(embedded_gguf_path()),
                             "--model_alias", "smollm2", "--port", str(port), "--n_ctx", str(n_ctx)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}/v1"
    for _ in range(300):
        try:
            urllib.request.urlopen(url + "/models", timeout=2)
            return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("llama_cpp.server did not start")


def same_workspace_paths(root: Path) -> None:
    """Give each task's workspace the same path in every run of this benchmark: the runner's are
    random (``mkdtemp``), the system prompt names the workspace, and a different path alone
    changes what a model writes at temperature 0."""
    mkdtemp = tempfile.mkdtemp

    def fixed(suffix=None, prefix=None, dir=None):
        if prefix and prefix.startswith("limi-") and dir is None:
            path = root / prefix.rstrip("-")
            path.mkdir(mode=0o700)  # the runner removes it when the task ends
            return str(path)
        return mkdtemp(suffix, prefix, dir)

    tempfile.mkdtemp = fixed


def transcript(result) -> tuple:
    """What a task's run did: its status and each reply's text and calls, from its trajectory."""
    replies = []
    if result.log_path and Path(result.log_path).is_file():
        for line in Path(result.log_path).read_text(encoding="utf-8").splitlines():
            event = json.loads(line)
            if event["type"] == "assistant_message":
                calls = [(c["name"], json.dumps(c.get("arguments"), sort_keys=True)) for c in event["tool_calls"]]
                replies.append((event["content"], tuple(calls)))
    return result.status, tuple(replies)


def main() -> None:
    from agent.backends.threads import default_threads
    from agent.config import Config
    from evaluation.batch import run_batch
    from evaluation.task import Limits, load_suite

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", default="1,4")
    p.add_argument("--tasks", type=int, default=4)
    p.add_argument("--max-turns", type=int, default=2)
    p.add_argument("--mode", choices=["engine", "shared"], default="engine")
    p.add_argument("--model", default="embedded")
    p.add_argument("--threads", type=int, default=None, help="llama.cpp threads (default: the cores free now)")
    args = p.parse_args()
    threads = args.threads or default_threads()
    suite = load_suite("builtin").select(limit=args.tasks)
    suite.tasks = [t.model_copy(update={"limits": Limits(time_s=600, max_turns=args.max_turns)}) for t in suite.tasks]
    server = None
    sampling = {"max_tokens": 256, "temperature": 0.0}
    print(f"load before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs, {threads} llama.cpp threads", flush=True)
    workspaces = tempfile.TemporaryDirectory(prefix="bench-ws-")
    same_workspace_paths(Path(workspaces.name))
    try:
        if args.mode == "shared":
            server, url = _serve(8192)
            base = dict(model="openai:smollm2", base_url=url, tool_protocol="text", sampling=sampling)
        else:
            base = dict(model=args.model, n_threads=threads, sampling=sampling)
        print(f"{'mode':7} {'workers':>7} {'tasks':>5} {'wall s':>8} {'tasks/min':>9} {'vs first':>8} {'same results':>12}")
        first = None
        for workers in [int(w) for w in args.workers.split(",")]:
            t0 = time.monotonic()
            with tempfile.TemporaryDirectory() as run:
                results = run_batch(suite, Config(**base), Path(run), workers=workers)
                seen = {r.task_id: transcript(r) for r in results}
            wall = time.monotonic() - t0
            rate = 60 * len(results) / wall
            first = first or (rate, seen)
            same = sum(seen.get(k) == v for k, v in first[1].items())
            errors = sum(r.status == "error" for r in results)
            note = f"  ({errors} errors)" if errors else ""
            print(f"{args.mode:7} {workers:7d} {len(results):5d} {wall:8.1f} {rate:9.2f} {rate / first[0]:7.2f}x "
                  f"{same:>7d} of {len(first[1])}{note}  load {os.getloadavg()[0]:.2f}", flush=True)
    finally:
        workspaces.cleanup()
        if server is not None:
            server.kill()


if __name__ == "__main__":
    main()
