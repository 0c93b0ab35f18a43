"""Search tools: ``list_files``, ``glob`` and ``grep``, all on one .gitignore-aware walk.

:func:`walk_files` honours every ``.gitignore`` from the workspace root down (and
``.git/info/exclude``), always skips ``.git/`` and ``.limi/``, and never follows a symlink
to a directory (no loops) nor yields one that leads out of the workspace. Directories are
listed by descriptor (a directory swapped for a symlink mid-walk is not entered), only
regular files (or symlinks to them) are yielded, and every file is opened through
:mod:`agent.tools.safe_open`: a FIFO, socket or device is skipped, never read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from pydantic import BaseModel, Field

from agent.tools import safe_open
from agent.tools.base import Observation, Tool, ToolContext, ToolError
from agent.tools.files import SNIFF_BYTES
from agent.tools.workspace import OutsideWorkspace, Workspace

try:
    from pathspec.patterns.gitignore.basic import GitIgnoreBasicPattern as GitPattern
except ImportError:  # pathspec < 1.0, where this is the name of the same pattern
    from pathspec.patterns import GitWildMatchPattern as GitPattern

ALWAYS_SKIP = frozenset({".git", ".limi"})
MAX_ENTRIES = 1000  # list_files and glob results
MAX_GREP_FILE_BYTES = 10 * 1024 * 1024
MAX_GREP_LINE_CHARS = 500
MAX_IGNORE_FILE_BYTES = 1024 * 1024  # a bigger .gitignore is read only this far

Rules = tuple[tuple[Path, tuple[GitPattern, ...]], ...]  # (directory, its patterns), shallow to deep


class Entry(NamedTuple):
    path: Path  # under the workspace root, not resolved (a symlink stays a symlink)
    is_dir: bool
    depth: int  # 1 for entries directly inside the start directory


def _load_patterns(workspace: Workspace, file: Path) -> tuple[GitPattern, ...]:
    try:
        data = safe_open.read_bytes(workspace, file, MAX_IGNORE_FILE_BYTES)
    except (OSError, ToolError, OutsideWorkspace):  # missing, a FIFO, a link out...: no patterns
        return ()
    lines = data.decode("utf-8", errors="replace").splitlines()
    patterns = []
    for line in lines:
        try:
            pattern = GitPattern(line)
        except ValueError:  # an invalid line is ignored, as git does
            continue
        if pattern.include is not None:
            patterns.append(pattern)
    return tuple(patterns)


def _with_dir_rules(workspace: Workspace, rules: Rules, directory: Path) -> Rules:
    patterns = _load_patterns(workspace, directory / ".gitignore")
    return rules + ((directory, patterns),) if patterns else rules


def _ignored(path: Path, is_dir: bool, rules: Rules) -> bool:
    """Git's rule: the deepest .gitignore with a matching pattern decides; its last match wins."""
    for base, patterns in reversed(rules):
        rel = path.relative_to(base).as_posix() + ("/" if is_dir else "")
        verdict = None
        for pattern in patterns:
            if pattern.match_file(rel) is not None:
                verdict = pattern.include
        if verdict is not None:
            return verdict
    return False


def walk_files(workspace: Workspace, start: Path, *, max_depth: int | None = None,
               include_dirs: bool = False) -> Iterator[Entry]:
    """Walk ``start`` (a resolved directory in the workspace) in name order, skipping ignored paths."""
    root = workspace.root
    rules: Rules = ()
    exclude = _load_patterns(workspace, root / ".git" / "info" / "exclude")
    if exclude:
        rules = ((root, exclude),)
    for ancestor in reversed(start.relative_to(root).parents):  # root .. start's parent
        rules = _with_dir_rules(workspace, rules, root / ancestor)
    try:
        fd = safe_open.open_dir(workspace, start)
    except (OSError, OutsideWorkspace):  # gone, or swapped for a link out since it was checked
        return
    yield from _walk(workspace, fd, start, rules, 1, max_depth, include_dirs)


def _walk(workspace: Workspace, fd: int, directory: Path, rules: Rules, depth: int,
          max_depth: int | None, include_dirs: bool) -> Iterator[Entry]:
    """Walk the directory open as ``fd`` (closed here), named ``directory`` in entries."""
    root = workspace.root
    try:
        rules = _with_dir_rules(workspace, rules, directory)
        try:
            with os.scandir(fd) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:  # unreadable directory: nothing to show
            return
        for e in entries:
            if e.name in ALWAYS_SKIP:
                continue
            path = directory / e.name
            if e.is_symlink():
                try:
                    target = path.resolve()
                except (OSError, RuntimeError):  # a symlink loop
                    continue
                if not target.exists() or (target != root and root not in target.parents):
                    continue  # broken, or leads out of the workspace
                is_dir = target.is_dir()
                if not is_dir and not target.is_file():
                    continue  # a link to a FIFO, socket or device
                if not _ignored(path, is_dir, rules) and (include_dirs or not is_dir):
                    yield Entry(path, is_dir, depth)  # never descended into: no loops
                continue
            is_dir = e.is_dir(follow_symlinks=False)
            if _ignored(path, is_dir, rules):
                continue
            if is_dir:
                if include_dirs:
                    yield Entry(path, True, depth)
                if max_depth is None or depth < max_depth:
                    try:
                        sub = safe_open.open_subdir(fd, e.name)
                    except OSError:  # gone, or swapped for a symlink since the listing
                        continue
                    yield from _walk(workspace, sub, path, rules, depth + 1, max_depth, include_dirs)
            elif e.is_file(follow_symlinks=False):  # no fifos or sockets: reading them could block
                yield Entry(path, False, depth)
    finally:
        os.close(fd)


def glob_regex(pattern: str) -> re.Pattern[str]:
    """Compile a glob (``*``, ``?``, ``[abc]``, ``**/``, ``{a,b}``) into a regex on '/'-paths."""
    alternatives = _expand_braces(pattern)
    return re.compile("|".join(f"(?:{_translate(p)})" for p in alternatives))


def _expand_braces(pattern: str) -> list[str]:
    m = re.search(r"\{([^{}]*,[^{}]*)\}", pattern)
    if not m:
        return [pattern]
    head, tail = pattern[: m.start()], pattern[m.end() :]
    return [x for alt in m.group(1).split(",") for x in _expand_braces(head + alt + tail)]


def _translate(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] in "*?":
            out.append("[^/]*" if pattern[i] == "*" else "[^/]")
            i += 1
        elif pattern[i] == "[" and (end := pattern.find("]", i + 2)) != -1:
            body = pattern[i + 1 : end].replace("\\", "\\\\")
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


def _directory(ctx: ToolContext, path: str) -> Path:
    start = ctx.workspace.resolve(path)
    if not start.exists():
        raise ToolError(f"directory not found: {path}; check the path with list_files")
    if not start.is_dir():
        raise ToolError(f"{path} is a file, not a directory; use read_file to read it")
    return start


def _rel(ctx: ToolContext, path: Path) -> str:
    return path.relative_to(ctx.workspace.root).as_posix()


def _fitting(lines: list[str], chars: int) -> int:
    """How many of the first lines fit in ``chars`` characters, joined by newlines."""
    used = 0
    for n, line in enumerate(lines):
        used += len(line) + 1
        if used > chars:
            return n
    return len(lines)


class ListFilesTool(Tool):
    name = "list_files"
    kind = "read"

    class Params(BaseModel):
        path: str = Field(default=".", description="Directory to list, relative to the workspace root.")
        depth: int = Field(default=1, description="Levels to list: 1 = direct entries only, 2 = also their children, ...")

    def run(self, params: ListFilesTool.Params, ctx: ToolContext) -> Observation:
        if params.depth < 1:
            raise ToolError("depth must be at least 1")
        start = _directory(ctx, params.path)
        lines: list[str] = []
        used = 0
        for entry in walk_files(ctx.workspace, start, max_depth=params.depth, include_dirs=True):
            line = _rel(ctx, entry.path) + ("/" if entry.is_dir else "")
            used += len(line) + 1
            if len(lines) == MAX_ENTRIES or used > ctx.max_output_chars:
                lines.append(f"[showing the first {len(lines)} entries; list a subdirectory or lower depth]")
                return Observation(output="\n".join(lines), truncated=True)
            lines.append(line)
        return Observation(output="\n".join(lines) or f"{ctx.workspace.relative(start)} is empty")


class GlobTool(Tool):
    name = "glob"
    kind = "read"

    class Params(BaseModel):
        pattern: str = Field(description="Glob matched against paths relative to `path`, e.g. '**/*.py' or 'src/*.{ts,tsx}'.")
        path: str = Field(default=".", description="Directory to search in, relative to the workspace root.")

    def run(self, params: GlobTool.Params, ctx: ToolContext) -> Observation:
        pattern = params.pattern.strip().removeprefix("./")
        if not pattern or pattern.startswith("/"):
            raise ToolError("pattern must be a relative glob like '**/*.py'; put the directory in `path`")
        start = _directory(ctx, params.path)
        rx = glob_regex(pattern)
        found = sorted(
            _rel(ctx, e.path) for e in walk_files(ctx.workspace, start)
            if rx.fullmatch(e.path.relative_to(start).as_posix())
        )
        if not found:
            return Observation(output=f"no files match {params.pattern!r} in {ctx.workspace.relative(start)}")
        shown = _fitting(found[:MAX_ENTRIES], ctx.max_output_chars)
        if shown < len(found):
            note = f"[showing {shown} of {len(found)} files; use a narrower pattern or path]"
            return Observation(output="\n".join([*found[:shown], note]), truncated=True)
        return Observation(output="\n".join(found))


class GrepTool(Tool):
    name = "grep"
    kind = "read"

    class Params(BaseModel):
        pattern: str = Field(description="Python regular expression searched for in each line.")
        path: str = Field(default=".", description="File or directory to search, relative to the workspace root.")
        glob: str | None = Field(default=None, description="Only search files matching this glob, e.g. '*.py' (name) or 'src/**/*.py' (path).")
        ignore_case: bool = Field(default=False, description="Match without regard to case.")
        context: int = Field(default=0, description="Lines of context to show before and after each match.")
        max_results: int = Field(default=200, description="Stop after this many matching lines.")

    def run(self, params: GrepTool.Params, ctx: ToolContext) -> Observation:
        try:
            rx = re.compile(params.pattern, re.IGNORECASE if params.ignore_case else 0)
        except re.error as e:
            raise ToolError(f"bad regex {params.pattern!r}: {e}; escape special characters such as ( [ . * with \\") from None
        if params.context < 0 or params.max_results < 1:
            raise ToolError("context must be 0 or more and max_results at least 1")
        start = ctx.workspace.resolve(params.path)
        if not start.exists():
            raise ToolError(f"path not found: {params.path}; check it with list_files")
        files = [start] if not start.is_dir() else self._files(ctx, start, params.glob)
        out: list[str] = []
        matches = skipped = special = used = 0
        stopped = False
        for file in files:
            try:
                lines = self._text_lines(ctx.workspace, file)
            except _TooBig:
                skipped += 1
                continue
            except _NotRegular:
                special += 1
                continue
            if lines is None:
                continue
            hits = [i for i, line in enumerate(lines) if rx.search(line)][: params.max_results - matches]
            block = _format(_rel(ctx, file), lines, hits, params.context, separate=bool(out))
            out.extend(block)
            used += sum(len(line) + 1 for line in block)
            matches += len(hits)
            if matches >= params.max_results or used > ctx.max_output_chars:
                stopped = True
                break
        notes = [f"[skipped {skipped} files over 10 MB]"] if skipped else []
        if special:
            notes.append(f"[skipped {special} FIFOs, sockets or devices: they are not regular files]")
        if not matches:
            return Observation(output="\n".join([f"no matches for {params.pattern!r} in {params.path}", *notes]))
        if not stopped:
            return Observation(output="\n".join(out + notes))
        text = "\n".join(out)
        if len(text) > ctx.max_output_chars:
            text = text[: ctx.max_output_chars].rsplit("\n", 1)[0]
        why = f"{matches} matches" if matches >= params.max_results else f"{ctx.max_output_chars} characters"
        note = f"[stopped at {why}; narrow the pattern, path or glob, or raise max_results]"
        return Observation(output=f"{text}\n{note}", truncated=True)

    @staticmethod
    def _files(ctx: ToolContext, start: Path, glob: str | None) -> Iterator[Path]:
        rx = glob_regex(glob.removeprefix("./")) if glob else None
        for entry in walk_files(ctx.workspace, start):
            if rx is not None:
                target = entry.path.relative_to(start).as_posix() if "/" in glob else entry.path.name
                if not rx.fullmatch(target):
                    continue
            yield entry.path

    @staticmethod
    def _text_lines(workspace: Workspace, file: Path) -> list[str] | None:
        """The file's lines; None for binary or unreadable files (or ones that lead out).

        Raises _TooBig for a file over the size cap, _NotRegular for a FIFO, socket or device.
        """
        try:
            with safe_open.open_read(workspace, file) as f:
                if os.fstat(f.fileno()).st_size > MAX_GREP_FILE_BYTES:
                    raise _TooBig
                data = f.read(MAX_GREP_FILE_BYTES + 1)
        except safe_open.NotRegularFile:
            raise _NotRegular from None
        except (OSError, ToolError, OutsideWorkspace):
            return None
        if len(data) > MAX_GREP_FILE_BYTES:  # grew since the fstat
            raise _TooBig
        if b"\0" in data[:SNIFF_BYTES]:
            return None
        lines = data.decode("utf-8", errors="replace").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return [line.removesuffix("\r") for line in lines]


class _TooBig(Exception):
    pass


class _NotRegular(Exception):
    pass


def _format(rel: str, lines: list[str], hits: list[int], context: int, separate: bool) -> list[str]:
    """``rel:N:line`` for matches, ``rel-N-line`` for context, ``--`` between separate blocks."""
    out: list[str] = []
    matched, last = set(hits), -1  # last: the last line index printed
    for i in hits:
        lo, hi = max(0, i - context, last + 1), min(len(lines), i + context + 1)
        if context and lo < hi and (last < 0 or lo > last + 1) and (out or separate):
            out.append("--")
        for j in range(lo, hi):
            sep = ":" if j in matched else "-"
            text = lines[j] if len(lines[j]) <= MAX_GREP_LINE_CHARS else lines[j][:MAX_GREP_LINE_CHARS] + " [... line cut]"
            out.append(f"{rel}{sep}{j + 1}{sep}{text}")
        last = max(last, hi - 1)
    return out
