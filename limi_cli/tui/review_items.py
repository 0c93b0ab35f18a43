"""What ``limi-cli review`` steps through: trajectories split into steps, with their annotations.

A trajectory is a session log or one row of a dataset JSONL file. Both become a LIMI row
(``messages`` in the OpenAI shape) and the steps are its assistant messages, counted from 1,
exactly as :func:`agent.curation.annotations.apply_annotation` counts them, so a step the
reviewer cuts at or marks not-to-train is the step export acts on.

Annotations use the one :class:`~agent.curation.annotations.Annotation` model:

- a session's goes beside its log (``<session>.annotations.json``, via ``save_annotation``);
- a dataset row's goes to a sidecar beside the dataset, ``<dataset>.annotations.json``:
  ``{"dataset": "<file name>", "rows": {"<line>": Annotation, ...}}`` keyed by the row's
  line number in the file (1-based, as ``file:line`` problems name rows).

Nothing here writes to a log or a dataset file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.curation.annotations import (
    Annotation,
    AnnotationError,
    load_annotation,
    read_row_annotations,
    save_annotation,
    save_row_annotation,
)


class ReviewInputError(ValueError):
    """An input that cannot be reviewed; the message names the file (and line)."""


@dataclass
class Step:
    """One assistant message and what followed it (tool results, follow-up user messages)."""

    number: int  # 1-based, as annotations count steps
    reasoning: str
    content: str
    calls: list[dict[str, Any]]  # {"name", "arguments"}
    results: list[dict[str, Any]] = field(default_factory=list)  # {"name", "content"}
    user_after: list[str] = field(default_factory=list)  # follow-up user messages

    def text(self) -> str:
        """The step as plain text: thought, calls, results (what the reviewer reads and selects in)."""
        parts = []
        if self.reasoning:
            parts.append(f"reasoning:\n{self.reasoning}")
        if self.content:
            parts.append(f"{'answer' if not self.calls else 'thought'}:\n{self.content}")
        for call in self.calls:
            parts.append(f"call {call['name']} {json.dumps(call['arguments'], ensure_ascii=False, indent=2)}")
        for result in self.results:
            parts.append(f"result ({result['name']}):\n{result['content']}")
        for text in self.user_after:
            parts.append(f"user:\n{text}")
        return "\n\n".join(parts) or "(empty message)"

    def summary(self) -> str:
        """One short line for the step list."""
        if self.calls:
            first = self.calls[0]
            args = " ".join(str(v) for v in first["arguments"].values() if isinstance(v, (str, int)))
            more = f" +{len(self.calls) - 1}" if len(self.calls) > 1 else ""
            line = f"{first['name']} {args}{more}"
        else:
            line = "answer: " + (self.content or "").strip()
        line = " ".join(line.split())
        return line if len(line) <= 60 else line[:59] + "…"


def split_steps(row: dict[str, Any]) -> tuple[str, list[Step]]:
    """The task (the first user message) and the steps of a LIMI row."""
    task, steps = "", []
    for m in row.get("messages") or []:
        role = m.get("role")
        if role == "assistant":
            calls = [{"name": (c.get("function") or {}).get("name", "?"),
                      "arguments": _arguments((c.get("function") or {}).get("arguments"))}
                     for c in m.get("tool_calls") or []]
            steps.append(Step(len(steps) + 1, str(m.get("reasoning_content") or m.get("reasoning") or ""),
                              str(m.get("content") or ""), calls))
        elif role == "tool" and steps:
            steps[-1].results.append({"name": m.get("name") or "tool", "content": str(m.get("content") or "")})
        elif role == "user":
            if not steps and not task:
                task = str(m.get("content") or "")
            elif steps:
                steps[-1].user_after.append(str(m.get("content") or ""))
    return task, steps


def _arguments(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(value) if isinstance(value, str) and value.strip() else {}
    except ValueError:
        return {"(unparsed)": value}
    return parsed if isinstance(parsed, dict) else {"(value)": parsed}


@dataclass
class ReviewItem:
    """One trajectory under review: its steps and its (mutable) annotation."""

    id: str
    origin: str  # file or file:line
    task: str
    steps: list[Step]
    annotation: Annotation
    store: SessionStore | DatasetStore

    def save(self) -> Path:
        """Write the annotation (beside the log, or into the dataset's sidecar)."""
        self.annotation = Annotation.model_validate(self.annotation.model_dump())  # checks the values
        return self.store.save(self)


@dataclass
class SessionStore:
    log: Path

    def save(self, item: ReviewItem) -> Path:
        return save_annotation(self.log, item.annotation)


@dataclass
class DatasetStore:
    dataset: Path
    line: int

    def save(self, item: ReviewItem) -> Path:
        return save_row_annotation(self.dataset, self.line, item.annotation)


def read_sidecar(dataset: Path) -> dict[int, Annotation]:
    """The row annotations of a dataset, by line number (empty when there is no sidecar)."""
    try:
        return read_row_annotations(dataset)
    except AnnotationError as e:
        raise ReviewInputError(str(e)) from None


def load_items(paths: list[Path]) -> tuple[list[ReviewItem], list[str]]:
    """Review items of session logs, directories of them, and dataset JSONL files; plus problems."""
    items: list[ReviewItem] = []
    problems: list[str] = []
    for p in paths:
        files = sorted(p.glob("*.jsonl"), reverse=True) if p.is_dir() else [p]
        if not p.exists():
            problems.append(f"{p}: no such file or directory")
            continue
        for f in files:
            try:
                items += _load_file(f, problems)
            except (OSError, ReviewInputError) as e:
                problems.append(str(e) if isinstance(e, ReviewInputError) else f"{f}: cannot read: {e}")
    return items, problems


def _load_file(path: Path, problems: list[str]) -> list[ReviewItem]:
    data = path.read_bytes()
    first = next((ln for ln in data.split(b"\n") if ln.strip()), b"")
    if b'"session_started"' in first:
        return [_session_item(path, data, problems)]
    return _dataset_items(path, data, problems)


def _session_item(path: Path, data: bytes, problems: list[str]) -> ReviewItem:
    from agent.export import session_to_row
    from agent.trajectory import parse_log

    log = parse_log(data, path)
    problems += [str(p) for p in log.problems if p.kind != "truncated"]
    try:
        annotation = load_annotation(path)
    except ValueError as e:
        raise ReviewInputError(str(e)) from None
    task, steps = split_steps(session_to_row(log))
    annotation = annotation or Annotation(session_id=log.session_id)
    return ReviewItem(log.session_id, str(path), task, steps, annotation, SessionStore(path))


def _dataset_items(path: Path, data: bytes, problems: list[str]) -> list[ReviewItem]:
    from agent.curation.formats.limi import normalize_row

    annotations = read_sidecar(path)
    items = []
    for line, raw in enumerate(data.split(b"\n"), 1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except ValueError as e:
            problems.append(f"{path}:{line}: not JSON: {e}")
            continue
        if not isinstance(row, dict) or not isinstance(row.get("messages"), list):
            problems.append(f"{path}:{line}: not a LIMI row (a JSON object with a messages list)")
            continue
        normalize_row(row)
        tid = str((row.get("meta") or {}).get("id") or f"{path.stem}-{line}")
        task, steps = split_steps(row)
        annotation = annotations.get(line) or Annotation(session_id=tid)
        items.append(ReviewItem(tid, f"{path}:{line}", task, steps, annotation, DatasetStore(path, line)))
    return items
