"""Harvest verified rollouts: the trajectories of task runs whose check passed, as training rows.

Expert iteration (STaR / SWE-Gym style rejection sampling) inside the same tool: run a model
k times on training tasks with checks (``limi-cli batch``), keep the runs whose check passed,
curate them like any session, train again. :func:`harvest` is the "keep" step.

Evaluation tasks never become training data: a run directory whose suite is marked
``split: eval`` (``suite.json`` beside ``tasks.jsonl``; the built-in suite and Exercism folders
are) is refused unless ``force`` is given, and the manifest records every source run (its
directory, suite, split, model, git head) and, per row, the task and the round it passed in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.curation.dataset_io import load_inputs, write_dataset
from agent.rows import DatasetRow, first_problem, json_line, sha256, validate_row
from evaluation.batch import RUN_META
from evaluation.results import ResultsFile
from evaluation.task import SuiteError, load_suite


class HarvestError(Exception):
    """A run directory cannot be harvested; the message says which and what to do."""


@dataclass
class HarvestReport:
    rows: list[DatasetRow] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (task run, why)
    duplicates: int = 0


def run_split(run_dir: Path, meta: dict[str, Any]) -> str | None:
    """The split of the suite a run used: as recorded in ``run.json``, else read from the suite."""
    if meta.get("split"):
        return str(meta["split"])
    if meta.get("suite_name") == "builtin":
        return "eval"
    suite = meta.get("suite")
    if not suite:
        return None
    try:
        return load_suite(str(suite)).split
    except (SuiteError, OSError):
        return None


def read_run(run_dir: Path) -> dict[str, Any]:
    path = run_dir / RUN_META
    if not path.is_file():
        raise HarvestError(f"{run_dir}: no {RUN_META}; pass a run directory written by limi-cli batch or eval (its -o)")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise HarvestError(f"{path}: unreadable ({e}); was the run directory changed by hand?") from None
    if not isinstance(meta, dict):
        raise HarvestError(f"{path}: not a JSON object")
    return meta


def harvest(run_dirs: list[Path], *, force: bool = False, first_round_only: bool = False) -> HarvestReport:
    """The passed runs of every run directory as rows (deduplicated by content)."""
    report = HarvestReport()
    seen: set[str] = set()
    for run_dir in (Path(d) for d in run_dirs):
        meta = read_run(run_dir)
        split = run_split(run_dir, meta)
        name = meta.get("suite_name") or meta.get("suite") or "?"
        if split == "eval" and not force:
            raise HarvestError(
                f"{run_dir}: its suite {name!r} is marked split: eval (evaluation only); harvesting it would leak "
                "evaluation tasks into training data. Run your own training suite with limi-cli batch, "
                "or pass --force if you really mean it")
        results = ResultsFile(run_dir).read()
        passed = [r for r in results if r.status == "pass" and r.log_path
                  and (not first_round_only or r.passed_round == 1)]
        kept = 0
        for result in passed:
            where = f"{run_dir.name}/{result.task_id} (attempt {result.attempt})"
            log = Path(result.log_path)
            if not log.is_absolute():
                log = run_dir / log
            if not log.is_file():
                report.skipped.append((where, f"its trajectory {log} is gone"))
                continue
            loaded = load_inputs([log])
            if loaded.skipped or not loaded.rows:
                why = loaded.skipped[0][1] if loaded.skipped else "no row in the log"
                report.skipped.append((where, why))
                continue
            row = loaded.rows[0]
            problems = validate_row(row.row, allow_unknown_tools=True)
            if problems:
                report.skipped.append((where, f"not a valid row: {first_problem(problems)}"))
                continue
            digest = sha256(json_line(row.row))
            if digest in seen:
                report.duplicates += 1
                continue
            seen.add(digest)
            row.meta.update({
                "source": str(log), "outcome": "success", "task": result.task_id,
                "harvest": {"run_dir": str(run_dir.resolve()), "task_id": result.task_id, "attempt": result.attempt,
                            "passed_round": result.passed_round, "model": result.model or meta.get("model"),
                            "split": split},
            })
            report.rows.append(row)
            kept += 1
        report.sources.append({"run_dir": str(run_dir.resolve()), "suite": meta.get("suite"), "suite_name": name,
                               "split": split, "model": meta.get("model"), "task_runs": len(results),
                               "passed": len(passed), "harvested": kept, "forced": bool(force and split == "eval")})
    return report


def write_harvest(report: HarvestReport, out: Path, command: str) -> Path:
    """Write the rows (with ``meta``) and a manifest naming every source run; returns its path."""
    return write_dataset(report.rows, out, command=command,
                         extra={"harvest_sources": report.sources, "duplicates_dropped": report.duplicates})
