"""Annotations: what a curator says about a session, stored beside its log.

``<sessions>/<session_id>.annotations.json`` holds the outcome label, a 1-5 quality
rating, tags, notes, literal spans to redact, a step to cut the conversation at and steps
not to train on. The raw log is never rewritten: annotations are applied when a session
becomes a training row (:func:`apply_annotation`). A step is an assistant message,
counted from 1 (the ``turn`` of the log's ``assistant_message`` events).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from agent.rows import ANNOTATION_SUFFIX, write_atomic

Outcome = Literal["success", "partial", "fail"]
OUTCOMES: tuple[str, ...] = ("success", "partial", "fail")


class AnnotationError(ValueError):
    """An annotation file that cannot be read; the message names the file."""


class Annotation(BaseModel):
    """A curator's verdict on one session. Every field is optional."""

    session_id: str
    outcome: Outcome | None = None
    quality: int | None = Field(default=None, ge=1, le=5)
    tags: list[str] = Field(default_factory=list)
    notes: str = ""
    redactions: list[str] = Field(default_factory=list)  # literal spans replaced by [REDACTED] at export
    cut_at_step: int | None = Field(default=None, ge=1)  # keep steps 1..N (and their tool results)
    exclude_steps: list[int] = Field(default_factory=list)  # steps not to train on (loss mask off)
    author: str | None = None
    source: str | None = None  # record, annotate, review...


def annotation_path(log_path: str | os.PathLike[str]) -> Path:
    """``<dir>/<session_id>.annotations.json`` beside ``<dir>/<session_id>.jsonl``."""
    log = Path(log_path)
    return log.with_name(log.stem + ANNOTATION_SUFFIX)


def load_annotation(log_path: str | os.PathLike[str]) -> Annotation | None:
    """The annotation beside ``log_path``, or None when there is none."""
    path = annotation_path(log_path)
    if not path.is_file():
        return None
    try:
        return Annotation.model_validate_json(path.read_bytes())
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(map(str, err["loc"])) or "file"
        raise AnnotationError(f"{path}: {where}: {err['msg']}; fix or delete the file") from None


def save_annotation(log_path: str | os.PathLike[str], annotation: Annotation) -> Path:
    """Write the annotation beside the log (atomically); the log itself is not touched."""
    path = annotation_path(log_path)
    write_atomic(path, (annotation.model_dump_json(indent=2, exclude_defaults=False) + "\n").encode())
    return path


def read_row_annotations(dataset: str | os.PathLike[str]) -> dict[int, Annotation]:
    """The row annotations of a dataset JSONL (``<dataset>.annotations.json``, written by
    ``limi-cli review``), by 1-based line number; empty when there is none."""
    path = annotation_path(dataset)
    if not path.is_file():
        return {}
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        return {int(k): Annotation.model_validate(v) for k, v in (body.get("rows") or {}).items()}
    except (ValueError, AttributeError) as e:
        raise AnnotationError(f"{path}: not a dataset annotation file ({e}); fix or delete it") from None


def save_row_annotation(dataset: str | os.PathLike[str], line: int, annotation: Annotation) -> Path:
    """Set the annotation of one dataset row (the dataset itself is never written)."""
    rows = read_row_annotations(dataset)
    rows[line] = annotation
    body = {"dataset": Path(dataset).name, "rows": {str(k): v.model_dump() for k, v in sorted(rows.items())}}
    path = annotation_path(dataset)
    write_atomic(path, (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode())
    return path


def rate_session(log_path: str | os.PathLike[str], session_id: str, quality: int, tags: list[str] = ()) -> Annotation:
    """Set a session's quality (1-5) and add tags, keeping the rest of its annotation (/rate)."""
    old = load_annotation(log_path) or Annotation(session_id=session_id)
    new = old.model_copy(update={"quality": Annotation(session_id=session_id, quality=quality).quality,
                                 "tags": list(dict.fromkeys([*old.tags, *tags])), "source": old.source or "chat"})
    save_annotation(log_path, new)
    return new


def apply_annotation(row: dict[str, Any], annotation: Annotation | None) -> dict[str, Any]:
    """A copy of a LIMI row with the annotation applied: cut, excluded steps and redactions.

    Excluded steps keep their place in the conversation (the model still sees them as
    context) but get ``"weight": 0``, the per-message loss switch of the OpenAI
    fine-tuning format. A cut keeps steps 1..N and the tool results of step N.
    """
    row = json.loads(json.dumps(row))
    if annotation is None:
        return row
    messages = row["messages"]
    if annotation.cut_at_step is not None:
        messages = _cut(messages, annotation.cut_at_step)
    excluded = set(annotation.exclude_steps)
    step = 0
    for m in messages:
        if m.get("role") == "assistant":
            step += 1
            if step in excluded:
                m["weight"] = 0
    row["messages"] = messages
    if annotation.redactions:
        row = redact_spans(row, annotation.redactions)
    return row


def _cut(messages: list[dict[str, Any]], last_step: int) -> list[dict[str, Any]]:
    step = 0
    for i, m in enumerate(messages):
        if m.get("role") == "assistant":
            step += 1
            if step > last_step:
                return messages[:i]
    return messages


def redact_spans(obj: Any, spans: list[str], replacement: str = "[REDACTED]") -> Any:
    """Replace every literal span in every string of JSON-like data (longest span first)."""
    ordered = sorted((s for s in spans if s), key=len, reverse=True)
    if isinstance(obj, str):
        for span in ordered:
            obj = obj.replace(span, replacement)
        return obj
    if isinstance(obj, dict):
        return {k: redact_spans(v, ordered, replacement) for k, v in obj.items()}
    if isinstance(obj, list):
        return [redact_spans(v, ordered, replacement) for v in obj]
    return obj
