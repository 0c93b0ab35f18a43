"""A run directory's scores: computed from ``results.jsonl`` and ``run.json``, shown as a
rich table, written as ``report.json``; with them, why each failed run failed
(:mod:`evaluation.failures`: the ``failures`` section, and ``failure`` in each task's row)."""

from __future__ import annotations

import json
from pathlib import Path

from evaluation.batch import RUN_META
from evaluation.failures import failure_report, render_failures
from evaluation.metrics import Report, compute_report
from evaluation.results import ResultsFile

REPORT_NAME = "report.json"


class RunNotFound(Exception):
    """A path given as a run directory holds no results."""


def load_report(run_dir: Path) -> Report:
    """Score the current result of every task recorded in ``run_dir``."""
    run_dir = Path(run_dir)
    results = list(ResultsFile(run_dir).latest().values())
    if not results:
        raise RunNotFound(f"{run_dir}: no results.jsonl with results; pass the -o directory of a batch or eval run")
    meta_path = run_dir / RUN_META
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    rounds = int(meta.get("rounds") or max(r.max_rounds for r in results))
    report = compute_report(results, rounds, run=str(run_dir), model=meta.get("model", ""), suite=meta.get("suite_name", ""))
    report.failures = failure_report(results, run_dir)
    classes = report.failures.by_task()
    for row in report.per_task:
        row["failure"] = classes.get(row["task_id"])
    return report


def write_report(report: Report, run_dir: Path) -> Path:
    path = Path(run_dir) / REPORT_NAME
    path.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return path


def _fmt(value: float | None, suffix: str = "") -> str:
    return "-" if value is None else f"{value:.1f}{suffix}"


def render_report(report: Report, console=None, per_task: bool = True, failures: bool = False) -> None:
    """Print the per-task table (when asked), the summary table and, with ``failures``, the
    failure classes of the failed runs."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    if per_task and report.per_task:
        table = Table(title=f"{report.suite or 'suite'}: {report.model}", show_lines=False)
        for col in ("task", "status", "round", "steps", "tokens", "wall s"):
            table.add_column(col, justify="left" if col in ("task", "status") else "right")
        style = {"pass": "green", "fail": "red", "error": "yellow"}
        for row in report.per_task:
            table.add_row(row["task_id"], f"[{style[row['status']]}]{row['status']}[/]", str(row["passed_round"] or "-"),
                          str(row["steps"]), str(row["tokens"]), f"{row['wall_s']:.1f}")
        console.print(table)
    summary = Table(title=f"{report.tasks} tasks, {report.rounds} round(s)")
    for col in ("FTFC", f"SR@{report.rounds}", f"RC@{report.rounds}", "pass/fail/error", "tool-call validity",
                "steps", "tokens", "wall s"):
        summary.add_column(col, justify="right")
    validity = "-" if report.tool_call_validity is None else f"{100 * report.tool_call_validity:.1f}%"
    summary.add_row(_fmt(report.ftfc, "%"), _fmt(report.sr, "%"), _fmt(report.rc, "%"),
                    f"{report.passed}/{report.failed}/{report.errors}", validity,
                    _fmt(report.mean_steps), _fmt(report.mean_tokens), _fmt(report.mean_wall_s))
    console.print(summary)
    if report.errors:
        console.print(f"[yellow]{report.errors} task(s) errored (not judged); rerun them with --rerun-failed[/]")
    if failures and report.failures is not None:
        render_failures(report.failures, console, title=report.suite or "failures")
