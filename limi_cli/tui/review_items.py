"""What ``limi-cli review`` steps through: trajectories split into steps, with their annotations.

An item is a session log or one row of a dataset. Both become a LIMI row
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
    read_row_annotations,
    save_annotation,
    save_row_annotation,
)
from agent.curation.dataset_io import read_entries


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
    """Review items of the inputs (session logs, directories of them, datasets), read by the one
    curation reader (:func:`agent.curation.dataset_io.read_entries`), newest sessions first; plus
    problems. A damaged log is still shown (its problems listed); a file whose annotations
    cannot be read is not."""
    read = read_entries(paths, newest_first=True)
    problems = list(read.problems) + [f"{p}: {reason}" for p, reason in read.skipped]
    items = []
    for e in read.entries:
        problems += e.log_problems
        task, steps = split_steps(e.row.row)
        annotation = e.annotation or Annotation(session_id=e.row.id)
        store = SessionStore(e.path) if e.is_session else DatasetStore(e.path, e.line)
        items.append(ReviewItem(e.row.id, e.row.origin, task, steps, annotation, store))
    return items, problems
