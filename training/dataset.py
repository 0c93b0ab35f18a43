"""Reading LIMI training rows from JSONL or JSON files, each row validated before any training.

A row is ``{"tools": [...], "messages": [...]}`` (FORMATS.md §1), what ``limi-cli export``
writes and what the public LIMI release holds. Every row goes through
:func:`agent.export.validate_row`; the first bad row stops the load with ``file:line: reason``
(a :class:`DatasetError`), unless ``skip_invalid`` is set, in which case it is counted and
left out. Validation uses ``allow_unknown_tools`` because exported sessions keep calls to
tools the row does not list (with the error the model got back), exactly as they happened.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.export import validate_row


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
        source = SourceFile(path=path, sha256=hashlib.sha256(raw).hexdigest())
        data.files.append(source)
        text = raw.decode("utf-8", errors="replace")
        for line, row, problem in _parse(path, text):
            where = f"{path}:{line}"
            problem = problem or _first_problem(row)
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


def _parse(path: Path, text: str):
    """Yield ``(line, row, problem)``; ``problem`` is set when the JSON itself is broken."""
    stripped = text.lstrip()
    if path.suffix == ".json" or stripped.startswith("["):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as e:
            yield e.lineno, None, f"not valid JSON: {e.msg} at column {e.colno}"
            return
        items = doc if isinstance(doc, list) else doc.get("rows") if isinstance(doc, dict) and "rows" in doc else [doc]
        for i, row in enumerate(items if isinstance(items, list) else [items], start=1):
            yield i, row, None
        return
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield n, json.loads(line), None
        except json.JSONDecodeError as e:
            yield n, None, f"not valid JSON: {e.msg} at column {e.colno}"


def _first_problem(row: Any) -> str | None:
    problems = validate_row(row, allow_unknown_tools=True)
    if not problems and isinstance(row, dict):
        for i, m in enumerate(row["messages"]):
            if "train" in m and not isinstance(m["train"], bool):
                problems.append(f"messages[{i}]: train must be true or false")
            if "weight" in m and (isinstance(m["weight"], bool) or not isinstance(m["weight"], (int, float))):
                problems.append(f"messages[{i}]: weight must be a number")
    if not problems:
        return None
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return problems[0] + more
