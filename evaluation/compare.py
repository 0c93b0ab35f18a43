"""Runs side by side: the scores of each, an exact McNemar test of each run against the
first on per-task pass/fail (tasks common to both), how the failure classes moved
(:mod:`evaluation.failures`), and a PNG bar chart."""

from __future__ import annotations

from dataclasses import dataclass
from math import comb
from pathlib import Path

from evaluation.failures import CLASSES, Moves, moves, outcome_of
from evaluation.metrics import Report

MIN_PAIRED_TASKS = 10  # fewer common tasks: no significance test


@dataclass
class PairedTest:
    """Run ``other`` against the ``base`` run on the tasks both ran."""

    base: str
    other: str
    common: int
    base_only: int  # tasks the base passed and the other failed
    other_only: int  # tasks the other passed and the base failed
    p_value: float | None  # None: too few common tasks


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value: the discordant pairs b, c under Binomial(b + c, 1/2)."""
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(comb(n, k) for k in range(min(b, c) + 1)) / 2**n
    return min(1.0, 2 * tail)


def paired_test(base: Report, other: Report) -> PairedTest:
    a = {row["task_id"]: row["status"] == "pass" for row in base.per_task}
    o = {row["task_id"]: row["status"] == "pass" for row in other.per_task}
    common = sorted(a.keys() & o.keys())
    b = sum(a[t] and not o[t] for t in common)
    c = sum(o[t] and not a[t] for t in common)
    p = mcnemar_exact(b, c) if len(common) >= MIN_PAIRED_TASKS else None
    return PairedTest(base.run, other.run, len(common), b, c, p)


def label(report: Report) -> str:
    return f"{Path(report.run).name} ({report.model})" if report.model else Path(report.run).name


def render_comparison(reports: list[Report], tests: list[PairedTest], console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    table = Table(title="runs side by side")
    for col in ("run", "tasks", "FTFC", "SR@R", "RC@R", "validity", "steps", "tokens", "wall s", "vs first (b/c, p)"):
        table.add_column(col, justify="left" if col == "run" else "right")
    fmt = lambda v: "-" if v is None else f"{v:.1f}"  # noqa: E731
    for i, r in enumerate(reports):
        test = "" if i == 0 else _describe(tests[i - 1])
        validity = "-" if r.tool_call_validity is None else f"{100 * r.tool_call_validity:.1f}%"
        table.add_row(label(r), str(r.tasks), fmt(r.ftfc), fmt(r.sr), fmt(r.rc), validity,
                      fmt(r.mean_steps), fmt(r.mean_tokens), fmt(r.mean_wall_s), test)
    console.print(table)
    console.print("b/c: tasks only the first run passed / only this run passed; p: exact McNemar (two-sided), "
                  f"given when at least {MIN_PAIRED_TASKS} tasks are common")
    if any(r.failures and r.failures.failed for r in reports):
        render_failure_moves(reports, console)


def failure_moves(reports: list[Report]) -> list[Moves]:
    """Each run against the first: outcomes (pass, error, a failure class) of the common tasks."""
    base = reports[0]
    outcomes = [outcome_of(r.per_task, r.failures) for r in reports]
    return [moves(label(base), outcomes[0], label(r), o) for r, o in zip(reports[1:], outcomes[1:])]


def render_failure_moves(reports: list[Report], console=None) -> None:
    """Failure classes per run (all its tasks), then for each run the tasks whose outcome
    changed against the first: from -> to, how many, which."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    console.print("failure classes per run (failed runs, one class each):")
    table = Table()
    table.add_column("class")
    for r in reports:
        table.add_column(label(r), justify="right")
    if len(reports) > 1:
        table.add_column("change vs first", justify="right")
    counts = [r.failures.by_task() if r.failures else {} for r in reports]
    for key in CLASSES:
        row = [sum(v == key for v in c.values()) for c in counts]
        cells = [key, *map(str, row)]
        if len(reports) > 1:
            cells.append(", ".join(f"{n - row[0]:+d}" for n in row[1:]))
        table.add_row(*cells)
    console.print(table)
    for m in failure_moves(reports):
        console.print(f"{m.base} -> {m.other}: {m.common} common tasks, {sum(len(ids) for *_, ids in m.moved)} moved "
                      "(outcome: pass, error or a failure class)")
        moved = Table()
        for col in ("from", "to", "tasks", "which"):
            moved.add_column(col, justify="right" if col == "tasks" else "left", overflow="fold")
        for a, b, ids in m.moved:
            moved.add_row(a, b, str(len(ids)), ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else ""))
        if not m.moved:
            moved.add_row("-", "-", "0", "no task changed outcome")
        console.print(moved)


def _describe(t: PairedTest) -> str:
    p = "too few common tasks" if t.p_value is None else f"p={t.p_value:.3g}"
    return f"{t.base_only}/{t.other_only}, {p}"


def write_chart(reports: list[Report], path: Path) -> Path:
    """Grouped bars of FTFC, SR@R and RC@R per run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = [("FTFC", "ftfc"), ("SR@R", "sr"), ("RC@R", "rc")]
    width = 0.8 / len(reports)
    fig, ax = plt.subplots(figsize=(max(6, 2 + 1.5 * len(reports)), 4))
    for i, r in enumerate(reports):
        values = [getattr(r, key) or 0.0 for _, key in metrics]
        xs = [m + i * width for m in range(len(metrics))]
        bars = ax.bar(xs, values, width, label=label(r))
        ax.bar_label(bars, fmt="%.1f", fontsize=8)
    ax.set_xticks([m + width * (len(reports) - 1) / 2 for m in range(len(metrics))], [name for name, _ in metrics])
    ax.set_ylim(0, 105)
    ax.set_ylabel("%")
    ax.set_title(f"{reports[0].suite or 'suite'}: {reports[0].rounds} round(s)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
