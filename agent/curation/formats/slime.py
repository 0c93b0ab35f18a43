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

from agent.curation.dataset_io import Trajectory, write_manifest


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


def export_slime(trajectories: list[Trajectory], out: Path, *, command: str) -> tuple[Path, list[str]]:
    """Write the parquet file and its manifest; returns the manifest path and one
    ``id: reason`` line per trajectory left out."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise RuntimeError('slime export needs pyarrow: pip install -e ".[train]" or pip install pyarrow') from None
    seen: dict[str, tuple[str, str]] = {}  # argument name -> (type, the first row that set it)
    kept, rows, skipped = [], [], []
    for t in trajectories:
        name = t.origin or t.id
        try:
            kinds = argument_kinds(t.row)
            for arg, kind in kinds.items():
                if arg in seen and seen[arg][0] != kind:
                    raise ValueError(f"argument {arg!r} is {kind} here but {seen[arg][0]} in {seen[arg][1]}")
        except ValueError as e:
            skipped.append(f"{name}: {e} (parquet keeps one type per argument name)")
            continue
        for arg, kind in kinds.items():
            seen.setdefault(arg, (kind, name))
        kept.append(t)
        rows.append({
            "messages": t.row.get("messages", []),
            "tools": json.dumps(t.row.get("tools", []), ensure_ascii=False),
            "metadata": {"id": t.id, "task": t.task[:500]},
        })
    try:
        table = pa.Table.from_pylist(rows)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
        raise RuntimeError(f"these rows do not fit one parquet schema ({e}); export JSONL instead (--format limi)") from None
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    pq.write_table(table, tmp)
    tmp.replace(out)
    lines = [json.dumps(t.row, ensure_ascii=False).encode() for t in kept]
    extra = {"slime_args": "--input-key messages --tool-key tools --apply-chat-template", "skipped": skipped}
    return write_manifest(out, "slime-parquet", kept, lines, command=command, extra=extra), skipped
