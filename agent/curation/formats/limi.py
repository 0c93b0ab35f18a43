"""LIMI / OpenAI ``messages`` + ``tools`` rows (FORMATS.md §1), as JSONL or parquet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent.curation.dataset_io import Trajectory, write_jsonl, write_manifest


def normalize_row(row: dict[str, Any]) -> int:
    """Turn tool-call ``arguments`` given as JSON strings into objects, in place.

    Chat templates apply ``tojson`` to arguments, so a string would be double-encoded.
    Returns how many were converted; strings that are not a JSON object stay as they are
    (``validate`` reports them).
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


def export_jsonl(trajectories: list[Trajectory], out: Path, *, command: str) -> Path:
    """Clean training rows (no ``meta``) as JSONL; the metadata goes to the manifest."""
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = write_jsonl(out, [t.row for t in trajectories])
    return write_manifest(out, "limi-jsonl", trajectories, lines, command=command)


def export_parquet(trajectories: list[Trajectory], out: Path, *, command: str) -> Path:
    """The rows as parquet with nested ``messages`` and ``tools`` columns (needs pyarrow).

    Arrow unifies the struct types of all rows, so keys a row lacks come back as nulls and
    genuine nulls (``"default": null`` in a schema) cannot be told apart from them. So each
    row is also kept whole as JSON text in a ``limi_row`` column, which :func:`read_parquet`
    uses: parquet -> import -> export gives back the same rows.
    """
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise RuntimeError('parquet export needs pyarrow: pip install -e ".[train]" or pip install pyarrow') from None
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = [{"tools": t.row.get("tools", []), "messages": t.row.get("messages", []),
             "limi_row": json.dumps(t.row, ensure_ascii=False)} for t in trajectories]
    try:
        table = pa.Table.from_pylist(rows)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
        raise RuntimeError(f"these rows do not fit one parquet schema ({e}); export JSONL instead (--format limi)") from None
    tmp = out.with_name(out.name + ".tmp")
    pq.write_table(table, tmp)
    tmp.replace(out)
    lines = [r["limi_row"].encode() for r in rows]
    return write_manifest(out, "limi-parquet", trajectories, lines, command=command)


def read_parquet(path: Path) -> list[dict[str, Any]]:
    """Rows of a parquet file: from ``limi_row`` when present (lossless), else the nested
    columns with the nulls of type unification dropped."""
    import pyarrow.parquet as pq

    rows = pq.read_table(path).to_pylist()
    return [json.loads(r["limi_row"]) if r.get("limi_row") else _drop_nulls(r) for r in rows]


def _drop_nulls(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _drop_nulls(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [_drop_nulls(v) for v in obj]
    return obj
