"""Parse a source file with tree-sitter into its definitions and the names it references.

Grammars come from the per-language wheels on PyPI (``tree-sitter-python`` and friends),
which carry the compiled grammar; nothing is downloaded at run time. tree_sitter is
imported only when a file is first parsed.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePath
from typing import Any

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
    return EXTENSIONS.get(PurePath(path).suffix.lower())


@dataclass(frozen=True)
class Symbol:
    """One definition: where it is (1-based, inclusive lines) and how it reads."""

    name: str
    kind: str  # class, function, method, struct, interface, ...
    line: int
    end_line: int
    signature: str  # the source line holding the name (indentation kept, cut to MAX_SIGNATURE_CHARS)
    parent: str | None = None  # the enclosing definition's name

    def to_row(self) -> list[Any]:
        return [self.name, self.kind, self.line, self.end_line, self.signature, self.parent]

    @classmethod
    def from_row(cls, row: list[Any]) -> Symbol:
        return cls(*row)


@dataclass
class FileTags:
    """What one file defines, and every name it uses (name -> lines, in order)."""

    language: str
    definitions: list[Symbol] = field(default_factory=list)
    references: dict[str, list[int]] = field(default_factory=dict)


class Grammar:
    """A language's parser and compiled queries (built once per process and language)."""

    def __init__(self, language: str):
        import tree_sitter as ts

        module, func = GRAMMARS[language]
        self.language = ts.Language(getattr(importlib.import_module(module), func)())
        self.parser = ts.Parser(self.language)
        self.definitions = ts.Query(self.language, DEFINITIONS[language])
        self.references = ts.Query(self.language, REFERENCES[language])
        self._cursor_type = ts.QueryCursor

    def tags(self, language: str, source: bytes) -> FileTags:
        root = self.parser.parse(source).root_node
        lines = source.split(b"\n")
        found: dict[int, tuple[int, Symbol]] = {}  # name start byte -> (pattern, symbol): first pattern wins
        for pattern, captures in self._cursor_type(self.definitions).matches(root):
            names = captures.get("name")
            node = next((nodes[0] for key, nodes in captures.items() if key.startswith("definition.")), None)
            if not names or node is None:
                continue
            kind = next(key for key in captures if key.startswith("definition.")).removeprefix("definition.")
            name = names[0]
            if name.start_byte in found and found[name.start_byte][0] <= pattern:
                continue
            row = name.start_point[0]
            signature = lines[row].decode("utf-8", "replace").rstrip()[:MAX_SIGNATURE_CHARS]
            text = source[name.start_byte:name.end_byte].decode("utf-8", "replace")
            found[name.start_byte] = (pattern, Symbol(text, kind, node.start_point[0] + 1, node.end_point[0] + 1, signature))
        definitions = _nest(sorted((s for _, s in found.values()), key=lambda s: (s.line, -s.end_line)))
        references: dict[str, list[int]] = {}
        for node in self._cursor_type(self.references).captures(root).get("ref", []):
            if node.start_byte in found:
                continue
            name = source[node.start_byte:node.end_byte].decode("utf-8", "replace")
            references.setdefault(name, []).append(node.start_point[0] + 1)
        for rows in references.values():
            rows.sort()
        return FileTags(language, definitions, references)


def _nest(symbols: list[Symbol]) -> list[Symbol]:
    """Set each symbol's parent (the innermost definition around it); functions in classes are methods."""
    out: list[Symbol] = []
    stack: list[Symbol] = []
    for s in symbols:
        while stack and not (stack[-1].line <= s.line and s.end_line <= stack[-1].end_line):
            stack.pop()
        parent = stack[-1] if stack else None
        kind = "method" if s.kind == "function" and parent is not None and parent.kind in CONTAINER_KINDS else s.kind
        s = Symbol(s.name, kind, s.line, s.end_line, s.signature, parent.name if parent else None)
        out.append(s)
        stack.append(s)
    return out


@lru_cache(maxsize=None)
def grammar(language: str) -> Grammar:
    return Grammar(language)


def parse_source(source: bytes, language: str) -> FileTags:
    """Definitions and references of ``source`` written in ``language`` (a key of GRAMMARS)."""
    return grammar(language).tags(language, source)
