"""The code index of a workspace: every source file's definitions and references, cached.

The cache is one SQLite file per workspace under the user cache dir
(``$XDG_CACHE_HOME/limi-cli/codeintel/``), one row per file keyed by path, size and
mtime. :meth:`CodeIndex.refresh` walks the workspace (honouring .gitignore), reparses only
files whose size or mtime changed, and drops rows of files that are gone.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from agent.codeintel.parser import FileTags, Symbol, language_for, parse_source

CACHE_VERSION = 1  # bump when queries or the row layout change: old caches are rebuilt
MAX_FILE_BYTES = 1024 * 1024  # bigger source files are generated or vendored: not indexed


def default_cache_path(root: Path) -> Path:
    """Where the index of ``root`` is cached: the user cache dir, one file per workspace."""
    from agent.config import workspace_cache_path

    return workspace_cache_path("codeintel", root, ".sqlite")


@dataclass
class RefreshStats:
    files: int = 0  # source files in the workspace
    parsed: int = 0  # parsed now (new or changed)
    removed: int = 0  # gone since the last refresh


@dataclass(frozen=True)
class Location:
    path: str  # relative to the workspace root, '/'-separated
    symbol: Symbol


class CodeIndex:
    """Definitions and references of every source file under ``root``; call :meth:`refresh` first."""

    def __init__(self, root: Path, cache_path: Path | None = None):
        self.root = Path(root).resolve()
        self.cache_path = cache_path if cache_path is not None else default_cache_path(self.root)
        self.files: dict[str, FileTags] = {}
        self._keys: dict[str, tuple[int, int]] = {}  # path -> (size, mtime_ns) of what self.files holds
        self._loaded = False
        self.parse_count = 0  # files parsed by this object, for tests and benchmarks

    # -- keeping it current ---------------------------------------------------------

    def refresh(self) -> RefreshStats:
        """Bring the index up to date with the files on disk; reparse only what changed."""
        from agent.tools.search import walk_files
        from agent.tools.workspace import Workspace

        self._load()
        stats, seen, changed = RefreshStats(), set(), []
        for entry in walk_files(Workspace(self.root), self.root):
            if language_for(entry.path) is None:
                continue
            rel = entry.path.relative_to(self.root).as_posix()
            key = _stat_key(entry.path)
            if key is None or key[0] > MAX_FILE_BYTES:
                continue
            seen.add(rel)
            if self._keys.get(rel) != key:
                changed.append((rel, entry.path, key))
        gone = [rel for rel in self._keys if rel not in seen]
        for rel in gone:
            self.files.pop(rel, None)
            self._keys.pop(rel, None)
        for rel, path, key in changed:
            self._parse(rel, path, key)
        stats.files, stats.parsed, stats.removed = len(seen), len(changed), len(gone)
        if changed or gone:
            self._save([rel for rel, _, _ in changed], gone)
        return stats

    def file(self, rel: str) -> FileTags | None:
        """The tags of one file (relative path), reparsed if it changed; None if not a source file."""
        self._load()
        path = self.root / rel
        key = _stat_key(path)
        if key is None or language_for(path) is None:
            return None
        if self._keys.get(rel) != key:
            self._parse(rel, path, key)
            self._save([rel], [])
        return self.files.get(rel)

    def _parse(self, rel: str, path: Path, key: tuple[int, int]) -> None:
        # imported here as refresh imports walk_files: agent.tools pulls in pydantic and the tools
        from agent.tools.base import ToolError
        from agent.tools.safe_open import read_under
        from agent.tools.workspace import OutsideWorkspace

        try:  # by descriptor from the root: a link swapped in, a FIFO or a device is not read
            source = read_under(self.root, rel)
        except (OSError, OutsideWorkspace, ToolError):  # ToolError: a FIFO, socket or device
            return
        self.files[rel] = parse_source(source, language_for(path) or "")
        self._keys[rel] = key
        self.parse_count += 1

    # -- queries --------------------------------------------------------------------

    def definitions(self) -> Iterator[Location]:
        for rel in sorted(self.files):
            for symbol in self.files[rel].definitions:
                yield Location(rel, symbol)

    def defined_names(self) -> dict[str, set[str]]:
        """Each defined name -> the files that define it."""
        out: dict[str, set[str]] = {}
        for rel, tags in self.files.items():
            for symbol in tags.definitions:
                out.setdefault(symbol.name, set()).add(rel)
        return out

    # -- the on-disk cache ------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.cache_path)
        if db.execute("PRAGMA user_version").fetchone()[0] != CACHE_VERSION:
            db.execute("DROP TABLE IF EXISTS files")
            db.execute(f"PRAGMA user_version = {CACHE_VERSION}")
        db.execute("CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, "
                   "language TEXT, definitions TEXT, refs TEXT)")
        return db

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        try:
            db = self._connect()
        except sqlite3.Error:  # an unreadable cache is rebuilt
            return
        with db:
            for rel, size, mtime, language, defs, refs in db.execute("SELECT * FROM files"):
                self._keys[rel] = (size, mtime)
                self.files[rel] = FileTags(language, [Symbol.from_row(r) for r in json.loads(defs)], json.loads(refs))
        db.close()

    def _save(self, changed: list[str], gone: list[str]) -> None:
        try:
            db = self._connect()
        except sqlite3.Error:
            return  # no cache (read-only home): the index still works in memory
        with db:
            db.executemany("DELETE FROM files WHERE path = ?", [(rel,) for rel in gone])
            db.executemany(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?)",
                [(rel, *self._keys[rel], self.files[rel].language,
                  json.dumps([s.to_row() for s in self.files[rel].definitions], separators=(",", ":")),
                  json.dumps(self.files[rel].references, separators=(",", ":")))
                 for rel in changed if rel in self.files],
            )
        db.close()


def _stat_key(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns
