"""Reading LIMI training rows from JSONL or JSON files, each row validated before any training.

A row is ``{"tools": [...], "messages": [...]}`` (docs/formats.md, "The LIMI row"), what
``limi-cli export`` writes and what the public LIMI release holds. Files are read by
:func:`agent.rows.read_rows`, the dataset reader curation uses too, and every row goes through
:func:`agent.rows.validate_row`; the first bad row stops the load with ``file:line: reason``
(a :class:`DatasetError`), unless ``skip_invalid`` is set, in which case it is counted and
left out. Validation uses ``allow_unknown_tools`` because exported sessions keep calls to
tools the row does not list (with the error the model got back), exactly as they happened.
A session log is refused: training reads datasets, never raw sessions.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.rows import first_problem, is_session_log, read_rows, sha256, validate_row


class DatasetError(Exception):
    """A dataset problem the user can fix; the message is one line naming the file and line."""


@dataclass(frozen=True)
class LimiRow:
    """One training row and where it came from (``line`` is 1-based; for a JSON array, the item number)."""

    row: dict[str, Any]
    source: Path
    line: int

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


@dataclass
class SourceFile:
    """A data file as the model card's manifest lists it."""

    path: Path
    sha256: str
    rows: int = 0
    skipped: int = 0


@dataclass
class LimiDataset:
    """The rows to train on, the files they came from, and the rows left out (``where``, reason)."""

    rows: list[LimiRow] = field(default_factory=list)
    files: list[SourceFile] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)


def load_rows(paths: list[str | os.PathLike[str]], *, skip_invalid: bool = False) -> LimiDataset:
    """Read and validate every row of ``paths`` (``.jsonl`` one row a line; ``.json`` an array of rows)."""
    data = LimiDataset()
    for path in map(Path, paths):
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise DatasetError(f"{path}: no such file; pass a JSONL file of LIMI rows (limi-cli export writes one)") from None
        except OSError as e:
            raise DatasetError(f"{path}: cannot read: {e.strerror or e}") from None
        if is_session_log(raw):
            raise DatasetError(f"{path} is a session log, not a dataset; export it first: limi-cli export --all -o data.jsonl")
        source = SourceFile(path=path, sha256=sha256(raw))
        data.files.append(source)
        for line, row, error in read_rows(path, raw):
            where = f"{path}:{line}"
            problem = f"not valid JSON: {error}" if error is not None else _first_problem(row)
            if problem is not None:
                if not skip_invalid:
                    raise DatasetError(f"{where}: {problem} (fix the row, or pass --skip-invalid to leave such rows out)")
                data.skipped.append((where, problem))
                source.skipped += 1
                continue
            data.rows.append(LimiRow(row=row, source=path, line=line))
            source.rows += 1
    if not data.rows:
        names = ", ".join(str(p) for p in paths)
        raise DatasetError(f"{names}: no valid rows to train on" + (f" ({len(data.skipped)} skipped as invalid)" if data.skipped else ""))
    return data


def _first_problem(row: Any) -> str | None:
    problems = validate_row(row, allow_unknown_tools=True)
    if not problems and isinstance(row, dict):
        for i, m in enumerate(row["messages"]):
            if "train" in m and not isinstance(m["train"], bool):
                problems.append(f"messages[{i}]: train must be true or false")
            if "weight" in m and (isinstance(m["weight"], bool) or not isinstance(m["weight"], (int, float))):
                problems.append(f"messages[{i}]: weight must be a number")
    return first_problem(problems) if problems else None
