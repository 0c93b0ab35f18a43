"""Code intelligence tools on the tree-sitter index: ``find_symbol``, ``find_references``, ``outline``.

The index (:class:`agent.codeintel.index.CodeIndex`) is kept for the session in
``ctx.state`` and refreshed before each call, which reparses only changed files.
"""

from __future__ import annotations

import difflib

from pydantic import BaseModel, Field

from agent.tools import safe_open
from agent.tools.base import Observation, Tool, ToolContext, ToolError
from agent.tools.files import did_you_mean
from agent.tools.workspace import OutsideWorkspace

MAX_FUZZY = 10


def _index(ctx: ToolContext, refresh: bool = True):
    from agent.codeintel.index import CodeIndex

    index = ctx.state.get("codeintel")
    if index is None or index.root != ctx.workspace.root:
        index = ctx.state["codeintel"] = CodeIndex(ctx.workspace.root)
    if refresh:
        index.refresh()
    return index


def _cap(head: list[str], items: list[str], limit: int, what: str, hint: str) -> Observation:
    """``head`` then at most ``limit`` of ``items``, with a note saying how many were left out."""
    if len(items) <= limit:
        return Observation(output="\n".join(head + items))
    note = f"[showing {limit} of {len(items)} {what}; {hint}]"
    return Observation(output="\n".join([*head, *items[:limit], note]), truncated=True)


def _under(rel: str, scope: str | None) -> bool:
    return scope is None or rel == scope or rel.startswith(scope.rstrip("/") + "/")


def _scope(ctx: ToolContext, path: str | None) -> str | None:
    if path in (None, "", "."):
        return None
    resolved = ctx.workspace.resolve(path)
    if not resolved.exists():
        raise ToolError(f"path not found: {path}; check it with list_files")
    rel = resolved.relative_to(ctx.workspace.root).as_posix()
    return None if rel == "." else rel


class FindSymbolTool(Tool):
    name = "find_symbol"
    kind = "read"

    class Params(BaseModel):
        name: str = Field(description="Name of the class, function, method, type... to find; close spellings also match.")
        kind: str | None = Field(default=None, description="Only definitions of this kind, e.g. 'class', 'function', 'method'.")
        path: str | None = Field(default=None, description="Only look in this file or directory.")
        limit: int = Field(default=50, description="Show at most this many definitions.")

    def run(self, params: FindSymbolTool.Params, ctx: ToolContext) -> Observation:
        wanted = params.name.strip()
        if not wanted or params.limit < 1:
            raise ToolError("name must not be empty and limit must be at least 1")
        scope = _scope(ctx, params.path)
        locations = [loc for loc in _index(ctx).definitions()
                     if _under(loc.path, scope) and (params.kind is None or loc.symbol.kind == params.kind)]
        names = {loc.symbol.name for loc in locations}
        matched, how = _match(wanted, names)
        if not matched:
            where = f" in {params.path}" if scope else ""
            return Observation(output=f"no definition named {wanted!r}{where}; try find_references or grep")
        order = {name: i for i, name in enumerate(matched)}
        hits = sorted((loc for loc in locations if loc.symbol.name in order),
                      key=lambda loc: (order[loc.symbol.name], loc.path, loc.symbol.line))
        lines = []
        for loc in hits:
            s = loc.symbol
            parent = f" (in {s.parent})" if s.parent else ""
            lines.append(f"{loc.path}:{s.line}-{s.end_line} {s.kind} {s.name}{parent}: {s.signature.strip()}")
        head = [f"[{how}]"] if how != "exact" else []
        return _cap(head, lines, params.limit, "definitions", "give kind or path to narrow it")


def _match(wanted: str, names: set[str]) -> tuple[list[str], str]:
    """Names matching ``wanted``, best first: exactly, else ignoring case, else containing it
    (shortest first), else close spellings (closest first)."""
    if wanted in names:
        return [wanted], "exact"
    low = wanted.lower()
    if found := sorted(n for n in names if n.lower() == low):
        return found, "matched ignoring case"
    if found := sorted((n for n in names if low in n.lower()), key=lambda n: (len(n), n)):
        return found, f"no exact match; names containing {wanted!r}"
    lowered = {n.lower(): n for n in sorted(names)}
    close = [lowered[n] for n in difflib.get_close_matches(low, lowered, n=MAX_FUZZY, cutoff=0.7)]
    return close, f"no exact match; closest names: {', '.join(close)}"


class FindReferencesTool(Tool):
    name = "find_references"
    kind = "read"

    class Params(BaseModel):
        name: str = Field(description="Exact name (identifier) whose uses to find.")
        path: str | None = Field(default=None, description="Only look in this file or directory.")
        limit: int = Field(default=200, description="Show at most this many references.")

    def run(self, params: FindReferencesTool.Params, ctx: ToolContext) -> Observation:
        name = params.name.strip()
        if not name or params.limit < 1:
            raise ToolError("name must not be empty and limit must be at least 1")
        if not name.replace("_", "a").replace("$", "a").isalnum():
            raise ToolError(f"{name!r} is not an identifier; give a bare name like 'parse_args' (no dots or calls)")
        index, scope = _index(ctx), _scope(ctx, params.path)
        defs = [f"{loc.path}:{loc.symbol.line} {loc.symbol.kind} {name}" for loc in index.definitions()
                if loc.symbol.name == name and _under(loc.path, scope)]
        refs: list[str] = []
        for rel, rows in index.references_to(name).items():
            if _under(rel, scope):
                refs.extend(_source_lines(ctx, rel, sorted(set(rows))))
        if not refs and not defs:
            return Observation(output=f"no references to {name!r} in {params.path or 'the workspace'}")
        head = [f"defined at: {d}" for d in defs] or [f"(no definition of {name!r} found in indexed files)"]
        head.append(f"{len(refs)} line(s) use {name!r}:")
        return _cap(head, refs, params.limit, "references", "give path to narrow it")


def _source_lines(ctx: ToolContext, rel: str, rows: list[int]) -> list[str]:
    try:  # by descriptor: a link swapped in, a FIFO or a device is not read
        data = safe_open.read_bytes(ctx.workspace, ctx.workspace.root / rel)
    except (OSError, ToolError, OutsideWorkspace):
        return []
    text = data.decode("utf-8", errors="replace").split("\n")
    return [f"{rel}:{r}: {text[r - 1].strip()[:200]}" for r in rows if r <= len(text)]


class OutlineTool(Tool):
    name = "outline"
    kind = "read"

    class Params(BaseModel):
        path: str = Field(description="Source file to outline, relative to the workspace root.")

    def run(self, params: OutlineTool.Params, ctx: ToolContext) -> Observation:
        from agent.codeintel.parser import EXTENSIONS, language_for

        resolved = ctx.workspace.resolve(params.path)
        if resolved.is_dir():
            raise ToolError(f"{params.path} is a directory; outline takes one source file (use list_files or glob)")
        if not resolved.exists():
            raise ToolError(f"file not found: {params.path}; {did_you_mean(ctx, params.path)}check the path with "
                            "list_files or glob")
        if language_for(resolved) is None:
            known = " ".join(sorted(EXTENSIONS))
            raise ToolError(f"outline does not know the language of {params.path}; it reads {known} (use read_file)")
        rel = resolved.relative_to(ctx.workspace.root).as_posix()
        tags = _index(ctx, refresh=False).file(rel)
        if tags is None:
            raise ToolError(f"could not read {params.path}")
        if not tags.definitions:
            return Observation(output=f"{rel} ({tags.language}) has no classes or functions")
        lines: list[str] = []
        open_: list[int] = []  # end lines of the enclosing definitions
        for s in tags.definitions:
            while open_ and s.line > open_[-1]:
                open_.pop()
            lines.append(f"{'  ' * (len(open_) + 1)}{s.kind} {s.name}  L{s.line}-{s.end_line}")
            open_.append(s.end_line)
        return _cap([f"{rel} ({tags.language}):"], lines, 2000, "definitions", "read the file in parts")
