"""The code index of a workspace: every source file's definitions and references, cached.

The cache is one SQLite file per workspace under the user cache dir
(``$XDG_CACHE_HOME/limi-cli/codeintel/``), one row per file keyed by path, size and
mtime, holding the file's compact record (:func:`agent.codeintel.parser.encode_record`).
:meth:`CodeIndex.refresh` walks the workspace (honouring .gitignore), reparses only files
whose size or mtime changed (many at once: in worker processes, see :mod:`.workers`), and
drops rows of files that are gone. It reads only the keys: records are read and decoded
when something asks for them (:attr:`CodeIndex.files`, :meth:`CodeIndex.file`).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from agent.codeintel.parser import FileRecord, FileTags, StoredRecord, Symbol, encode_record, language_for

_POSIX = os.sep == "/"
CACHE_VERSION = 2  # bump when queries or the row layout change: old caches are rebuilt
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
    in_workers: int = 0  # of the parsed, how many in worker processes


@dataclass(frozen=True)
class Location:
    path: str  # relative to the workspace root, '/'-separated
    symbol: Symbol


Row = tuple[str, int, int, str, bytes]  # path, size, mtime_ns, language, record


class CodeIndex:
    """Definitions and references of every source file under ``root``; call :meth:`refresh` first.

    ``jobs``: processes to parse with when many files changed (default: the CPUs there are)."""

    def __init__(self, root: Path, cache_path: Path | None = None, jobs: int | None = None):
        self.root = Path(root).resolve()
        self.cache_path = cache_path if cache_path is not None else default_cache_path(self.root)
        self.jobs = jobs
        self._keys: dict[str, tuple[int, int]] = {}  # path -> (size, mtime_ns) of what the index holds
        self._languages: dict[str, str] = {}
        self._tags: dict[str, FileTags] = {}  # decoded
        self._encoded: dict[str, bytes] = {}  # records from workers or the cache, not decoded yet
        self._unread: set[str] = set()  # in the cache, record not read yet
        self._files: dict[str, FileTags] | None = None  # every file's tags, by path, once asked for
        self._loaded = False
        self.parse_count = 0  # files parsed by this object, for tests and benchmarks
        self.worker_parse_count = 0  # of those, parsed in worker processes

    # -- keeping it current ---------------------------------------------------------

    def refresh(self) -> RefreshStats:
        """Bring the index up to date with the files on disk; reparse only what changed."""
        from agent.tools.search import walk_files
        from agent.tools.workspace import Workspace

        self._load()
        stats, seen = RefreshStats(), set()
        changed: list[tuple[str, str, int]] = []
        new_keys: dict[str, tuple[int, int]] = {}
        prefix = len(str(self.root).rstrip("/")) + 1
        for entry in walk_files(Workspace(self.root), self.root):
            language = language_for(entry.path)
            if language is None:
                continue
            rel = str(entry.path)[prefix:] if _POSIX else entry.path.relative_to(self.root).as_posix()
            key = _stat_key(entry.path)
            if key is None or key[0] > MAX_FILE_BYTES:
                continue
            seen.add(rel)
            if self._keys.get(rel) != key:
                changed.append((rel, language, key[0]))
                new_keys[rel] = key
        gone = [rel for rel in self._keys if rel not in seen]
        for rel in gone:
            self._forget(rel)
        before = self.worker_parse_count
        rows = self._parse(changed, new_keys)
        stats.files, stats.parsed, stats.removed = len(seen), len(changed), len(gone)
        stats.in_workers = self.worker_parse_count - before
        if rows or gone:
            self._save(rows, gone)
        return stats

    def file(self, rel: str) -> FileTags | None:
        """The tags of one file (relative path), reparsed if it changed; None if not a source file."""
        self._load()
        path = self.root / rel
        key = _stat_key(path)
        language = language_for(path)
        if key is None or language is None:
            return None
        if self._keys.get(rel) != key:
            rows = self._parse([(rel, language, key[0])], {rel: key})
            if rows:
                self._save(rows, [])
        if rel not in self._keys:
            return None
        return self._tags_of(rel)

    def _parse(self, items: list[tuple[str, str, int]], keys: dict[str, tuple[int, int]]) -> list[Row]:
        """Parse ``items`` and take them in; the rows to save."""
        from agent.codeintel.workers import parse_files

        rows: list[Row] = []
        languages = {rel: language for rel, language, _ in items}
        for rel, result in parse_files(self.root, items, self.jobs):
            self._forget(rel)
            if result is None:  # unreadable now: not indexed (tried again next time)
                continue
            language = languages[rel]
            if isinstance(result, FileRecord):
                self._tags[rel] = FileTags.from_record(result)
                blob = encode_record(result)
            else:
                self._encoded[rel] = blob = result
                self.worker_parse_count += 1
            self._keys[rel], self._languages[rel] = keys[rel], language
            rows.append((rel, *keys[rel], language, blob))
            self.parse_count += 1
        self._files = None
        return rows

    def _forget(self, rel: str) -> None:
        for table in (self._keys, self._languages, self._tags, self._encoded):
            table.pop(rel, None)
        self._unread.discard(rel)
        self._files = None

    # -- reading records --------------------------------------------------------------

    @property
    def files(self) -> dict[str, FileTags]:
        """Every indexed file's tags, by relative path (sorted)."""
        if self._files is None:
            self._load()
            if self._unread:
                self._read_records(self._unread)
            damaged = [rel for rel in list(self._encoded) if not self._decode(rel)]
            if damaged:
                self._repair(damaged)
            self._files = {rel: self._tags[rel] for rel in sorted(self._tags)}
        return self._files

    def _tags_of(self, rel: str) -> FileTags:
        tags = self._tags.get(rel)
        if tags is None:
            if rel in self._unread:
                self._read_records({rel})
            if not self._decode(rel):
                self._repair([rel])
            tags = self._tags.get(rel)
        return tags if tags is not None else FileTags(language_for(rel) or "")

    def _decode(self, rel: str) -> bool:
        """Take in the encoded record of ``rel``; False when it is damaged (or missing)."""
        blob = self._encoded.pop(rel, None)
        if blob is None:
            return rel in self._tags
        try:
            self._tags[rel] = FileTags.from_record(StoredRecord(blob, self._languages[rel]))
        except ValueError:
            return False
        return True

    def _repair(self, rels: list[str]) -> None:
        """Parse again the files whose cached records are damaged, and save them."""
        keys = {rel: self._keys.get(rel) or (0, 0) for rel in rels}
        for rel in rels:
            self._forget(rel)
        rows = self._parse([(rel, language_for(rel) or "", keys[rel][0]) for rel in rels], keys)
        if rows:
            self._save(rows, [])

    def _read_records(self, wanted: set[str]) -> None:
        found: dict[str, bytes] = {}
        try:
            db = self._connect()
            try:
                if len(wanted) == 1:
                    query = db.execute("SELECT path, record FROM files WHERE path = ?", (next(iter(wanted)),))
                else:
                    query = db.execute("SELECT path, record FROM files")
                found = {rel: blob for rel, blob in query if rel in wanted}
            finally:
                db.close()
        except sqlite3.Error:
            pass
        for rel in list(wanted):
            self._unread.discard(rel)
            blob = found.get(rel)
            self._encoded[rel] = blob if isinstance(blob, bytes) else b""  # b"": missing, parsed again

    # -- queries --------------------------------------------------------------------

    def definitions(self) -> Iterator[Location]:
        for rel, tags in self.files.items():
            for symbol in tags.definitions:
                yield Location(rel, symbol)

    def defined_names(self) -> dict[str, set[str]]:
        """Each defined name -> the files that define it."""
        out: dict[str, set[str]] = {}
        for rel, tags in self.files.items():
            for name in tags.definition_names():
                out.setdefault(name, set()).add(rel)
        return out

    def references_to(self, name: str) -> dict[str, list[int]]:
        """File -> the 1-based lines where it uses ``name`` (a line once per use), files sorted."""
        out = {}
        for rel, tags in self.files.items():
            lines = tags.lines_of(name)
            if lines:
                out[rel] = lines
        return out

    def state(self) -> str:
        """A digest of what the index holds (every file's path, size and mtime)."""
        self._load()
        digest = hashlib.sha1(str(CACHE_VERSION).encode())
        for rel in sorted(self._keys):
            digest.update(f"{rel}\0{self._keys[rel][0]}\0{self._keys[rel][1]}\n".encode())
        return digest.hexdigest()

    # -- the on-disk cache ------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return self._open()
        except sqlite3.DatabaseError:  # not a database (damaged): start a new one
            self.cache_path.unlink(missing_ok=True)
            return self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.cache_path)
        try:
            if db.execute("PRAGMA user_version").fetchone()[0] != CACHE_VERSION:
                with db:
                    db.execute("DROP TABLE IF EXISTS files")
                    db.execute("DROP TABLE IF EXISTS extras")
                    db.execute(f"PRAGMA user_version = {CACHE_VERSION}")
            db.execute("CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, "
                       "language TEXT, record BLOB)")
            db.execute("CREATE TABLE IF NOT EXISTS extras (key TEXT PRIMARY KEY, state TEXT, value TEXT)")
        except sqlite3.Error:
            db.close()
            raise
        return db

    def _load(self) -> None:
        """The keys of the cached files (their records are read when asked for)."""
        if self._loaded:
            return
        self._loaded = True
        try:
            db = self._connect()
        except (sqlite3.Error, OSError):  # an unusable cache is rebuilt in memory
            return
        try:
            for rel, size, mtime, language in db.execute("SELECT path, size, mtime_ns, language FROM files"):
                self._keys[rel] = (size, mtime)
                self._languages[rel] = language
                self._unread.add(rel)
        except sqlite3.Error:
            self._keys.clear()
            self._languages.clear()
            self._unread.clear()
        finally:
            db.close()

    def _save(self, rows: list[Row], gone: list[str]) -> None:
        try:
            db = self._connect()
        except (sqlite3.Error, OSError):
            return  # no cache (read-only home): the index still works in memory
        try:
            with db:
                db.executemany("DELETE FROM files WHERE path = ?", [(rel,) for rel in gone])
                db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?)", rows)
        except sqlite3.Error:
            pass
        finally:
            db.close()

    def extra(self, key: str) -> tuple[str, str] | None:
        """A value kept beside the index (the rendered repo map): (state, value), or None."""
        try:
            db = self._connect()
        except (sqlite3.Error, OSError):
            return None
        try:
            row = db.execute("SELECT state, value FROM extras WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            row = None
        finally:
            db.close()
        return (row[0], row[1]) if row else None

    def set_extra(self, key: str, state: str, value: str) -> None:
        try:
            db = self._connect()
        except (sqlite3.Error, OSError):
            return
        try:
            with db:
                db.execute("INSERT OR REPLACE INTO extras VALUES (?, ?, ?)", (key, state, value))
        except sqlite3.Error:
            pass
        finally:
            db.close()


def _stat_key(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns
