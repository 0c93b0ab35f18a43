"""AgencyBench's metrics over a set of task results (docs/formats.md, "Evaluation metrics").

With R rounds, each task's result gives ``passed_round`` (the first round whose check
passed, or none):

- **FTFC** = 100 * (tasks passed in round 1) / N
- **SR@R** = 100 * (tasks passed within R rounds) / N
- **RC@R** = 100 * mean over all N tasks of ``(R - passed_round) / (R - 1)`` for a solved
  task and 0 for an unsolved one: the unused rounds of solved tasks, as a share of the
  R - 1 rounds a task could leave unused. A task solved in round 1 scores 100, in round R
  scores 0. Undefined (None) for R = 1.

N counts every task of the run, errors included (an errored task is unsolved): rerun them
with ``--rerun-failed`` before reporting. Tool-call validity is pooled over all tasks:
``1 - invalid_tool_calls / tool_calls`` (None when no tool was called), from each
trajectory's ``session_ended`` totals.
"""

from __future__ import annotations

from statistics import mean, median

from pydantic import BaseModel, Field

from evaluation.failures import FailureReport
from evaluation.results import RunResult

RC_NORMALISATION = "unused rounds / (R - 1) for solved tasks, 0 for unsolved, averaged over all tasks, x100"


class Report(BaseModel):
    """The scores of one run."""

    run: str = ""
    model: str = ""
    suite: str = ""
    rounds: int
    tasks: int
    passed: int
    failed: int
    errors: int
    ftfc: float | None  # percentages
    sr: float | None
    rc: float | None
    tool_call_validity: float | None  # a fraction in [0, 1]
    tool_calls: int = 0
    invalid_tool_calls: int = 0
    mean_steps: float | None = None
    mean_tokens: float | None = None
    mean_wall_s: float | None = None
    median_wall_s: float | None = None
    total_tokens: int = 0
    rc_normalisation: str = RC_NORMALISATION
    per_task: list[dict] = Field(default_factory=list)
    failures: FailureReport | None = None  # why the failed runs failed (evaluation/failures.py)


def rc_score(passed_round: int | None, rounds: int) -> float:
    """One task's RC@R share in [0, 1] (see the module docstring)."""
    if passed_round is None or rounds < 2:
        return 0.0
    return (rounds - passed_round) / (rounds - 1)


def compute_report(results: list[RunResult], rounds: int, *, run: str = "", model: str = "", suite: str = "") -> Report:
    """Scores of ``results`` (one per task: the latest) evaluated with ``rounds`` rounds."""
    n = len(results)
    solved = [r for r in results if r.status == "pass" and r.passed_round is not None and r.passed_round <= rounds]

    def pct(count: float) -> float | None:
        return round(100.0 * count / n, 2) if n else None

    calls = sum(r.tool_calls for r in results)
    invalid = sum(r.invalid_tool_calls for r in results)
    walls = [r.wall_s for r in results]
    return Report(
        run=run, model=model or (results[0].model if results else ""), suite=suite, rounds=rounds, tasks=n,
        passed=len(solved), failed=sum(r.status == "fail" for r in results), errors=sum(r.status == "error" for r in results),
        ftfc=pct(sum(r.passed_round == 1 for r in solved)),
        sr=pct(len(solved)),
        rc=pct(sum(rc_score(r.passed_round, rounds) for r in solved)) if rounds > 1 else None,
        tool_call_validity=round(1 - invalid / calls, 4) if calls else None,
        tool_calls=calls, invalid_tool_calls=invalid,
        mean_steps=round(mean(r.turns for r in results), 2) if n else None,
        mean_tokens=round(mean(r.tokens for r in results), 1) if n else None,
        mean_wall_s=round(mean(walls), 2) if n else None,
        median_wall_s=round(median(walls), 2) if n else None,
        total_tokens=sum(r.tokens for r in results),
        per_task=[
            {"task_id": r.task_id, "status": r.status, "passed_round": r.passed_round, "steps": r.turns,
             "tokens": r.tokens, "wall_s": r.wall_s, "tool_calls": r.tool_calls,
             "invalid_tool_calls": r.invalid_tool_calls, "error": r.error}
            for r in results
        ],
    )
