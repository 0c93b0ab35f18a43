"""``limi-cli batch TASKS.jsonl -o RUN_DIR``: a suite of tasks headless, in parallel workers."""

from __future__ import annotations

import argparse
from pathlib import Path

from limi_cli.commands.common import add_model_options, model_overrides


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("batch", help="run a suite of tasks headless in parallel, results as JSONL",
                       description="Run every task of a suite headless (approval yolo, each in its own fresh copy of its "
                                   "workspace), in parallel workers; results are appended to RUN_DIR/results.jsonl "
                                   "as tasks finish.")
    p.add_argument("suite", metavar="SUITE", help="a tasks .jsonl file, a folder with tasks.jsonl, 'builtin', or exercism:DIR")
    add_run_options(p, default_rounds=1)
    p.add_argument("--harvest", type=Path, metavar="OUT.jsonl",
                   help="then write the trajectories of the passed runs as training rows (see data harvest)")
    p.set_defaults(handler=handle)


def add_run_options(p: argparse.ArgumentParser, default_rounds: int, output_required: bool = True) -> None:
    """Options ``batch`` and ``eval`` share."""
    p.add_argument("-o", "--output", type=Path, required=output_required, metavar="RUN_DIR", help="run directory: results, trajectories, diffs")
    p.add_argument("-w", "--workers", type=int, default=1, help="tasks at once (default 1: in this process); a llama.cpp model (embedded, .gguf) runs them as threads "
                        "sharing one loaded model, other models in worker processes")
    p.add_argument("--rounds", type=int, default=default_rounds,
                   help=f"rounds per task: a failing check is fed back to the agent (default {default_rounds})")
    p.add_argument("--resume", action="store_true", help="continue RUN_DIR: run only the tasks without a result")
    p.add_argument("--rerun-failed", action="store_true", help="continue RUN_DIR and run failed and errored tasks again")
    p.add_argument("--suite-format", choices=["auto", "jsonl", "exercism"], default="auto", help="how to read SUITE")
    p.add_argument("--filter", metavar="GLOB[,GLOB]", help="only tasks whose id matches")
    p.add_argument("--tag", action="append", default=[], help="only tasks with this tag (repeatable)")
    p.add_argument("--limit", type=int, help="only the first N tasks")
    p.add_argument("--max-turns", type=int, metavar="N",
                   help="at most N model calls per round, below each task's own limit (a cheaper run of a slow model)")
    add_model_options(p)


def handle(args: argparse.Namespace) -> int:
    code, run_dir = drive(args)
    if code == 0 and args.harvest is not None:
        from limi_cli.commands.data import harvest_and_report

        return harvest_and_report([run_dir], args.harvest)
    return code


def drive(args: argparse.Namespace) -> tuple[int, Path]:
    """Load the suite and the config, run the batch with a progress display; (exit code, run dir).
    Exit 0 when the batch completed, whatever the scores; 130 when interrupted."""
    import signal

    from agent.config import load_config
    from evaluation.batch import RunDirError, run_batch
    from evaluation.progress import BatchProgress
    from evaluation.task import SuiteError, load_suite
    from limi_cli.commands.common import UserError

    if args.workers < 1 or args.rounds < 1:
        raise UserError("--workers and --rounds must be at least 1")
    try:
        suite = load_suite(args.suite, args.suite_format).select(args.filter, args.tag, args.limit)
    except SuiteError as e:
        raise UserError(str(e)) from None
    if not suite.tasks:
        raise UserError(f"{args.suite}: no task matches --filter/--tag")
    if getattr(args, "harvest", None) is not None and suite.split == "eval":
        raise UserError(f"{args.suite}: this suite is marked split: eval (evaluation only); --harvest would leak "
                        "its tasks into training data. Harvest your own training suite")
    if args.max_turns is not None:
        if args.max_turns < 1:
            raise UserError("--max-turns must be at least 1")
        suite = suite.capped(max_turns=args.max_turns)
    config = load_config(Path.cwd(), model_overrides(args))
    progress = BatchProgress(f"{suite.name} ({config.model})")

    def on_sigterm(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        run_batch(suite, config, args.output, workers=args.workers, rounds=args.rounds, resume=args.resume,
                  rerun_failed=args.rerun_failed, on_result=progress.result, on_plan=progress.plan)
    except RunDirError as e:
        raise UserError(str(e)) from None
    except KeyboardInterrupt:
        progress.close()
        progress.console.print(f"interrupted: finished tasks are in {args.output}/results.jsonl; continue with --resume")
        return 130, args.output
    finally:
        signal.signal(signal.SIGTERM, previous)
    progress.close()
    return 0, args.output
