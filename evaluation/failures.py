"""Why the failed task runs of a run failed: one class per run, read from its trajectory.

Every run whose result is ``fail`` (the check said no; ``error`` runs were not judged and are
left out) gets exactly one class: the first in :data:`CLASSES` whose test it meets, so a run
that made malformed calls and then ran out of turns is ``malformed_calls``. The order puts the
cause before its consequences:

1. ``no_tool_call``: the model never called a tool (it answered in prose, or wrote calls the
   parser could not even see).
2. ``malformed_calls``: at least half of its calls did not parse, named no offered tool or had
   arguments the tool refused (``invalid_call``, ``unknown_tool``, ``bad_arguments``).
3. ``loop``: the loop guard fired (a call not run as ``repeated``, or a turn stopped as
   ``loop``), or the same call (tool and arguments) came :data:`REPEATS` times in a row.
4. ``out_of_turns``: a round ended on a limit (``max_turns``, ``timeout``, ``max_tokens``)
   while the model was still making progress (not a loop: that is class 3).
5. ``no_work``: it answered without doing the work: the workspace is unchanged.
6. ``wrong_answer``: it wrote an answer (changed only non-code files, or added new files
   beside them) and the check rejected it.
7. ``check_failed``: it edited code and the check failed; the detail is the check's first
   failing line.

The evidence: the trajectory log (``RunResult.log_path``, or the same file name under the run
directory's ``trajectories/<task>/`` when the run directory moved), the diff
(``RunResult.diff_path``, or ``diffs/<task>.<attempt>.patch``) and the result itself (each
round's stop and check output). Without a readable log the class comes from the result's
counts alone (``detail`` says so).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from pydantic import BaseModel, Field

from agent.events import INVALID_CALL_KINDS, AssistantMessage, SessionEnded, ToolResult
from agent.trajectory import read_log
from evaluation.results import RunResult

CLASSES: dict[str, str] = {  # in precedence order: the first that applies is the run's class
    "no_tool_call": "never called a tool",
    "malformed_calls": "malformed calls (at least half did not parse or were refused)",
    "loop": "loop (the loop guard fired, or the same call repeated)",
    "out_of_turns": "ran out of turns (or time, tokens) while making progress",
    "no_work": "answered without doing the work (workspace unchanged)",
    "wrong_answer": "wrong answer written (only answer files changed)",
    "check_failed": "edited but the check failed",
}
REPEATS = 3  # the same call this many times in a row is a loop, guard or not
LIMIT_STOPS = frozenset({"max_turns", "timeout", "max_tokens"})
EXAMPLES = 3  # task ids shown per class
# files that are code: changing one that existed makes the run an edit, not an answer
CODE_SUFFIXES = frozenset({
    ".py", ".pyi", ".pyx", ".ipynb", ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".vue", ".svelte", ".go", ".rs",
    ".java", ".kt", ".kts", ".scala", ".groovy", ".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".m", ".mm", ".cs",
    ".fs", ".swift", ".rb", ".php", ".pl", ".pm", ".lua", ".r", ".jl", ".ex", ".exs", ".erl", ".hs", ".ml", ".clj",
    ".dart", ".zig", ".nim", ".sh", ".bash", ".zsh", ".ps1", ".sql", ".css", ".scss", ".html",
})
EDIT_TOOLS = frozenset({"write_file", "edit", "multi_edit"})  # built-in tools that change files
_DETAIL_CHARS = 200


class TaskFailure(BaseModel):
    """The class of one failed run and what shows it."""

    task_id: str
    failure: str  # a key of CLASSES
    detail: str = ""


class FailureClass(BaseModel):
    """One row of the table: a class, how many failed runs have it, their share, a few of them."""

    failure: str
    description: str
    count: int
    share: float  # percent of the failed runs
    examples: list[str] = Field(default_factory=list)


class FailureReport(BaseModel):
    """``report.json``'s ``failures`` section."""

    failed: int  # runs classified (status fail)
    order: list[str] = Field(default_factory=lambda: list(CLASSES))  # the precedence, first wins
    classes: list[FailureClass] = Field(default_factory=list)  # every class, in that order, zeros included
    tasks: list[TaskFailure] = Field(default_factory=list)

    def by_task(self) -> dict[str, str]:
        return {t.task_id: t.failure for t in self.tasks}


# -- the evidence ---------------------------------------------------------------------


@dataclass
class Evidence:
    """What one run shows, from its trajectory, diff and result."""

    calls: int = 0
    invalid: int = 0
    first_invalid: str = ""
    guard_notes: int = 0  # calls not run as repeated
    guard_stopped: bool = False  # a turn stopped as a loop
    longest_repeat: int = 0  # the longest run of one identical call
    repeated_call: str = ""
    stops: list[str] = field(default_factory=list)  # each round's stop
    distinct_calls: int = 0
    final_text: str = ""
    changed: dict[str, bool] = field(default_factory=dict)  # path -> created by the run
    check_line: str = ""
    from_log: bool = True


def classify(result: RunResult, run_dir: Path | None = None) -> TaskFailure:
    """The class of a failed run (``status`` ``fail``)."""
    ev = gather(result, run_dir)
    failure, detail = decide(ev)
    if not ev.from_log:
        detail = f"{detail} (no trajectory log: from the result's counts)".strip()
    return TaskFailure(task_id=result.task_id, failure=failure, detail=detail[:_DETAIL_CHARS])


def decide(ev: Evidence) -> tuple[str, str]:
    """The first class of :data:`CLASSES` that ``ev`` meets, and a one-line detail."""
    if ev.calls == 0:
        return "no_tool_call", _said(ev.final_text)
    if ev.invalid * 2 >= ev.calls:
        first = f"; first: {ev.first_invalid}" if ev.first_invalid else ""
        return "malformed_calls", f"{ev.invalid} of {ev.calls} calls malformed{first}"
    if ev.guard_stopped or ev.guard_notes or ev.longest_repeat >= REPEATS:
        parts = []
        if ev.guard_stopped:
            parts.append("the loop guard stopped the turn")
        if ev.guard_notes:
            parts.append(f"{ev.guard_notes} repeated call(s) not run")
        if ev.longest_repeat >= REPEATS:
            parts.append(f"{ev.repeated_call} {ev.longest_repeat} times in a row")
        return "loop", "; ".join(parts)
    limits = [(i, s) for i, s in enumerate(ev.stops, 1) if s in LIMIT_STOPS]
    if limits:
        r, stop = limits[0]
        return "out_of_turns", f"{stop} in round {r} after {ev.calls} calls ({ev.distinct_calls} distinct)"
    if not ev.changed:
        return "no_work", _said(ev.final_text)
    check = f"check: {ev.check_line}" if ev.check_line else "check failed"
    if wrote_answer(ev.changed):
        return "wrong_answer", f"{', '.join(sorted(ev.changed)[:3])}; {check}"
    return "check_failed", check


def wrote_answer(changed: dict[str, bool]) -> bool:
    """A run wrote an answer, not code, when it changed a non-code file and changed no code
    file that was there before (a new helper script beside answer.txt is still an answer)."""
    existing_code = [p for p, created in changed.items() if _is_code(p) and not created]
    return any(not _is_code(p) for p in changed) and not existing_code


def _is_code(path: str) -> bool:
    return Path(path).suffix.lower() in CODE_SUFFIXES


def _said(text: str) -> str:
    text = " ".join(text.split())
    return f'answered "{text[:120]}{"…" if len(text) > 120 else ""}"' if text else "no answer"


def gather(result: RunResult, run_dir: Path | None = None) -> Evidence:
    """The evidence of one run (see the module docstring for where it comes from)."""
    ev = Evidence(stops=[r.stop for r in result.rounds])
    log = _find(result.log_path, run_dir, f"trajectories/{result.task_id}") if result.log_path else None
    events = read_log(log).events if log else []
    if events:
        _from_events(events, ev)
    else:
        ev.from_log = False
        ev.calls, ev.invalid = result.tool_calls, result.invalid_tool_calls
        ev.guard_stopped = "loop" in ev.stops
    patch = _find(result.diff_path, run_dir, "diffs") if result.diff_path else None
    if patch:
        ev.changed = changed_files(patch.read_text(encoding="utf-8", errors="replace"))
    elif events:
        ev.changed = _edited_paths(events)
    if result.rounds:
        last = result.rounds[-1]
        ev.check_line = first_failing_line(last.check_output) if not last.passed else ""
    return ev


def _find(recorded: str, run_dir: Path | None, under: str) -> Path | None:
    """The recorded file, or one of the same name in the run directory (a moved run)."""
    path = Path(recorded)
    if path.is_file():
        return path
    if run_dir is not None and (moved := Path(run_dir) / under / path.name).is_file():
        return moved
    return None


def _from_events(events: list, ev: Evidence) -> None:
    keys: list[str] = []
    errors: dict[str, str] = {}  # call id -> the parser's complaint
    for e in events:
        if isinstance(e, AssistantMessage):
            ev.final_text = e.content
            for call in e.tool_calls:
                ev.calls += 1
                keys.append(json.dumps([call.name, call.arguments], sort_keys=True, default=str))
                if call.error:
                    errors[call.id] = call.error
        elif isinstance(e, ToolResult):
            if e.error_kind in INVALID_CALL_KINDS:
                ev.invalid += 1
                why = errors.get(e.tool_call_id) or e.output.removeprefix("Error: ")
                ev.first_invalid = ev.first_invalid or f"{e.name or '?'}: {' '.join(why.split())[:120]}"
            elif e.error_kind == "repeated":
                ev.guard_notes += 1
            elif e.error_kind == "loop":
                ev.guard_stopped = True
        elif isinstance(e, SessionEnded) and e.reason == "loop":
            ev.guard_stopped = True
    ev.guard_stopped = ev.guard_stopped or "loop" in ev.stops
    ev.distinct_calls = len(set(keys))
    run, best, best_key = 0, 0, ""
    for i, key in enumerate(keys):
        run = run + 1 if i and key == keys[i - 1] else 1
        if run > best:
            best, best_key = run, key
    ev.longest_repeat = best
    if best_key:
        name, args = json.loads(best_key)
        ev.repeated_call = f"{name}({json.dumps(args, ensure_ascii=False)[:80]})"


def _edited_paths(events: list) -> dict[str, bool]:
    """Without a diff: the paths that edit tools changed successfully (write_file counts as new)."""
    calls = {c.id: c for e in events if isinstance(e, AssistantMessage) for c in e.tool_calls}
    changed: dict[str, bool] = {}
    for e in events:
        if isinstance(e, ToolResult) and not e.is_error and e.name in EDIT_TOOLS:
            call = calls.get(e.tool_call_id)
            path = call.arguments.get("path") if call else None
            if isinstance(path, str):
                changed.setdefault(path, e.name == "write_file")
    return changed


_DIFF_HEADER = re.compile(r"^diff --git a/(.*) b/(.*)$")


def changed_files(diff: str) -> dict[str, bool]:
    """The paths a git diff changes, each with whether the diff creates it."""
    changed: dict[str, bool] = {}
    current = None
    for line in diff.splitlines():
        if m := _DIFF_HEADER.match(line):
            current = m.group(2)
            changed[current] = False
        elif current is not None and line.startswith("new file mode"):
            changed[current] = True
        elif current is not None and line.startswith("deleted file mode"):
            changed[current] = False
    return changed


# the check's first failing line: the most telling kind of line first, the earliest of that kind
_FAILING = [
    re.compile(r"^FAILED \S+.*$"),  # pytest's short summary: the test and its message
    re.compile(r"^E {2,}\S.*$"),  # pytest's assertion detail
    re.compile(r"^(?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception|Failure)\b.*$"),  # a Python exception
    re.compile(r"^\[killed: .*\]$"),  # the check ran over its timeout
    re.compile(r"\b(?:error|errors|fail|failed|failure|not ok|mismatch|expected|assert)\b", re.IGNORECASE),
]


def first_failing_line(output: str) -> str:
    """The line of a failed check's output that best says why: pytest's ``FAILED ...``, an
    ``E   assert ...`` line, a Python exception (``AssertionError: 3``), a timeout note, a line
    naming an error; else its last line."""
    lines = [line.rstrip() for line in output.splitlines() if line.strip()]
    for pattern in _FAILING:
        for line in lines:
            text = line.strip()
            if pattern.search(text):
                return text[:_DETAIL_CHARS]
    return lines[-1].strip()[:_DETAIL_CHARS] if lines else ""


# -- a run's table ----------------------------------------------------------------------


def failure_report(results: Iterable[RunResult], run_dir: Path | None = None) -> FailureReport:
    """Classify every failed run of ``results`` (one per task: the latest)."""
    tasks = [classify(r, run_dir) for r in results if r.status == "fail"]
    return summarize(tasks)


def summarize(tasks: list[TaskFailure]) -> FailureReport:
    counts = Counter(t.failure for t in tasks)
    n = len(tasks)
    classes = [
        FailureClass(failure=key, description=description, count=counts[key],
                     share=round(100.0 * counts[key] / n, 1) if n else 0.0,
                     examples=[t.task_id for t in tasks if t.failure == key][:EXAMPLES])
        for key, description in CLASSES.items()
    ]
    return FailureReport(failed=n, classes=classes, tasks=tasks)


@dataclass
class Moves:
    """How the tasks common to two runs moved between outcomes: pass, error or a failure class."""

    base: str
    other: str
    counts: dict[str, tuple[int, int]]  # outcome -> (count in base, count in other), common tasks only
    moved: list[tuple[str, str, list[str]]]  # (from, to, task ids), largest first; unchanged tasks left out
    common: int


def outcome_of(per_task: list[dict], failures: FailureReport | None) -> dict[str, str]:
    """Each task's outcome: ``pass``, ``error`` or its failure class."""
    classes = failures.by_task() if failures else {}
    return {row["task_id"]: (classes.get(row["task_id"], "fail") if row["status"] == "fail" else row["status"])
            for row in per_task}


def moves(base_name: str, base: dict[str, str], other_name: str, other: dict[str, str]) -> Moves:
    """Compare two runs' outcomes (:func:`outcome_of`) on the tasks both ran."""
    common = sorted(base.keys() & other.keys())
    order = ["pass", *CLASSES, "fail", "error"]
    counts = {k: (sum(base[t] == k for t in common), sum(other[t] == k for t in common)) for k in order}
    counts = {k: v for k, v in counts.items() if v != (0, 0) or k in CLASSES or k == "pass"}
    pairs: dict[tuple[str, str], list[str]] = {}
    for t in common:
        if base[t] != other[t]:
            pairs.setdefault((base[t], other[t]), []).append(t)
    moved = sorted(((a, b, ids) for (a, b), ids in pairs.items()), key=lambda m: (-len(m[2]), m[0], m[1]))
    return Moves(base_name, other_name, counts, moved, len(common))


def render_failures(report: FailureReport, console=None, title: str = "failures", per_task: bool = True) -> None:
    """The class table (class, count, share, example tasks) and, when asked, each task's detail."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    table = Table(title=f"{title}: {report.failed} failed run(s), one class each (first that applies, top to bottom)")
    for col in ("class", "what", "count", "share", "examples"):
        table.add_column(col, justify="right" if col in ("count", "share") else "left")
    for c in report.classes:
        table.add_row(c.failure, c.description, str(c.count), f"{c.share:.1f}%", ", ".join(c.examples))
    console.print(table)
    if per_task and report.tasks:
        detail = Table(title="failed runs")
        for col in ("task", "class", "detail"):
            detail.add_column(col, overflow="fold")
        for t in report.tasks:
            detail.add_row(t.task_id, t.failure, t.detail)
        console.print(detail)
