"""``limi-cli data validate``: check session logs and dataset rows, naming file and line.

For a session log: the reader's problems (corrupt lines, results without calls, calls
without results, events out of order), then every call's arguments against the schema
of its tool in ``session_started``. For a dataset JSONL (LIMI rows): each line must be
JSON, pass :func:`agent.export.validate_row` (roles in a legal order, one tool message per
call id, object arguments) and have arguments that fit the row's tool schemas.
A bad line never stops the check of the rest.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def validate_paths(paths: list[str | os.PathLike[str]]) -> tuple[int, list[str]]:
    """Check every file (directories: their ``*.jsonl``); returns (items checked, problems)."""
    checked, problems = 0, []
    for p in map(Path, paths):
        files = sorted(p.glob("*.jsonl")) if p.is_dir() else [p]
        for f in files:
            if not f.is_file():
                problems.append(f"{f}: no such file")
                continue
            data = f.read_bytes()
            first = next((ln for ln in data.split(b"\n") if ln.strip()), b"")
            n, found = (validate_log(f, data) if b'"session_started"' in first else validate_dataset(f, data))
            checked += n
            problems += found
    return checked, problems


def validate_log(path: Path, data: bytes) -> tuple[int, list[str]]:
    from agent.events import AssistantMessage
    from agent.trajectory import parse_log

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
    from agent.export import validate_row

    checked, problems = 0, []
    for i, raw in enumerate(data.split(b"\n"), 1):
        if not raw.strip():
            continue
        checked += 1
        try:
            row = json.loads(raw)
        except ValueError as e:
            problems.append(f"{path}:{i}: not JSON ({e}); the rest of the file is still checked")
            continue
        if isinstance(row, dict):
            row = {k: v for k, v in row.items() if k != "meta"}
        problems += [f"{path}:{i}: {p}" for p in validate_row(row)]
        if not isinstance(row, dict) or not isinstance(row.get("messages"), list):
            continue
        schemas = _schemas(row.get("tools") or [])
        for j, m in enumerate(row["messages"]):
            for k, call in enumerate((m.get("tool_calls") or []) if isinstance(m, dict) else []):
                fn = call.get("function") if isinstance(call, dict) else None
                if isinstance(fn, dict) and isinstance(fn.get("arguments"), dict):
                    for msg in _argument_problems(fn.get("name"), fn["arguments"], schemas, None, only_known=True):
                        problems.append(f"{path}:{i}: messages[{j}].tool_calls[{k}]: {msg}")
    return checked, problems


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
