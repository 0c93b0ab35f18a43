"""Batch throughput: tasks per minute against the number of workers.

    .venv/bin/python benchmarks/bench_batch.py --workers 1,2,4 --tasks 8
    .venv/bin/python benchmarks/bench_batch.py --mode shared      # one llama.cpp server shared by all workers
    .venv/bin/python benchmarks/bench_batch.py --model scripted:FILE  # the harness alone, no model

Modes (embedded model): ``per-worker`` loads one model in each worker process (the default
of ``limi-cli batch``); ``shared`` serves one copy with llama-cpp-python's OpenAI-compatible
server and points every worker at it. Tasks are the first ``--tasks`` of the built-in suite,
one round, ``--max-turns`` model calls each. On N cores, per-worker models split the cores
(each llama.cpp instance gets cores / workers threads); a shared server batches nothing on
CPU but keeps one copy of the weights in memory.
"""

from __future__ import annotations

import argparse
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
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(embedded_gguf_path()),
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


def main() -> None:
    from agent.config import Config
    from evaluation.batch import run_batch
    from evaluation.task import Limits, load_suite

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", default="1,2")
    p.add_argument("--tasks", type=int, default=4)
    p.add_argument("--max-turns", type=int, default=2)
    p.add_argument("--mode", choices=["per-worker", "shared"], default="per-worker")
    p.add_argument("--model", default="embedded")
    args = p.parse_args()
    suite = load_suite("builtin").select(limit=args.tasks)
    suite.tasks = [t.model_copy(update={"limits": Limits(time_s=600, max_turns=args.max_turns)}) for t in suite.tasks]
    server = None
    sampling = {"max_tokens": 256, "temperature": 0.0}
    try:
        if args.mode == "shared":
            server, url = _serve(8192)
            base = dict(model="openai:smollm2", base_url=url, tool_protocol="text", sampling=sampling)
        print(f"{'mode':11} {'workers':>7} {'tasks':>5} {'wall s':>8} {'tasks/min':>9}")
        for workers in [int(w) for w in args.workers.split(",")]:
            if args.mode == "per-worker":
                threads = max(1, (os.cpu_count() or 1) // workers)
                base = dict(model=args.model, n_threads=threads, sampling=sampling)
            t0 = time.monotonic()
            with tempfile.TemporaryDirectory() as run:
                results = run_batch(suite, Config(**base), Path(run), workers=workers)
            wall = time.monotonic() - t0
            errors = sum(r.status == "error" for r in results)
            note = f"  ({errors} errors)" if errors else ""
            print(f"{args.mode:11} {workers:7d} {len(results):5d} {wall:8.1f} {60 * len(results) / wall:9.2f}{note}", flush=True)
    finally:
        if server is not None:
            server.kill()


if __name__ == "__main__":
    main()
