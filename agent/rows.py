"""Dataset rows: the LIMI row schema, the row type, reading rows, the atomic writer and the manifest.

A row is ``{"tools": [...], "messages": [...]}`` in the OpenAI chat + tools shape of the
public LIMI release (docs/formats.md, "The LIMI row"). A dataset is a JSONL file of rows
(one a line, each optionally with a ``meta`` object: id, task, outcome, quality, tags...),
or a JSON file holding one row or a list of them. What a session log is, and how one becomes
a row, is :mod:`agent.trajectory` and :mod:`agent.export`; the reader of every input kind is
:mod:`agent.curation.dataset_io`, which uses :func:`read_rows` here for datasets, as
training does.

This module is a leaf: it imports nothing of limi-cli but its version, so ``training/``,
curation and export all share it without pulling in the session machinery.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent import __version__

MANIFEST_SUFFIX = ".manifest.json"
MANIFEST_NAME = "manifest.json"  # inside a directory output (ATIF)
ANNOTATION_SUFFIX = ".annotations.json"  # a curator's labels beside a log or dataset (agent.curation.annotations)


# -- the row type ---------------------------------------------------------------------


@dataclass
class DatasetRow:
    """One conversation of a dataset: a LIMI ``row`` (``tools`` + ``messages``) and its ``meta``."""

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


# -- the schema -----------------------------------------------------------------------


def validate_row(row: Any, *, allow_unknown_tools: bool = False) -> list[str]:
    """Problems that make ``row`` unfit to train on; an empty list means it is fine.

    Checks: tools are OpenAI function specs; an optional system message comes first, then
    a user message before any assistant one; every tool call has an id, a known tool
    name and object arguments, and exactly one tool message with its id follows it
    before the next user or assistant message; at least one assistant message.
    With ``allow_unknown_tools`` a call to a tool the row does not list is accepted (the
    session export keeps what the model really did, with the error it got back).
    """
    if not isinstance(row, dict):
        return ["row is not a JSON object"]
    problems: list[str] = []
    names: set[str] = set()
    tools = row.get("tools", [])
    if not isinstance(tools, list):
        problems.append("tools is not a list")
        tools = []
    for i, t in enumerate(tools):
        fn = t.get("function") if isinstance(t, dict) else None
        if not isinstance(fn, dict) or t.get("type") != "function" or not isinstance(fn.get("name"), str):
            problems.append(f"tools[{i}]: not an OpenAI spec {{'type': 'function', 'function': {{'name': ...}}}}")
            continue
        if not isinstance(fn.get("parameters", {}), dict):
            problems.append(f"tools[{i}] ({fn['name']}): parameters is not a JSON object")
        names.add(fn["name"])
    messages = row.get("messages")
    if not isinstance(messages, list) or not messages:
        return problems + ["messages is missing or empty"]

    pending: dict[str, int] = {}  # call id -> index of the assistant message that made it
    seen_ids: set[str] = set()
    seen_user = False
    assistants = 0

    def unanswered(where: str) -> None:
        for cid, at in pending.items():
            problems.append(f"messages[{at}]: tool call {cid!r} has no tool message before {where}")
        pending.clear()

    for i, m in enumerate(messages):
        here = f"messages[{i}]"
        if not isinstance(m, dict):
            problems.append(f"{here}: not a JSON object")
            continue
        role = m.get("role")
        content = m.get("content")
        if not isinstance(content, str) and not (role == "assistant" and content is None):
            problems.append(f"{here}: content is not a string")
        if role == "system":
            if i != 0:
                problems.append(f"{here}: a system message may only be the first message")
        elif role == "user":
            unanswered(here)
            seen_user = True
        elif role == "assistant":
            unanswered(here)
            if not seen_user:
                problems.append(f"{here}: assistant message before any user message")
            assistants += 1
            for j, call in enumerate(m.get("tool_calls") or []):
                problems += _check_call(call, f"{here}.tool_calls[{j}]", None if allow_unknown_tools else names, seen_ids)
                if isinstance(call, dict) and isinstance(call.get("id"), str):
                    pending[call["id"]] = i
        elif role == "tool":
            cid = m.get("tool_call_id")
            if cid in pending:
                del pending[cid]
            else:
                problems.append(f"{here}: tool message for {cid!r}, but no tool call before it is waiting for that id")
        else:
            problems.append(f"{here}: unknown role {role!r} (expected system, user, assistant or tool)")
    unanswered("the end")
    if assistants == 0:
        problems.append("no assistant message: nothing to train on")
    return problems


def _check_call(call: Any, here: str, names: set[str] | None, seen_ids: set[str]) -> list[str]:
    fn = call.get("function") if isinstance(call, dict) else None
    if not isinstance(fn, dict) or call.get("type") != "function":
        return [f"{here}: expected {{'id', 'type': 'function', 'function': {{'name', 'arguments'}}}}"]
    out = []
    cid = call.get("id")
    if not isinstance(cid, str) or not cid:
        out.append(f"{here}: missing id")
    elif cid in seen_ids:
        out.append(f"{here}: id {cid!r} is used twice")
    else:
        seen_ids.add(cid)
    if names is not None and fn.get("name") not in names:
        out.append(f"{here}: tool {fn.get('name')!r} is not in the row's tools")
    if not isinstance(fn.get("arguments"), dict):
        out.append(f"{here}: arguments is a {type(fn.get('arguments')).__name__}, expected a JSON object")
    return out


def first_problem(problems: list[str]) -> str:
    """The first problem, and how many more there are (for one-line reports)."""
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return problems[0] + more


def normalize_row(row: dict[str, Any]) -> int:
    """Turn tool-call ``arguments`` given as JSON strings into objects, in place.

    Chat templates apply ``tojson`` to arguments, so a string would be double-encoded.
    Returns how many were converted; strings that are not a JSON object stay as they are
    (:func:`validate_row` reports them).
    """
    converted = 0
    for m in row.get("messages") or []:
        if not isinstance(m, dict):
            continue
        for call in m.get("tool_calls") or []:
            fn = call.get("function") if isinstance(call, dict) else None
            if isinstance(fn, dict) and isinstance(fn.get("arguments"), str):
                try:
                    value = json.loads(fn["arguments"]) if fn["arguments"].strip() else {}
                except ValueError:
                    continue
                if isinstance(value, dict):
                    fn["arguments"] = value
                    converted += 1
    return converted


# -- reading ----------------------------------------------------------------------------


def is_session_log(data: bytes) -> bool:
    """Whether ``data`` (a ``.jsonl`` file's bytes) is a session log rather than a dataset:
    its first non-blank line is a ``session_started`` event. Decided here, once, for every reader."""
    first = next((ln for ln in data.split(b"\n") if ln.strip()), b"")
    return b'"session_started"' in first


def is_sidecar(path: Path) -> bool:
    """A manifest or an annotation file: written beside data, never data itself."""
    return path.name == MANIFEST_NAME or path.name.endswith((MANIFEST_SUFFIX, ANNOTATION_SUFFIX))


def read_rows(path: Path, data: bytes) -> Iterator[tuple[int, Any, str | None]]:
    """The JSON objects of a dataset file: ``(line, object, None)``, or ``(line, None, error)``
    when the JSON itself is broken (``error`` says where, e.g. ``Expecting value at column 1``;
    the caller says it is not JSON) and reading goes on with the next line.

    JSONL: one object a line, ``line`` 1-based. A ``.json`` file (or text starting with ``[``):
    one row, a list of rows, or ``{"rows": [...]}``; ``line`` is then the item's number from 1
    (a broken document is one problem at the line the parser names).
    """
    text = data.decode("utf-8", errors="replace")
    if path.suffix == ".json" or text.lstrip().startswith("["):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as e:
            yield e.lineno, None, f"{e.msg} at column {e.colno}"
            return
        items = doc.get("rows") if isinstance(doc, dict) and isinstance(doc.get("rows"), list) else doc
        for i, obj in enumerate(items if isinstance(items, list) else [items], start=1):
            yield i, obj, None
        return
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield n, json.loads(line), None
        except json.JSONDecodeError as e:
            yield n, None, f"{e.msg} at column {e.colno}"


# -- writing ----------------------------------------------------------------------------


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; on success it replaces ``path`` in one step,
    on an error it is removed. Readers never see a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def json_line(obj: Any) -> bytes:
    """One compact JSON line (no newline), as every JSONL file here is written."""
    return json.dumps(obj, ensure_ascii=False).encode("utf-8", "replace")


def write_jsonl(path: Path, objects: list[dict[str, Any]]) -> list[bytes]:
    """Write one compact JSON object a line, atomically; returns the lines (no newline)."""
    lines = [json_line(o) for o in objects]
    write_atomic(path, b"".join(line + b"\n" for line in lines))
    return lines


# -- the manifest -----------------------------------------------------------------------


def manifest_path(out: str | os.PathLike[str]) -> Path:
    """``<out>.manifest.json`` beside an output file, ``<out>/manifest.json`` for a directory."""
    out = Path(out)
    return out / MANIFEST_NAME if out.is_dir() else out.with_name(out.name + MANIFEST_SUFFIX)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# meta keys a manifest entry copies when set: labels, a session log's counts (agent.export.session_meta), and the
# links between a session and its subagents (a subagent's row names the session and the task call that ran it)
_ENTRY_META = ("session_id", "end_reason", "invalid_tool_calls", "tool_errors", "outcome", "quality", "tags",
               "parent_session_id", "parent_tool_call_id", "subagent", "subagents")


def manifest_entry(r: DatasetRow, line: bytes | None = None) -> dict[str, Any]:
    """What the manifest says about one written row: id, source and its hash, the hash of the
    row as written (``line``, without the newline), sizes, labels and session counts."""
    entry = {
        "id": r.id,
        "source": r.meta.get("source") or r.origin,
        "source_sha256": r.meta.get("source_sha256"),
        "row_sha256": sha256(line) if line is not None else None,
        "task": r.task[:200],
        "messages": len(r.row.get("messages", [])),
        "tool_calls": len(r.tool_calls()),
    }
    for key in _ENTRY_META:
        if r.meta.get(key) not in (None, []):
            entry[key] = r.meta[key]
    return entry


def write_manifest(
    out: Path,
    fmt: str,
    rows: list[DatasetRow],
    lines: list[bytes] | None,
    *,
    command: str,
    skipped: list[tuple[str, str]] | None = None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write the manifest of ``out`` (see :func:`manifest_path`); returns its path.

    One format for every writer: version, time, command, ``format``, the output's name, one
    :func:`manifest_entry` per row (``lines[i]`` is row i as written, for its hash), the
    inputs left out as ``{"source", "reason"}``, and any format-specific ``extra`` keys.
    """
    path = manifest_path(out)
    entries = [manifest_entry(r, lines[i] if lines else None) for i, r in enumerate(rows)]
    manifest = {
        "limi_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": command,
        "format": fmt,
        "output": out.name,
        "row_count": len(entries),
        "rows": entries,
        "skipped": [{"source": str(source), "reason": reason} for source, reason in skipped or []],
        **(extra or {}),
    }
    write_atomic(path, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode())
    return path
