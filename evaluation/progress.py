"""The batch progress display: a rich progress bar with pass / fail / error counts on a
terminal, one line per finished task otherwise (logs, CI)."""

from __future__ import annotations

import sys

from evaluation.batch import BatchPlan
from evaluation.results import RunResult


class BatchProgress:
    def __init__(self, label: str, stream=None):
        from rich.console import Console

        self.console = Console(file=stream or sys.stderr)
        self.label = label
        self.counts = {"pass": 0, "fail": 0, "error": 0}
        self.progress = None
        self.task_id = None

    def plan(self, plan: BatchPlan) -> None:
        total = len(plan.todo)
        if plan.skipped:
            self.console.print(f"{plan.skipped} task(s) already have a result; running {total}")
        if self.console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TextColumn("{task.fields[counts]}"), TimeElapsedColumn(), console=self.console)
            self.progress.start()
            self.task_id = self.progress.add_task(self.label, total=total, counts=self._counts())

    def result(self, result: RunResult) -> None:
        self.counts[result.status] += 1
        if self.progress is not None:
            self.progress.update(self.task_id, advance=1, counts=self._counts())
        else:
            note = f" ({result.error})" if result.error else ""
            self.console.print(f"{result.status:5} {result.task_id} {result.wall_s:.1f}s{note}", highlight=False, soft_wrap=True)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
        self.console.print(self._counts())

    def _counts(self) -> str:
        c = self.counts
        return f"[green]pass {c['pass']}[/] [red]fail {c['fail']}[/] [yellow]error {c['error']}[/]"
