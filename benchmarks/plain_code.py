"""Does tuning keep what the model knew? Its plain-chat code on held-out write-module tasks.

    .venv/bin/python benchmarks/plain_code.py [-m embedded-base] [-o report.json] [--samples 3]

Each task of the ``write-module`` family in ``demos/families/validation`` (a function no demo
wrote) is asked as a plain chat message, with no tools and no system prompt: the instruction and
"Reply with only the complete content of the file, in one fenced code block." The first fenced
block of the reply (the whole reply when there is none) is written to the file the task names in
a fresh copy of its workspace, and the task's own check judges it. One greedy reply per task,
then ``--samples`` replies at temperature 0.7 (seeds 1..N). A tuned adapter that fine-tuning has
made forget how to code scores below the base here, whatever it learned about tools. Results are
written to the report as they come.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.backends.base import TextChunk  # noqa: E402
from agent.backends.registry import make_backend  # noqa: E402
from agent.config import Config  # noqa: E402
from agent.messages import Message, Sampling  # noqa: E402
from evaluation.check import command_env, run_command  # noqa: E402
from evaluation.task import load_suite  # noqa: E402

ASK = "\nReply with only the complete content of the file, in one fenced code block."
FENCE = re.compile(r"```[\w+-]*\n(.*?)(?:```|\Z)", re.S)


def code_of(reply: str) -> str:
    m = FENCE.search(reply)
    return (m.group(1) if m else reply).strip() + "\n"


def target(task) -> str:
    """The file the task asks for: the one file of its reference solution."""
    (path,) = [p for p in Path(task.solution).rglob("*") if p.is_file()]
    return str(path.relative_to(task.solution))


def judge(task, code: str) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "w"
        shutil.copytree(task.workspace, work)
        (work / target(task)).write_text(code, encoding="utf-8")
        result = run_command(task.check, work, 60, command_env(task.suite_dir, task.id))
    lines = result.output.strip().splitlines()
    return result.exit_code == 0, lines[-1] if lines else ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-m", "--model", default="embedded-base")
    ap.add_argument("-o", "--output", type=Path, default=Path("plain_code.json"))
    ap.add_argument("--samples", type=int, default=3, help="replies at temperature 0.7 after the greedy one")
    ap.add_argument("--suite", default=str(ROOT / "demos" / "families" / "validation"))
    ap.add_argument("--family", default="write-module")
    args = ap.parse_args()
    tasks = [t for t in load_suite(args.suite).tasks if t.tags and t.tags[0] == args.family]
    if not tasks:
        print(f"plain_code: no {args.family} task in {args.suite}", file=sys.stderr)
        return 2
    backend = make_backend(Config(model=args.model))
    settings = [Sampling(temperature=0.0, max_tokens=400, seed=0)]
    settings += [Sampling(temperature=0.7, max_tokens=400, seed=s) for s in range(1, args.samples + 1)]
    report = {"model": args.model, "suite": args.suite, "family": args.family, "runs": []}
    for task in tasks:
        for sampling in settings:
            t0 = time.monotonic()
            chunks = backend.stream([Message(role="user", content=task.instruction + ASK)], [], sampling)
            reply = "".join(c.text for c in chunks if isinstance(c, TextChunk))
            ok, why = judge(task, code_of(reply))
            report["runs"].append({"task": task.id, "temperature": sampling.temperature, "seed": sampling.seed,
                                   "passed": ok, "check": why, "reply": reply, "seconds": round(time.monotonic() - t0, 1)})
            greedy = [r["passed"] for r in report["runs"] if r["temperature"] == 0.0]
            report["greedy_passed"], report["tasks"] = sum(greedy), len(tasks)
            report["sampled_passed"] = sum(r["passed"] for r in report["runs"] if r["temperature"] > 0)
            report["any_passed"] = len({r["task"] for r in report["runs"] if r["passed"]})
            args.output.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
            print(f"{task.id} t={sampling.temperature} seed={sampling.seed}: {'pass' if ok else 'fail'} {why[:80]}", flush=True)
    print(f"{args.model}: greedy {report['greedy_passed']}/{len(tasks)}, sampled {report['sampled_passed']}/"
          f"{len(tasks) * args.samples}, tasks passed at least once {report['any_passed']}/{len(tasks)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
