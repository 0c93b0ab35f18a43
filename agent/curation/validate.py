"""``limi-cli data validate``: check session logs and dataset rows, naming file and line.

Files are found and told apart as every curation command does (:mod:`agent.curation.dataset_io`:
directories give their ``*.jsonl`` and ``*.json``; :func:`agent.rows.is_session_log` decides
log or dataset). For a session log: the reader's problems (corrupt lines, results without
calls, calls without results, events out of order), then every call's arguments against the
schema of its tool in ``session_started``. For a dataset (JSONL, JSON, ATIF): each row must be
JSON, pass :func:`agent.rows.validate_row` (roles in a legal order, one tool message per call
id, object arguments) and have arguments that fit the row's tool schemas. A bad line never
stops the check of the rest.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from agent.curation.dataset_io import ReadReport, input_files
from agent.curation.formats import atif
from agent.curation.formats.limi import read_parquet
from agent.events import AssistantMessage
from agent.rows import is_session_log, read_rows, validate_row
from agent.trajectory import parse_log


def validate_paths(paths: list[str | os.PathLike[str]]) -> tuple[int, list[str]]:
    """Check every file (directories: their data files); returns (items checked, problems)."""
    checked, problems = 0, []
    found = ReadReport()
    files = input_files(paths, found)
    problems += [f"{p}: {reason}" for p, reason in found.skipped]
    for f in files:
        try:
            data = f.read_bytes()
        except OSError as e:
            problems.append(f"{f}: cannot read: {e.strerror or e}")
            continue
        n, more = validate_log(f, data) if f.suffix == ".jsonl" and is_session_log(data) else validate_dataset(f, data)
        checked += n
        problems += more
    return checked, problems


def validate_log(path: Path, data: bytes) -> tuple[int, list[str]]:
    log = parse_log(data, path)
    found = [(p.line_no, str(p)) for p in log.problems]
    schemas = _schemas(log.started.tools if log.started else [])
    for event, line in zip(log.events, log.line_numbers):
        if isinstance(event, AssistantMessage):
            for call in event.tool_calls:
                for msg in _argument_problems(call.name, call.arguments, schemas, call.error):
                    found.append((line, f"{path}:{line}: call {call.id}: {msg}"))
    found.sort(key=lambda x: x[0])
    return 1, [msg for _, msg in found]


def validate_dataset(path: Path, data: bytes) -> tuple[int, list[str]]:
    """Rows as they are in the file (string arguments are reported, not converted); an ATIF
    trajectory as the row it imports as; parquet rows as written."""
    if path.suffix == ".parquet":
        objects = [(line, row, None) for line, row in enumerate(read_parquet(path), 1)]
    else:
        objects = list(read_rows(path, data))
    checked, problems, items = 0, [], []
    for line, obj, error in objects:
        checked += 1
        where = f"{path}:{line}"
        if error is not None:
            problems.append(f"{where}: not JSON ({error}); the rest of the file is still checked")
            continue
        if atif.is_atif(obj):
            try:
                obj = atif.to_row(obj, where).row
            except ValueError as e:
                problems.append(f"{where}: {e}")
                continue
        elif isinstance(obj, dict):
            obj = {k: v for k, v in obj.items() if k != "meta"}
        items.append((where, obj))
    return checked, problems + _row_problems(items)


def _row_problems(items: list[tuple[str, Any]]) -> list[str]:
    problems = []
    for where, row in items:
        problems += [f"{where}: {p}" for p in validate_row(row)]
        if not isinstance(row, dict) or not isinstance(row.get("messages"), list):
            continue
        schemas = _schemas(row.get("tools") or [])
        for j, m in enumerate(row["messages"]):
            for k, call in enumerate((m.get("tool_calls") or []) if isinstance(m, dict) else []):
                fn = call.get("function") if isinstance(call, dict) else None
                if isinstance(fn, dict) and isinstance(fn.get("arguments"), dict):
                    for msg in _argument_problems(fn.get("name"), fn["arguments"], schemas, None, only_known=True):
                        problems.append(f"{where}: messages[{j}].tool_calls[{k}]: {msg}")
    return problems


def _schemas(tools: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out = {}
    for t in tools:
        fn = t.get("function", t) if isinstance(t, dict) else None
        if isinstance(fn, dict) and isinstance(fn.get("name"), str):
            out[fn["name"]] = fn.get("parameters") or {"type": "object"}
    return out


def _argument_problems(name: Any, arguments: Any, schemas: dict, error: str | None, only_known: bool = False) -> list[str]:
    """Why ``arguments`` do not fit the schema of tool ``name`` (empty: they fit)."""
    import jsonschema

    if error:
        return [f"invalid tool call ({error})"]
    if name not in schemas:
        return [] if only_known else [f"unknown tool {name!r} (not in the session's tools)"]
    validator = jsonschema.Draft202012Validator(schemas[name])
    return [f"arguments for {name} do not fit its schema: {'.'.join(map(str, e.path)) or 'arguments'}: {e.message}"
            for e in sorted(validator.iter_errors(arguments), key=lambda e: list(e.path))]
