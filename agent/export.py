"""Export: session logs and datasets to a training set, in one of the dataset formats, with a manifest.

The one exporter behind both ``limi-cli export`` (sessions by id) and ``limi-cli data export``
(any inputs). Inputs are read by :func:`agent.curation.dataset_io.load_inputs` (annotations
applied; a session log becomes a row by :func:`~agent.curation.dataset_io.session_to_row`),
every row is checked by :func:`agent.rows.validate_row` and a row that fails is never written
(the report and the manifest name its source instead), then the format's writer writes the
file(s) and the manifest (:func:`agent.rows.write_manifest`). docs/formats.md describes the
row, the formats and the manifest.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from agent.curation.dataset_io import ExportView, load_inputs
from agent.curation.formats import atif, limi, sharegpt, slime
from agent.rows import DatasetRow, first_problem, validate_row

FORMATS = ("limi", "parquet", "slime", "sharegpt", "atif")

Writer = Callable[..., Any]  # (rows, out, *, command, skipped) -> manifest path, or (manifest path, skipped lines)
_WRITERS: dict[str, Writer] = {
    "limi": limi.export_jsonl,
    "parquet": limi.export_parquet,
    "slime": slime.export_slime,
    "sharegpt": sharegpt.export_sharegpt,
    "atif": atif.export_atif,
}


class ExportError(ValueError):
    """The output cannot be written (a format's library missing, rows that do not fit it); one line."""


@dataclass
class ExportReport:
    """What :func:`export_dataset` did: ``rows`` are the manifest entries of the written rows,
    ``skipped`` is ``(source, reason)`` for each input or row left out, ``problems`` the
    ``file:line`` problems met while reading (the rest was still read)."""

    out_path: Path
    manifest_path: Path
    format: str = "limi"
    rows: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"wrote {len(self.rows)} rows ({self.format}) to {self.out_path} (manifest {self.manifest_path})"]
        lines += [f"skipped {path}: {reason}" for path, reason in self.skipped]
        return "\n".join(lines)


def export_dataset(
    paths: list[str | os.PathLike[str]],
    out_path: str | os.PathLike[str],
    fmt: str = "limi",
    *,
    view: ExportView = "full",
    command: str = "export",
) -> ExportReport:
    """Write the rows of ``paths`` (session logs, datasets, ATIF...) to ``out_path`` in ``fmt``.

    A session is left out, with the reason in the report, when its log has a corrupt line or
    events out of order (a truncated last line from a killed session is fine), and any row is
    left out when it fails :func:`~agent.rows.validate_row` (calls to tools the row does not
    list are allowed: an export keeps what the model really did) or does not fit the format.
    Every file is replaced atomically. Raises :class:`ExportError` when nothing can be written.
    """
    if fmt not in _WRITERS:
        raise ExportError(f"unknown format {fmt!r}; pick one of {', '.join(FORMATS)}")
    out = Path(out_path)
    loaded = load_inputs(paths, view=view)
    skipped: list[tuple[Path, str]] = list(loaded.skipped)
    rows: list[DatasetRow] = []
    for r in loaded.rows:
        problems = validate_row(r.row, allow_unknown_tools=True)
        if problems:
            skipped.append((Path(r.origin), f"invalid row: {first_problem(problems)}"))
            continue
        rows.append(r)
    try:
        result = _WRITERS[fmt](rows, out, command=command, skipped=skipped)
    except RuntimeError as e:
        raise ExportError(str(e)) from None
    manifest = result[0] if isinstance(result, tuple) else result
    written = json.loads(manifest.read_text(encoding="utf-8"))["rows"]
    skipped = [(Path(s), reason) for s, reason in skipped]  # the writer's own, as paths too
    return ExportReport(out, manifest, fmt, written, skipped, loaded.problems)


def export_sessions(paths: list[str | os.PathLike[str]], out_path: str | os.PathLike[str],
                    view: ExportView = "full") -> ExportReport:
    """One LIMI row per session log (:func:`export_dataset` in the ``limi`` format)."""
    return export_dataset(paths, out_path, "limi", view=view)
