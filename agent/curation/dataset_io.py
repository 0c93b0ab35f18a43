"""Reading curation inputs into :class:`Trajectory` objects, and writing datasets.

Inputs are session logs (annotations beside them applied), dataset JSONL files (LIMI
rows, each optionally carrying a ``meta`` object with id, task, outcome, quality, tags),
LIMI JSON (a row or a list of rows), ATIF JSON trajectories, or directories of those.
A bad line or file becomes a ``file:line: message`` problem and reading goes on.

A dataset written here is LIMI rows plus ``meta``; ``limi-cli data export`` writes clean
rows (no ``meta``) and puts the metadata in the manifest instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent import __version__
from agent.redact import default_redactor


@dataclass
class Trajectory:
    """One conversation to curate: a LIMI ``row`` (``tools`` + ``messages``) and its ``meta``."""

    id: str
    row: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)
    origin: str = ""  # file, or file:line, it was read from

    @property
    def task(self) -> str:
        """The task: ``meta.task``, else the first user message."""
        if self.meta.get("task"):
            return str(self.meta["task"])
        return next((str(m.get("content") or "") for m in self.row.get("messages", []) if m.get("role") == "user"), "")

    def tool_calls(self) -> list[dict[str, Any]]:
        """Every tool call of the row, in order (OpenAI ``{id, type, function}`` dicts)."""
        return [c for m in self.row.get("messages", []) if m.get("role") == "assistant" for c in (m.get("tool_calls") or [])]

    def dataset_line(self) -> dict[str, Any]:
        """The row as a dataset JSONL line: the row's keys plus ``meta`` (with the id)."""
        return {**self.row, "meta": {"id": self.id, **self.meta}}


@dataclass
class LoadReport:
    trajectories: list[Trajectory] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "file:line: message"


def load_inputs(paths: list[str | os.PathLike[str]]) -> LoadReport:
    """Read every input (files or directories) into trajectories; problems are collected."""
    report = LoadReport()
    for p in map(Path, paths):
        if p.is_dir():
            files = sorted(p.glob("*.jsonl")) + sorted(x for x in p.glob("*.json") if not x.name.endswith(".annotations.json"))
            for f in files:
                _load_file(f, report)
        elif p.is_file():
            _load_file(p, report)
        else:
            report.problems.append(f"{p}: no such file or directory")
    return report


def _load_file(path: Path, report: LoadReport) -> None:
    from agent.curation.formats import atif

    if path.name == "manifest.json" or path.name.endswith((".manifest.json", ".annotations.json")):
        return
    try:
        data = path.read_bytes()
    except OSError as e:
        report.problems.append(f"{path}: cannot read: {e.strerror or e}")
        return
    if path.suffix == ".parquet":
        from agent.curation.formats.limi import read_parquet

        for i, row in enumerate(read_parquet(path), 1):
            report.trajectories.append(_from_row(row, path, i, "parquet"))
        return
    if path.suffix == ".jsonl":
        first = next((ln for ln in data.split(b"\n") if ln.strip()), b"")
        if b'"session_started"' in first:
            _load_session(path, data, report)
        else:
            _load_jsonl(path, data, report)
        return
    try:
        obj = json.loads(data)
    except ValueError as e:
        report.problems.append(f"{path}:1: not JSON: {e}")
        return
    items = obj if isinstance(obj, list) else [obj]
    for i, item in enumerate(items, 1):
        where = f"{path}" if not isinstance(obj, list) else f"{path}[{i - 1}]"
        if atif.is_atif(item):
            try:
                report.trajectories.append(atif.to_trajectory(item, where))
            except ValueError as e:
                report.problems.append(f"{where}: {e}")
        elif isinstance(item, dict) and "messages" in item:
            report.trajectories.append(_from_row(item, path, i, "limi", where))
        else:
            report.problems.append(f"{where}: neither a LIMI row (messages) nor an ATIF trajectory (steps)")


def _load_jsonl(path: Path, data: bytes, report: LoadReport) -> None:
    from agent.curation.annotations import AnnotationError, apply_annotation, read_row_annotations

    try:
        annotations = read_row_annotations(path)  # written by `limi-cli review` on this dataset
    except AnnotationError as e:
        report.problems.append(str(e))
        annotations = {}
    for i, raw in enumerate(data.split(b"\n"), 1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except ValueError as e:
            report.problems.append(f"{path}:{i}: not JSON: {e}")
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("messages"), list):
            report.problems.append(f"{path}:{i}: not a LIMI row (a JSON object with a messages list)")
            continue
        trajectory = _from_row(obj, path, i, "limi")
        if i in annotations:
            trajectory.row = apply_annotation(trajectory.row, annotations[i])
            trajectory.meta.update(annotations[i].model_dump(include={"outcome", "quality", "tags", "notes"}))
        report.trajectories.append(trajectory)


def _from_row(obj: dict[str, Any], path: Path, line: int, fmt: str, where: str | None = None) -> Trajectory:
    from agent.curation.formats.limi import normalize_row

    row = {k: v for k, v in obj.items() if k != "meta"}
    meta = dict(obj.get("meta") or {})
    tid = str(meta.pop("id", None) or f"{path.stem}-{line}")
    normalize_row(row)
    meta.setdefault("source_format", fmt)
    return Trajectory(tid, row, meta, where or f"{path}:{line}")


def _load_session(path: Path, data: bytes, report: LoadReport) -> None:
    from agent.curation.annotations import AnnotationError, apply_annotation, load_annotation
    from agent.export import session_to_row
    from agent.trajectory import parse_log

    log = parse_log(data, path)
    bad = [p for p in log.problems if p.kind != "truncated"]
    if bad:
        report.problems += [f"{p} (session skipped)" if i == 0 else str(p) for i, p in enumerate(bad)]
        return
    try:
        annotation = load_annotation(path)
    except AnnotationError as e:
        report.problems.append(str(e))
        return
    started, ended = log.started, log.ended
    row = apply_annotation(session_to_row(log), annotation)
    meta: dict[str, Any] = {
        "session_id": log.session_id,
        "task": default_redactor().redact_text(next((m.content for m in log.messages() if m.role == "user"), "")),
        "created": started.ts if started else None,
        "model": started.model if started else None,
        "mode": started.mode if started else None,
        "end_reason": ended.reason if ended else "unfinished",
        "tool_errors": sum(getattr(e, "type", "") == "tool_result" and e.is_error for e in log.events),
        "source": str(path),
        "source_format": "session",
        "source_sha256": hashlib.sha256(data).hexdigest(),
    }
    if annotation is not None:
        meta.update(annotation.model_dump(include={"outcome", "quality", "tags", "notes"}))
    report.trajectories.append(Trajectory(log.session_id, row, meta, str(path)))


def row_sha256(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


def write_jsonl(path: Path, objects: list[dict[str, Any]]) -> list[bytes]:
    """Write one compact JSON object a line, atomically; returns the lines (no newline)."""
    lines = [json.dumps(o, ensure_ascii=False).encode("utf-8", "replace") for o in objects]
    write_atomic(path, b"".join(line + b"\n" for line in lines))
    return lines


def write_dataset(trajectories: list[Trajectory], out: Path, *, command: str, extra: dict[str, Any] | None = None) -> Path:
    """Write a curation dataset (rows with ``meta``) and its manifest; returns the manifest path."""
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = write_jsonl(out, [t.dataset_line() for t in trajectories])
    return write_manifest(out, "limi+meta", trajectories, lines, command=command, extra=extra)


def manifest_entry(t: Trajectory, line: bytes | None = None) -> dict[str, Any]:
    calls = t.tool_calls()
    entry = {
        "id": t.id,
        "source": t.meta.get("source") or t.origin,
        "source_sha256": t.meta.get("source_sha256"),
        "row_sha256": row_sha256(line) if line is not None else None,
        "task": t.task[:200],
        "messages": len(t.row.get("messages", [])),
        "tool_calls": len(calls),
    }
    for key in ("outcome", "quality", "tags"):
        if t.meta.get(key) not in (None, []):
            entry[key] = t.meta[key]
    return entry


def write_manifest(
    out: Path,
    fmt: str,
    trajectories: list[Trajectory],
    lines: list[bytes] | None,
    *,
    command: str,
    extra: dict[str, Any] | None = None,
) -> Path:
    """``<out>.manifest.json`` (or ``manifest.json`` inside a directory output)."""
    path = out / "manifest.json" if out.is_dir() else out.with_name(out.name + ".manifest.json")
    rows = [manifest_entry(t, lines[i] if lines else None) for i, t in enumerate(trajectories)]
    manifest = {
        "limi_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": command,
        "format": fmt,
        "output": out.name,
        "row_count": len(rows),
        "rows": rows,
        **(extra or {}),
    }
    write_atomic(path, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode())
    return path


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
