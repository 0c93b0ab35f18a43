"""The one reader of curation inputs, and the dataset writer.

Inputs are session logs (annotations beside them applied), datasets (JSONL of LIMI rows, each
optionally carrying a ``meta`` object with id, task, outcome, quality, tags; or JSON holding a
row or a list of rows), ATIF JSON trajectories, parquet written by ``data export``, or
directories of those. Whether a ``.jsonl`` file is a session log or a dataset is decided once,
by :func:`agent.rows.is_session_log`; dataset files are parsed by :func:`agent.rows.read_rows`,
as training parses them. A bad line or file becomes a ``file:line: message`` problem and
reading goes on.

:func:`read_entries` gives each row as read, with its annotation not yet applied (what
``limi-cli review`` shows and edits); :func:`load_inputs` applies the annotations and leaves
out damaged logs (what ``data stats``, ``filter``, ``export``... work on). A session log
becomes a row by :func:`session_to_row`.

A dataset written here (:func:`write_dataset`) is LIMI rows plus ``meta``; ``limi-cli export``
(:mod:`agent.export`) writes clean rows and puts the metadata in the manifest instead.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from agent.curation.annotations import (
    Annotation,
    AnnotationError,
    apply_annotation,
    load_annotation,
    read_row_annotations,
)
from agent.curation.formats import atif
from agent.curation.formats.limi import read_parquet
from agent.events import INVALID_CALL_KINDS, AssistantMessage, ToolResult
from agent.redact import default_redactor
from agent.rows import (
    DatasetRow,
    first_problem,
    is_session_log,
    is_sidecar,
    normalize_row,
    read_rows,
    sha256,
    write_jsonl,
    write_manifest,
)
from agent.session_store import subagent_logs
from agent.trajectory import LogReadResult, parse_log

ExportView = Literal["full", "compacted"]


# -- a session log as a row --------------------------------------------------------------


def session_to_row(log: LogReadResult, view: ExportView = "full") -> dict[str, Any]:
    """Build the training row of one session: ``{"tools": [...], "messages": [...]}``.

    ``view`` ``full``: every message as logged; ``compacted``: compactions applied, as the
    model saw the conversation at the end (older turns replaced by their summaries).

    A row must reproduce what the model saw, so calls are exported as they were logged,
    invalid ones included (arguments ``{}`` plus the error result the model read);
    ``arguments`` is always a JSON object, never a string (chat templates apply ``tojson`` to
    it). An interrupted reply stays in the conversation with ``"weight": 0`` (context for what
    follows, never trained on). A trailing assistant message whose calls did not all get a
    result (a killed session) is dropped together with its partial results. Everything
    returned is plain JSON data, redacted again with today's rules
    (:func:`agent.redact.default_redactor`): the log was redacted when written, but perhaps by
    older rules or another environment's secrets.
    """
    tools = [_openai_tool(t) for t in (log.started.tools if log.started else [])]
    messages: list[dict[str, Any]] = []
    for m in log.messages(compacted=view == "compacted"):
        if m.role == "assistant":
            out: dict[str, Any] = {"role": "assistant", "content": m.content}
            if m.reasoning:
                out["reasoning_content"] = m.reasoning
            if m.interrupted:
                out["weight"] = 0  # in the context of what follows, but not a reply to learn
            if m.tool_calls:
                out["tool_calls"] = [
                    {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": _plain(c.arguments)}}
                    for c in m.tool_calls
                ]
            messages.append(out)
        elif m.role == "tool":
            messages.append({"role": "tool", "tool_call_id": m.tool_call_id, "name": m.name, "content": m.content})
        else:
            messages.append({"role": m.role, "content": m.content})
    _drop_unanswered_tail(messages)
    return default_redactor().redact_obj({"tools": tools, "messages": messages})


def session_meta(log: LogReadResult, row: dict[str, Any], source: bytes) -> dict[str, Any]:
    """What a row's ``meta`` (and its manifest entry) says about the session it came from: ids,
    model, how it ended, the source's hash, and how many of the row's calls were invalid or failed."""
    invalid = {r.tool_call_id for r in log.events if isinstance(r, ToolResult) and r.error_kind in INVALID_CALL_KINDS}
    invalid |= {c.id for e in log.events if isinstance(e, AssistantMessage) for c in e.tool_calls if c.error}
    errors = {r.tool_call_id for r in log.events if isinstance(r, ToolResult) and r.is_error}
    call_ids = [c["id"] for m in row["messages"] for c in m.get("tool_calls", [])]
    started, ended = log.started, log.ended
    links: dict[str, Any] = {}
    if started is not None and started.parent_session_id:  # a subagent: the session and the call that ran it
        links = {"parent_session_id": started.parent_session_id, "parent_tool_call_id": started.parent_tool_call_id,
                 "subagent": (started.subagent or {}).get("agent")}
    children = _subagent_ids(log)
    if children:
        links["subagents"] = children  # the sessions its task calls ran: rows of their own
    return {
        **links,
        "session_id": log.session_id,
        "task": default_redactor().redact_text(next((m.content for m in log.messages() if m.role == "user"), "")),
        "created": started.ts if started else None,
        "model": started.model if started else None,
        "mode": started.mode if started else None,
        "end_reason": ended.reason if ended else "unfinished",
        "invalid_tool_calls": sum(cid in invalid for cid in call_ids),
        "tool_errors": sum(cid in errors for cid in call_ids),
        "source": str(log.path),
        "source_format": "session",
        "source_sha256": sha256(source),
    }


def _openai_tool(spec: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI ``{"type": "function", "function": ...}`` spec (bare function specs are wrapped)."""
    if "function" in spec:
        return _plain(spec)
    return {"type": "function", "function": _plain(spec)}


def _plain(obj: Any) -> Any:
    """A deep copy that is plain JSON data, not sharing anything with the log's events."""
    return json.loads(json.dumps(obj))


def _drop_unanswered_tail(messages: list[dict[str, Any]]) -> None:
    for i in range(len(messages) - 1, -1, -1):
        m = messages[i]
        if m["role"] == "tool":
            continue
        if m["role"] == "assistant" and m.get("tool_calls"):
            answered = {t["tool_call_id"] for t in messages[i + 1 :]}
            if any(c["id"] not in answered for c in m["tool_calls"]):
                del messages[i:]
        return


# -- reading -------------------------------------------------------------------------------


@dataclass
class Entry:
    """One row as read from an input, its annotation not yet applied.

    ``line`` is the row's place in a dataset file (JSONL line, or item number of a JSON list,
    ATIF file or parquet file), which keys its annotation in ``<dataset>.annotations.json``;
    None for a session log, whose annotation lies beside the log. ``log_problems`` are a session
    log's problems other than a truncated last line (a log with any is left out of datasets).
    """

    row: DatasetRow
    path: Path
    line: int | None = None
    annotation: Annotation | None = None
    log_problems: list[str] = field(default_factory=list)

    @property
    def is_session(self) -> bool:
        return self.line is None


@dataclass
class ReadReport:
    entries: list[Entry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "file:line: message"
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # inputs left out whole, and why


def input_files(paths: list[str | os.PathLike[str]], report: ReadReport, *, newest_first: bool = False) -> list[Path]:
    """The data files of ``paths``: files as given, directories as their ``*.jsonl`` and ``*.json``
    (manifests and annotations left out), each file once. A missing path is skipped in ``report``."""
    files: list[Path] = []
    seen: set[Path] = set()
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(p.glob("*.jsonl")) + sorted(p.glob("*.json"))
            found = [f for f in found if not is_sidecar(f)]
            if newest_first:
                found.reverse()
        elif p.exists():
            found = [p]
        else:
            report.skipped.append((p, "no such file or directory"))
            continue
        for f in found:
            if f.resolve() not in seen:
                seen.add(f.resolve())
                files.append(f)
    return files


def read_entries(paths: list[str | os.PathLike[str]], *, view: ExportView = "full", newest_first: bool = False) -> ReadReport:
    """Every row of every input (see the module's docstring), annotations not applied. A session
    log brings the logs of its subagents (the sessions its ``task`` calls ran, in the same folder)
    after it, each a row of its own, unless they are among the inputs already."""
    report = ReadReport()
    files = input_files(paths, report, newest_first=newest_first)
    seen = {f.resolve() for f in files}
    subagents: dict[Path, dict[str, list[tuple[str | None, Path]]]] = {}  # folder -> its subagents' logs, read once
    work = list(reversed(files))
    while work:
        path = work.pop()
        if is_sidecar(path):
            continue
        try:
            data = path.read_bytes()
        except OSError as e:
            report.skipped.append((path, f"cannot read: {e.strerror or e}"))
            continue
        if path.suffix == ".jsonl" and is_session_log(data):
            log = _read_session(path, data, view, report)
            if path.parent not in subagents:
                subagents[path.parent] = subagent_logs(path.parent)
            found = {p.stem for _, p in subagents[path.parent].get(log.session_id, [])}
            for cid in _subagent_ids(log):
                if cid not in found:
                    report.problems.append(f"{path}: its subagent session {cid} has no log in {path.parent}; "
                                           "it is left out")
            kids = [p for _, p in subagents[path.parent].get(log.session_id, []) if p.resolve() not in seen]
            seen.update(p.resolve() for p in kids)
            work += reversed(kids)
        else:
            _read_dataset(path, data, report)
    return report


def _subagent_ids(log: LogReadResult) -> list[str]:
    return [r.subagent_session_id for r in log.events if isinstance(r, ToolResult) and r.subagent_session_id]


def _read_session(path: Path, data: bytes, view: ExportView, report: ReadReport) -> LogReadResult:
    log = parse_log(data, path)
    try:
        annotation = load_annotation(path)
    except AnnotationError as e:
        report.problems.append(str(e))
        report.skipped.append((path, "its annotation file cannot be read"))
        return log
    row = session_to_row(log, view)
    meta = session_meta(log, row, data)
    if annotation is not None:
        meta.update(annotation.model_dump(include={"outcome", "quality", "tags", "notes"}))
    bad = [str(p) for p in log.problems if p.kind != "truncated"]
    report.entries.append(Entry(DatasetRow(log.session_id, row, meta, str(path)), path, None, annotation, bad))
    return log


def _read_dataset(path: Path, data: bytes, report: ReadReport) -> None:
    try:
        annotations = read_row_annotations(path)  # written by `limi-cli review` on this dataset
    except AnnotationError as e:
        report.problems.append(str(e))
        report.skipped.append((path, "its annotation file cannot be read"))
        return
    if path.suffix == ".parquet":
        items: list[tuple[int, Any, str | None]] = [(i, row, None) for i, row in enumerate(read_parquet(path), 1)]
        fmt = "parquet"
    else:
        items = list(read_rows(path, data))
        fmt = "limi"
    single_json = path.suffix != ".jsonl" and len(items) == 1
    for line, obj, error in items:
        where = f"{path}:{line}" if path.suffix in (".jsonl", ".parquet") else str(path) if single_json else f"{path}[{line - 1}]"
        if error is not None:
            report.problems.append(f"{path}:{line}: not JSON: {error}")
            continue
        subagents: list[DatasetRow] = []
        if atif.is_atif(obj):
            try:
                row, *subagents = atif.to_rows(obj, where)  # embedded subagents: rows of their own
            except ValueError as e:
                report.problems.append(f"{where}: {e}")
                continue
        elif isinstance(obj, dict) and isinstance(obj.get("messages"), list):
            row = _from_dataset(obj, path, line, fmt, where)
        else:
            report.problems.append(f"{where}: neither a LIMI row (a JSON object with a messages list) nor an ATIF trajectory (steps)")
            continue
        annotation = annotations.get(line)
        if annotation is not None:
            row.meta.update(annotation.model_dump(include={"outcome", "quality", "tags", "notes"}))
        report.entries.append(Entry(row, path, line, annotation))
        # the annotation of the item is its main trajectory's
        report.entries += [Entry(sub, path, line, None) for sub in subagents]


def _from_dataset(obj: dict[str, Any], path: Path, line: int, fmt: str, where: str) -> DatasetRow:
    row = {k: v for k, v in obj.items() if k != "meta"}
    meta = dict(obj.get("meta") or {})
    rid = str(meta.pop("id", None) or f"{path.stem}-{line}")
    normalize_row(row)
    meta.setdefault("source_format", fmt)
    return DatasetRow(rid, row, meta, where)


@dataclass
class LoadReport:
    rows: list[DatasetRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "file:line: message"
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # inputs left out whole, and why

    def warnings(self) -> Iterator[str]:
        """Everything worth telling the person, one line each."""
        yield from self.problems
        yield from (f"skipped {path}: {reason}" for path, reason in self.skipped)


def load_inputs(paths: list[str | os.PathLike[str]], *, view: ExportView = "full") -> LoadReport:
    """The rows of every input with their annotations applied (cut, steps not to train on,
    redactions); a session log with a corrupt line or events out of order is left out (a
    truncated last line from a killed session is fine)."""
    read = read_entries(paths, view=view)
    report = LoadReport(problems=read.problems, skipped=read.skipped)
    for e in read.entries:
        if e.log_problems:
            report.skipped.append((e.path, f"log problem: {first_problem(e.log_problems)}"))
            continue
        if e.annotation is not None:
            e.row.row = apply_annotation(e.row.row, e.annotation)
        report.rows.append(e.row)
    return report


# -- writing -------------------------------------------------------------------------------


def write_dataset(rows: list[DatasetRow], out: Path, *, command: str, extra: dict[str, Any] | None = None) -> Path:
    """Write a curation dataset (rows with ``meta``) and its manifest; returns the manifest path."""
    lines = write_jsonl(out, [r.dataset_line() for r in rows])
    return write_manifest(out, "limi+meta", rows, lines, command=command, extra=extra)
