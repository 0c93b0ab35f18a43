"""Parse a source file with tree-sitter into its definitions and the names it references.

Grammars come from the per-language wheels on PyPI (``tree-sitter-python`` and friends),
which carry the compiled grammar; nothing is downloaded at run time. tree_sitter is
imported only when a file is first parsed.

Each file is parsed once and walked once: one query holds the definition patterns and the
reference pattern, and its captures come back as lists of nodes, read with C-level
``map`` calls rather than a Python loop per identifier. What a file yields is a compact
:class:`FileRecord` (tuples and arrays) that the index stores as it is; :class:`FileTags`
turns it into :class:`Symbol` objects and a name -> lines dict only when they are asked for.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import struct
import sys
import zlib
from array import array
from collections import Counter
from functools import lru_cache
from itertools import compress
from operator import attrgetter
from pathlib import PurePath
from typing import Any, NamedTuple

from agent.codeintel.queries import CONTAINER_KINDS, DEFINITIONS, REFERENCES

# language -> (grammar module, function returning the language pointer)
GRAMMARS: dict[str, tuple[str, str]] = {
    "python": ("tree_sitter_python", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "go": ("tree_sitter_go", "language"),
    "rust": ("tree_sitter_rust", "language"),
    "java": ("tree_sitter_java", "language"),
    "c": ("tree_sitter_c", "language"),
    "cpp": ("tree_sitter_cpp", "language"),
}

EXTENSIONS: dict[str, str] = {
    ".py": "python", ".pyi": "python",
    ".js": "javascript", ".jsx": "javascript", ".mjs": "javascript", ".cjs": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx",
    ".go": "go", ".rs": "rust", ".java": "java",
    ".c": "c", ".h": "c",
    ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".c++": "cpp", ".hpp": "cpp", ".hh": "cpp", ".hxx": "cpp",
}

MAX_SIGNATURE_CHARS = 160


def language_for(path: str | PurePath) -> str | None:
    """The language of a file by its extension, or None if it is not one we parse."""
    name = os.path.basename(path)
    dot = name.rfind(".")
    return EXTENSIONS.get(name[dot:].lower()) if dot > 0 else None



class Symbol(NamedTuple):
    """One definition: where it is (1-based, inclusive lines) and how it reads."""

    name: str
    kind: str  # class, function, method, struct, interface, ...
    line: int
    end_line: int
    signature: str  # the source line holding the name (indentation kept, cut to MAX_SIGNATURE_CHARS)
    parent: str | None = None  # the enclosing definition's name

    def to_row(self) -> list[Any]:
        return list(self)

    @classmethod
    def from_row(cls, row: list[Any] | tuple[Any, ...]) -> Symbol:
        return cls(*row)


class FileRecord(NamedTuple):
    """What parsing one file yields, in a compact form: the definitions as rows (the fields
    of :class:`Symbol`), and the references as parallel arrays: for each use of a name, the
    position of the name in ``names`` and the 0-based line. ``counts[i]`` is how often
    ``names[i]`` is used; names are in the order of their first use."""

    language: str
    definitions: tuple[tuple[Any, ...], ...]
    names: tuple[str, ...]
    counts: tuple[int, ...]
    ref_names: array  # index into names, per use, in source order
    ref_rows: array  # 0-based line, per use

    @property
    def definition_names(self) -> list[str]:
        return [row[0] for row in self.definitions]


class FileTags:
    """What one file defines, and every name it uses (name -> lines, in order).

    Built from a :class:`FileRecord`, it makes the :class:`Symbol` list and the
    name -> lines dict the first time each is read; the repo map needs neither (it reads
    :meth:`definition_names` and :meth:`reference_counts`)."""

    __slots__ = ("language", "_record", "_definitions", "_references")

    def __init__(self, language: str, definitions: list[Symbol] | None = None,
                 references: dict[str, list[int]] | None = None):
        self.language = language
        self._record: FileRecord | StoredRecord | None = None
        self._definitions = definitions if definitions is not None else []
        self._references = references if references is not None else {}

    @classmethod
    def from_record(cls, record: FileRecord | StoredRecord) -> FileTags:
        tags = cls.__new__(cls)
        tags.language = record.language
        tags._record = record
        tags._definitions = None
        tags._references = None
        return tags

    @property
    def definitions(self) -> list[Symbol]:
        if self._definitions is None:
            self._definitions = list(map(Symbol._make, self._record.definitions))
        return self._definitions

    @property
    def references(self) -> dict[str, list[int]]:
        if self._references is None:
            rec = self._record
            refs: dict[str, list[int]] = {name: [] for name in rec.names}
            lists = [refs[name] for name in rec.names]
            for i, row in zip(rec.ref_names, rec.ref_rows):
                lists[i].append(row + 1)
            self._references = refs
        return self._references

    def definition_names(self) -> list[str]:
        if self._record is not None:
            return self._record.definition_names
        return [s.name for s in self._definitions]

    def reference_counts(self) -> tuple[tuple[str, ...] | list[str], tuple[int, ...] | list[int]]:
        """The names this file uses (first use first) and how often it uses each."""
        if self._record is not None:
            return self._record.names, self._record.counts
        return list(self._references), [len(rows) for rows in self._references.values()]

    def lines_of(self, name: str) -> list[int]:
        """The 1-based lines where this file uses ``name`` (a line once per use), in order."""
        rec = self._record
        if rec is None or self._references is not None:
            return list(self.references.get(name, ()))
        try:
            i = rec.names.index(name)
        except ValueError:
            return []
        return [row + 1 for row in compress(rec.ref_rows, map(i.__eq__, rec.ref_names))]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FileTags):
            return NotImplemented
        return (self.language, self.definitions, self.references) == (other.language, other.definitions, other.references)

    def __repr__(self) -> str:
        return f"FileTags({self.language!r}, {len(self.definitions)} definitions, {len(self.references)} names used)"


# -- the cache form of a record ---------------------------------------------------------
#
# zlib of: a header (counts and array type codes), then unsigned ints (line, end line and
# has-parent per definition, then the use count per name), the two reference arrays, and
# the strings (definition names, kinds, signatures, parents, used names) joined by NUL, or
# as a JSON list when one of them holds a NUL. Only zlib, struct, array and str methods read
# it back: a damaged row is an error for that file, never code run.

_MAGIC = b"LR1" + (b"l" if sys.byteorder == "little" else b"b")
_HEADER = struct.Struct("=IIIccc")


def encode_record(record: FileRecord) -> bytes:
    defs = record.definitions
    ints = array("I")
    for _, _, line, end_line, _, parent in defs:
        ints.extend((line, end_line, parent is not None))
    ints.extend(record.counts)
    strings = [d[0] for d in defs] + [d[1] for d in defs] + [d[4] for d in defs]
    strings += [d[5] for d in defs if d[5] is not None]
    strings += record.names
    joined = "\0".join(strings)
    if joined.count("\0") == len(strings) - 1 or not strings:
        mode, text = b"0", joined.encode("utf-8", "surrogatepass")
    else:
        mode, text = b"J", json.dumps(strings).encode()
    header = _HEADER.pack(len(defs), len(record.names), len(record.ref_names),
                          record.ref_names.typecode.encode(), record.ref_rows.typecode.encode(), mode)
    payload = b"".join((header, ints.tobytes(), record.ref_names.tobytes(), record.ref_rows.tobytes(), text))
    return _MAGIC + zlib.compress(payload, 1)


class StoredRecord:
    """A record as the cache holds it (see :func:`encode_record`). What the repo map reads
    (definition names, used names and their counts) is split out at once; the definition
    rows and the per-use arrays are made when first read. ValueError when ``blob`` is not
    a record."""

    __slots__ = ("language", "names", "counts", "definition_names", "_strings", "_ints", "_n_defs",
                 "_arrays", "_codes", "_n_refs", "_definitions", "_ref_names", "_ref_rows")

    def __init__(self, blob: bytes, language: str):
        if blob[:len(_MAGIC)] != _MAGIC:
            raise ValueError("not a code index record")
        try:
            payload = zlib.decompress(blob[len(_MAGIC):])  # checks the adler32 of the data
            n_defs, n_names, n_refs, names_code, rows_code, mode = _HEADER.unpack_from(payload)
            at = _HEADER.size
            ints = array("I")
            ints.frombytes(payload[at:at + 4 * (3 * n_defs + n_names)])
            at += 4 * (3 * n_defs + n_names)
            codes = (names_code.decode(), rows_code.decode())
            size = n_refs * (array(codes[0]).itemsize + array(codes[1]).itemsize)
            arrays = payload[at:at + size]
            n_parents = sum(ints[2:3 * n_defs:3])
            text = payload[at + size:].decode("utf-8", "surrogatepass")
            if mode == b"J":
                strings = json.loads(text)
            else:  # no strings and one empty string both write "": the counts tell which
                strings = text.split("\0") if 3 * n_defs + n_parents + n_names else []
        except (zlib.error, struct.error, UnicodeDecodeError, TypeError, ValueError) as e:
            raise ValueError(f"damaged code index record: {e}") from None
        if (len(ints) != 3 * n_defs + n_names or len(arrays) != size or (n_names == 0) != (n_refs == 0)
                or not isinstance(strings, list) or len(strings) != 3 * n_defs + n_parents + n_names):
            raise ValueError("damaged code index record: sizes do not match")
        self.language = language
        self.definition_names = strings[:n_defs]
        self.names = tuple(strings[3 * n_defs + n_parents:]) if n_names else ()
        self.counts = tuple(ints[3 * n_defs:])
        self._strings, self._ints, self._n_defs = strings, ints, n_defs
        self._arrays, self._codes, self._n_refs = arrays, codes, n_refs
        self._definitions: tuple[tuple[Any, ...], ...] | None = None
        self._ref_names: array | None = None
        self._ref_rows: array | None = None

    @property
    def definitions(self) -> tuple[tuple[Any, ...], ...]:
        if self._definitions is None:
            strings, ints, n = self._strings, self._ints, self._n_defs
            has_parent = ints[2:3 * n:3]
            parents = iter(strings[3 * n:])
            self._definitions = tuple(
                (name, kind, line, end_line, signature, next(parents) if flag else None)
                for name, kind, signature, line, end_line, flag in zip(
                    strings[:n], strings[n:2 * n], strings[2 * n:3 * n], ints[0:3 * n:3], ints[1:3 * n:3], has_parent)
            )
        return self._definitions

    @property
    def ref_names(self) -> array:
        if self._ref_names is None:
            names, rows = array(self._codes[0]), array(self._codes[1])
            split = self._n_refs * names.itemsize
            names.frombytes(self._arrays[:split])
            rows.frombytes(self._arrays[split:])
            if self._n_refs and max(names) >= len(self.names):
                raise ValueError("damaged code index record: a use of an unknown name")
            self._ref_names, self._ref_rows, self._arrays = names, rows, b""
        return self._ref_names

    @property
    def ref_rows(self) -> array:
        if self._ref_rows is None:
            self.ref_names  # noqa: B018 (reads both arrays)
        return self._ref_rows


def decode_record(blob: bytes, language: str) -> FileRecord:
    """The record :func:`encode_record` wrote, in full; ValueError when ``blob`` is not one."""
    stored = StoredRecord(blob, language)
    return FileRecord(language, stored.definitions, stored.names, stored.counts, stored.ref_names, stored.ref_rows)


_CAPTURE = re.compile(rb"@([A-Za-z_][\w.]*)")


class Grammar:
    """A language's parser and compiled queries (built once per process and language)."""

    def __init__(self, language: str):
        import tree_sitter as ts

        module, func = GRAMMARS[language]
        self.name = language
        self.language = ts.Language(getattr(importlib.import_module(module), func)())
        self.parser = ts.Parser(self.language)
        self.definitions = ts.Query(self.language, DEFINITIONS[language])  # its matches: the fallback
        self._cursor_type = ts.QueryCursor
        self.combined, self.patterns = self._combine(ts)

    def _combine(self, ts: Any) -> tuple[Any, list[tuple[str, str, str]] | None]:
        """One query with every definition pattern and the reference pattern, each definition
        pattern's captures renamed ``n<i>`` (the name) and ``d<i>.<kind>`` (the definition), so
        a single walk of the tree gives both, and each capture says which pattern made it.
        A pattern with other captures than those two cannot be told apart so: then the query
        is the references alone and definitions come from the matches (no patterns)."""
        source = DEFINITIONS[self.name].encode()
        parts, patterns = [], []
        for i in range(self.definitions.pattern_count):
            text = source[self.definitions.start_byte_for_pattern(i):self.definitions.end_byte_for_pattern(i)]
            captures = [m.decode() for m in _CAPTURE.findall(text)]
            kinds = [c.removeprefix("definition.") for c in captures if c.startswith("definition.")]
            if set(captures) - {f"definition.{k}" for k in kinds} != {"name"} or len(set(kinds)) != 1:
                return ts.Query(self.language, REFERENCES[self.name]), None

            def rename(m: re.Match[bytes], i: int = i) -> bytes:
                return b"@n%d" % i if m.group(1) == b"name" else b"@d%d.%s" % (i, m.group(1)[len(b"definition."):])

            parts.append(_CAPTURE.sub(rename, text).decode())
            patterns.append((f"n{i}", f"d{i}.{kinds[0]}", kinds[0]))
        return ts.Query(self.language, "\n".join(parts) + "\n" + REFERENCES[self.name]), patterns

    def record(self, source: bytes) -> FileRecord:
        root = self.parser.parse(source).root_node
        cursor = self._cursor_type(self.combined)
        captures = cursor.captures(root)
        refs = captures.pop("ref", [])
        found = None if cursor.did_exceed_match_limit or self.patterns is None else self._paired(captures)
        if found is None:  # the captures could not be paired safely: ask for the matches
            found = self._matched(root)
        lines = source.split(b"\n")
        symbols = []
        for _, name, node, kind in found.values():
            row = name.start_point[0]
            signature = lines[row].decode("utf-8", "replace").rstrip()[:MAX_SIGNATURE_CHARS]
            text = source[name.start_byte:name.end_byte].decode("utf-8", "replace")
            symbols.append((text, kind, node.start_point[0] + 1, node.end_point[0] + 1, signature))
        symbols.sort(key=_line_then_longest)
        return FileRecord(self.name, tuple(_nest(symbols)), *_references(source, refs, found))

    def _paired(self, captures: dict[str, list[Any]]) -> dict[int, tuple[int, Any, Any, str]] | None:
        """Definitions from the captures: in source order, the k-th name of a pattern belongs
        to its k-th definition. None when that does not hold up (counts differ, or a name
        lies outside its definition); the caller then asks for the matches."""
        found: dict[int, tuple[int, Any, Any, str]] = {}
        for pattern, (name_key, def_key, kind) in enumerate(self.patterns):
            names, nodes = captures.get(name_key), captures.get(def_key)
            if names is None and nodes is None:
                continue
            if names is None or nodes is None or len(names) != len(nodes):
                return None
            names = sorted(names, key=_start_byte)
            nodes = sorted(nodes, key=_start_then_longest)
            for name, node in zip(names, nodes):
                start = name.start_byte
                if not (node.start_byte <= start and name.end_byte <= node.end_byte):
                    return None
                if start not in found:  # the first pattern that names it wins
                    found[start] = (pattern, name, node, kind)
        return dict(sorted(found.items()))

    def _matched(self, root: Any) -> dict[int, tuple[int, Any, Any, str]]:
        found: dict[int, tuple[int, Any, Any, str]] = {}  # name start byte -> (pattern, name, node, kind)
        for pattern, captures in self._cursor_type(self.definitions).matches(root):
            names = captures.get("name")
            key = next((key for key in captures if key.startswith("definition.")), None)
            if not names or key is None:
                continue
            name = names[0]
            if name.start_byte in found and found[name.start_byte][0] <= pattern:
                continue
            found[name.start_byte] = (pattern, name, captures[key][0], key.removeprefix("definition."))
        return dict(sorted(found.items()))

    def tags(self, language: str, source: bytes) -> FileTags:
        return FileTags.from_record(self.record(source))


_start_byte = attrgetter("start_byte")
_end_byte = attrgetter("end_byte")
_start_row = attrgetter("start_point.row")


def _start_then_longest(node: Any) -> tuple[int, int]:
    return node.start_byte, -node.end_byte


def _line_then_longest(symbol: tuple[Any, ...]) -> tuple[int, int]:
    return symbol[2], -symbol[3]


def _references(source: bytes, refs: list[Any], found: dict[int, Any]) -> tuple[tuple[str, ...], tuple[int, ...], array, array]:
    """names, counts, ref_names, ref_rows of the reference captures, leaving out each
    definition's own name; all per-node work is ``map`` over C getters. The captures come
    as a set (no order): they are put in source order, so a file always gives the same record."""
    by_start = dict(zip(map(_start_byte, refs), refs))  # leaves: one per start byte
    for start in found:
        by_start.pop(start, None)
    starts = sorted(by_start)
    refs = list(map(by_start.__getitem__, starts))
    raw = list(map(source.__getitem__, map(slice, starts, map(_end_byte, refs))))
    unique = dict.fromkeys(raw)
    names = tuple(b.decode("utf-8", "replace") for b in unique)
    if len(set(names)) == len(names):
        position = dict(zip(unique, range(len(names))))
        keys: list[Any] = raw
    else:  # bytes that are not UTF-8 can decode alike: the decoded name is the name
        keys = list(map(dict(zip(unique, names)).__getitem__, raw))
        names = tuple(dict.fromkeys(names))
        position = dict(zip(names, range(len(names))))
    ref_names = array("H" if len(names) < 1 << 16 else "I", map(position.__getitem__, keys))
    rows = list(map(_start_row, refs))
    ref_rows = array("H" if not rows or max(rows) < 1 << 16 else "I", rows)
    count = Counter(ref_names)
    return names, tuple(map(count.__getitem__, range(len(names)))), ref_names, ref_rows


def _nest(symbols: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Set each symbol's parent (the innermost definition around it); functions in classes are methods."""
    out: list[tuple[Any, ...]] = []
    stack: list[tuple[Any, ...]] = []
    for name, kind, line, end_line, signature in symbols:
        while stack and not (stack[-1][2] <= line and end_line <= stack[-1][3]):
            stack.pop()
        parent = stack[-1] if stack else None
        if kind == "function" and parent is not None and parent[1] in CONTAINER_KINDS:
            kind = "method"
        row = (name, kind, line, end_line, signature, parent[0] if parent else None)
        out.append(row)
        stack.append(row)
    return out


@lru_cache(maxsize=None)
def grammar(language: str) -> Grammar:
    return Grammar(language)


def extract(source: bytes, language: str) -> FileRecord:
    """The compact definitions and references of ``source`` written in ``language``."""
    return grammar(language).record(source)


def parse_source(source: bytes, language: str) -> FileTags:
    """Definitions and references of ``source`` written in ``language`` (a key of GRAMMARS)."""
    return FileTags.from_record(extract(source, language))
