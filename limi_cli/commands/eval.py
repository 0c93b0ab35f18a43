"""``limi-cli eval SUITE -o RUN_DIR``: a suite run AgencyBench's way and scored;
``limi-cli eval report RUN_DIR`` scores a run again; ``limi-cli eval compare RUN_A RUN_B ...``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from limi_cli.commands.batch import add_run_options


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval", help="score a model on a suite: FTFC, SR@R, RC@R (compare, report: see the description)",
        description="Run a suite with R rounds (a failing check's output goes back to the agent in the same session) "
                    "and score it: FTFC, SR@R, RC@R, tool-call validity, steps, tokens, time. "
                    "Also: `limi-cli eval report RUN_DIR [--failures]` (score a run again; --failures: why each failed "
                    "run failed) and `limi-cli eval compare RUN_A RUN_B ... [--chart PNG]` (side by side, exact McNemar "
                    "test, how the failure classes moved).",
    )
    p.add_argument("suite", metavar="SUITE", help="a tasks .jsonl file, a folder with tasks.jsonl, 'builtin', or exercism:DIR; "
                   "or the word compare or report")
    p.add_argument("run_dirs", nargs="*", metavar="RUN_DIR", help="with compare: the runs to compare; with report: the run")
    add_run_options(p, default_rounds=3, output_required=False)
    p.add_argument("--json", action="store_true", help="print the report as JSON instead of tables")
    p.add_argument("--chart", type=Path, help="compare: the PNG chart (default: compare.png in the first run directory)")
    p.add_argument("--failures", action="store_true",
                   help="also show why the failed runs failed: one class each (no tool call, malformed calls, loop, "
                        "out of turns, no work, wrong answer, check failed), with counts, shares, example tasks")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from evaluation.report import load_report, write_report
    from limi_cli.commands.batch import drive
    from limi_cli.commands.common import UserError

    if args.suite == "compare":
        return compare(args.run_dirs, args.chart, args.json)
    if args.suite == "report":
        if len(args.run_dirs) != 1:
            raise UserError("eval report takes one RUN_DIR")
        return report(args.run_dirs[0], args.json, args.failures)
    if args.run_dirs:
        raise UserError(f"unexpected arguments after SUITE: {' '.join(args.run_dirs)}")
    if args.output is None:
        raise UserError("eval needs -o RUN_DIR: where results, trajectories and the report go")

    code, run_dir = drive(args)
    if code != 0:
        return code
    rep = load_report(run_dir)
    path = write_report(rep, run_dir)
    _show(rep, args.json, args.failures)
    print(f"report: {path}", file=sys.stderr)
    return 0


def _show(report, as_json: bool, failures: bool = False) -> None:
    from evaluation.report import render_report

    if as_json:
        print(report.model_dump_json(indent=2))
    else:
        render_report(report, failures=failures)


def report(run_dir: str, as_json: bool, failures: bool = False) -> int:
    """``limi-cli eval report RUN_DIR``: score a batch or eval run directory (again); ``failures``:
    show the failure classes too (report.json has them either way)."""
    from evaluation.report import RunNotFound, load_report, write_report
    from limi_cli.commands.common import UserError

    try:
        rep = load_report(Path(run_dir))
    except RunNotFound as e:
        raise UserError(str(e)) from None
    write_report(rep, Path(run_dir))
    _show(rep, as_json, failures)
    return 0


def compare(run_dirs: list[str], chart_path: Path | None, as_json: bool) -> int:
    """``limi-cli eval compare RUN_A RUN_B ...``: side by side, each run tested against the first."""
    import json

    from evaluation.compare import failure_moves, paired_test, render_comparison, write_chart
    from evaluation.report import RunNotFound, load_report
    from limi_cli.commands.common import UserError

    if not run_dirs:
        raise UserError("eval compare needs at least one RUN_DIR")
    try:
        reports = [load_report(Path(r)) for r in run_dirs]
    except RunNotFound as e:
        raise UserError(str(e)) from None
    tests = [paired_test(reports[0], r) for r in reports[1:]]
    chart = write_chart(reports, chart_path or Path(run_dirs[0]) / "compare.png")
    if as_json:
        print(json.dumps({"runs": [r.model_dump(exclude={"per_task"}) for r in reports],
                          "tests": [t.__dict__ for t in tests],
                          "failure_moves": [{"base": m.base, "other": m.other, "common": m.common,
                                             "counts": {k: list(v) for k, v in m.counts.items()},
                                             "moved": [{"from": a, "to": b, "tasks": ids} for a, b, ids in m.moved]}
                                            for m in failure_moves(reports)],
                          "chart": str(chart)}, indent=2))
    else:
        render_comparison(reports, tests)
    print(f"chart: {chart}", file=sys.stderr)
    return 0
