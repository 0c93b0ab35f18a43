"""LIMI / OpenAI ``messages`` + ``tools`` rows (docs/formats.md, "The LIMI row"), as JSONL or parquet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent.rows import DatasetRow, atomic_path, write_jsonl, write_manifest


def export_jsonl(rows: list[DatasetRow], out: Path, *, command: str, skipped: list[tuple[str, str]] | None = None) -> Path:
    """Clean training rows (no ``meta``) as JSONL; the metadata goes to the manifest, with the
    inputs the caller left out (``skipped``)."""
    lines = write_jsonl(out, [t.row for t in rows])
    return write_manifest(out, "limi-jsonl", rows, lines, command=command, skipped=skipped)


def export_parquet(rows: list[DatasetRow], out: Path, *, command: str, skipped: list[tuple[str, str]] | None = None) -> Path:
    """The rows as parquet with nested ``messages`` and ``tools`` columns (needs pyarrow).

    Arrow unifies the struct types of all rows, so keys a row lacks come back as nulls and
    genuine nulls (``"default": null`` in a schema) cannot be told apart from them. So each
    row is also kept whole as JSON text in a ``limi_row`` column, which :func:`read_parquet`
    uses: parquet -> import -> export gives back the same rows.
    """
    records = [{"tools": t.row.get("tools", []), "messages": t.row.get("messages", []),
                "limi_row": json.dumps(t.row, ensure_ascii=False)} for t in rows]
    write_parquet(records, out, "parquet")
    lines = [r["limi_row"].encode() for r in records]
    return write_manifest(out, "limi-parquet", rows, lines, command=command, skipped=skipped)


def write_parquet(records: list[dict[str, Any]], out: Path, what: str) -> None:
    """Write ``records`` as one parquet table, atomically (needs pyarrow). Raises RuntimeError, one
    line, when pyarrow is missing or the records do not fit one schema."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise RuntimeError(f'{what} export needs pyarrow: pip install -e ".[train]" or pip install pyarrow') from None
    try:
        table = pa.Table.from_pylist(records)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
        raise RuntimeError(f"these rows do not fit one parquet schema ({e}); export JSONL instead (--format limi)") from None
    with atomic_path(out) as tmp:
        pq.write_table(table, tmp)


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
