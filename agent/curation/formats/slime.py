"""slime's parquet layout, for Megatron-scale SFT (LIMI trained GLM-4.5 with slime).

slime reads a parquet file with pandas (``--input-key messages --tool-key tools``) and renders
each row with the model's chat template. So ``messages`` stays nested, with tool-call
``arguments`` as objects (GLM-4.5's template iterates them; a JSON string would be
double-encoded by Qwen's), and ``tools`` is a JSON string, which slime decodes.

Parquet gives a column one type: all ``arguments`` objects of all rows share one struct, so an
argument name whose values change type across rows (``limit`` an int here, a string there)
cannot be stored. As LIMI did for its release, such rows are left out and named. Two quirks
of the layout remain, read through pandas as slime does: an argument a call does not pass
comes back as null (the struct holds every argument name of every tool), and an integer
argument that is null in some row comes back as a float. slime also reads JSONL
(``--format limi``), which keeps every row exactly as written: prefer it unless parquet is
required.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent.curation.formats.limi import write_parquet
from agent.rows import DatasetRow, write_manifest


def _kind(value: Any) -> str | None:
    if value is None:
        return None  # a null fits any type
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def argument_kinds(row: dict[str, Any]) -> dict[str, str]:
    """The JSON type of every tool-call argument of a row, by argument name; raises
    ValueError when one name has two types within the row."""
    kinds: dict[str, str] = {}
    for m in row.get("messages", []):
        for call in m.get("tool_calls") or []:
            for name, value in (call.get("function", {}).get("arguments") or {}).items():
                kind = _kind(value)
                if kind is None:
                    continue
                if kinds.setdefault(name, kind) != kind:
                    raise ValueError(f"argument {name!r} is both {kinds[name]} and {kind} within the row")
    return kinds


def export_slime(rows_in: list[DatasetRow], out: Path, *, command: str,
                 skipped: list[tuple[str, str]] | None = None) -> tuple[Path, list[str]]:
    """Write the parquet file and its manifest; returns the manifest path and one
    ``source: reason`` line per row left out (also added to ``skipped``, the inputs the
    caller left out; the manifest lists them all)."""
    seen: dict[str, tuple[str, str]] = {}  # argument name -> (type, the first row that set it)
    skipped = [] if skipped is None else skipped
    kept, rows, mine = [], [], []
    for t in rows_in:
        name = t.origin or t.id
        try:
            kinds = argument_kinds(t.row)
            for arg, kind in kinds.items():
                if arg in seen and seen[arg][0] != kind:
                    raise ValueError(f"argument {arg!r} is {kind} here but {seen[arg][0]} in {seen[arg][1]}")
        except ValueError as e:
            mine.append((name, f"{e} (parquet keeps one type per argument name)"))
            continue
        for arg, kind in kinds.items():
            seen.setdefault(arg, (kind, name))
        kept.append(t)
        rows.append({
            "messages": t.row.get("messages", []),
            "tools": json.dumps(t.row.get("tools", []), ensure_ascii=False),
            "metadata": {"id": t.id, "task": t.task[:500]},
        })
    write_parquet(rows, out, "slime")
    skipped += mine
    lines = [json.dumps(t.row, ensure_ascii=False).encode() for t in kept]
    extra = {"slime_args": "--input-key messages --tool-key tools --apply-chat-template"}
    manifest = write_manifest(out, "slime-parquet", kept, lines, command=command, skipped=skipped, extra=extra)
    return manifest, [f"{s}: {r}" for s, r in mine]
