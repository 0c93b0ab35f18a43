"""File tools: ``read_file``, ``write_file`` and ``edit``.

Every path goes through :meth:`Workspace.resolve`, so ``..``, absolute paths elsewhere and
symlinks that lead out raise :class:`OutsideWorkspace` before anything is read or written.
The files are then opened by descriptor from the workspace root (:mod:`agent.tools.safe_open`),
so a symlink swapped in after that check still cannot lead out, and FIFOs, sockets and
devices are refused instead of blocking.
"""

from __future__ import annotations

import codecs
import difflib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from pydantic import BaseModel, Field

from agent.tools import safe_open
from agent.tools.base import Observation, Tool, ToolContext, ToolError
from agent.tools.edit_matching import STRATEGY_NOTES, Replacement, apply_edit

DEFAULT_LIMIT = 2000  # lines per read_file call
MAX_LINE_CHARS = 2000  # longer lines are cut
COUNT_LINES_MAX_BYTES = 10 * 1024 * 1024  # bigger files are streamed, not counted to the end
SNIFF_BYTES = 8192
MAX_DIFF_LINES = 200


def looks_binary(head: bytes) -> bool:
    """True for content that is not UTF-8 text: a NUL byte, or bytes that do not decode.

    ``head`` is the start of a file; a multi-byte character cut at its end is fine.
    """
    if b"\0" in head:
        return True
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return True
    return False


def _human_size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def _lines(f: BinaryIO, max_bytes: int) -> Iterator[tuple[bytes, bool]]:
    """Yield each line (without its newline) cut to ``max_bytes``, and whether it was cut.

    The rest of an over-long line is skipped in chunks, so one huge line never sits in memory.
    """
    while True:
        line = f.readline(max_bytes)
        if not line:
            return
        cut = False
        if not line.endswith(b"\n") and len(line) == max_bytes:
            while (rest := f.readline(65536)) and not rest.endswith(b"\n"):
                cut = True
            cut = cut or bool(rest.rstrip(b"\r\n"))
        yield line.rstrip(b"\r\n"), cut


def _open_existing(ctx: ToolContext, path: str) -> tuple[Path, BinaryIO]:
    resolved = ctx.workspace.resolve(path)
    try:
        return resolved, safe_open.open_read(ctx.workspace, resolved)
    except IsADirectoryError:
        raise ToolError(f"{path} is a directory, not a file; use list_files to see what it contains") from None
    except (FileNotFoundError, NotADirectoryError):
        hint = did_you_mean(ctx, path)
        if hint or not ctx.edits_allowed:
            raise ToolError(f"file not found: {path}; {hint}check the path with list_files or glob") from None
        # nothing close, and edits can run: the model may be reading the file its task asks it to create (small
        # models read it again and again); in read-only and plan mode writing is not offered
        raise ToolError(f"file not found: {path}, and no file in the workspace has a close name; to create it, "
                        "use write_file; to look for it, use list_files or glob") from None


SUGGEST_WALK_LIMIT = 2000  # files looked at for a suggestion
SUGGEST_READ_BYTES = 256 * 1024  # a bigger .py file is not searched for a definition
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def did_you_mean(ctx: ToolContext, path: str) -> str:
    """"did you mean X (or Y)? " for a path that does not exist, or "" when nothing is close.

    Small models read what is not a file: a function's name (``sum_to``), a file name with a
    typo, a file in another folder. The suggestions are files of the workspace (the same
    .gitignore-aware walk as list_files, bounded): close names by difflib, and for a bare name
    the ``.py`` files that define a function or class of that name.
    """
    from agent.tools.search import walk_files  # search imports this module

    files = []
    for entry in walk_files(ctx.workspace, ctx.workspace.root):
        files.append(ctx.workspace.relative(entry.path))
        if len(files) >= SUGGEST_WALK_LIMIT:
            break
    wanted = path.strip().removeprefix("./")
    close = difflib.get_close_matches(wanted, files, n=2, cutoff=0.75)
    by_name = {}
    for f in files:
        by_name.setdefault(f.rsplit("/", 1)[-1], f)
    close += [by_name[n] for n in difflib.get_close_matches(wanted.rsplit("/", 1)[-1], list(by_name), n=2, cutoff=0.75)]
    stem = wanted.rsplit("/", 1)[-1].removesuffix(".py").split("(")[0]
    defines = []
    if _IDENTIFIER.fullmatch(stem):
        pattern = re.compile(rf"^\s*(?:async\s+def|def|class)\s+{re.escape(stem)}\b", re.M)
        for f in files:
            if f.endswith(".py") and _defines(ctx, f, pattern):
                defines.append(f)
                if len(defines) == 2:
                    break
    named = list(dict.fromkeys(close))[:2]
    shown = [f"{f} (it defines {stem})" for f in defines] + [f for f in named if f not in defines]
    return f"did you mean {' or '.join(shown[:3])}? " if shown else ""


def _defines(ctx: ToolContext, rel: str, pattern: re.Pattern[str]) -> bool:
    try:
        with safe_open.open_read(ctx.workspace, ctx.workspace.resolve(rel)) as f:
            data = f.read(SUGGEST_READ_BYTES + 1)
    except Exception:  # unreadable, gone, a FIFO, a link out: no suggestion from it
        return False
    return len(data) <= SUGGEST_READ_BYTES and bool(pattern.search(data.decode("utf-8", errors="replace")))


class ReadFileTool(Tool):
    name = "read_file"
    kind = "read"

    class Params(BaseModel):
        path: str = Field(description="File to read, relative to the workspace root.")
        offset: int = Field(default=1, description="First line to show, 1-based.")
        limit: int | None = Field(default=None, description=f"How many lines to show; default {DEFAULT_LIMIT}.")

    def run(self, params: ReadFileTool.Params, ctx: ToolContext) -> Observation:
        limit = DEFAULT_LIMIT if params.limit is None else params.limit
        if params.offset < 0 or limit < 1:
            raise ToolError("offset and limit must be at least 1 (offset counts lines from 1)")
        offset = max(params.offset, 1)  # 0 is the start too: models used to 0-based offsets send it
        path, f = _open_existing(ctx, params.path)
        rel = ctx.workspace.relative(path)
        with f:
            size = os.fstat(f.fileno()).st_size
            ctx.files_read.add(path)
            if looks_binary(f.read(SNIFF_BYTES)):
                return Observation(output=f"{rel} is a binary file ({_human_size(size)}); its content is not shown")
            f.seek(0)
            return self._read(f, rel, size, offset, limit, ctx.max_output_chars)

    @staticmethod
    def _read(f: BinaryIO, rel: str, size: int, offset: int, limit: int, budget: int) -> Observation:
        if size == 0:
            return Observation(output=f"{rel} is empty")
        total = _count_lines(f, size) if size <= COUNT_LINES_MAX_BYTES else None
        f.seek(0)
        shown: list[str] = []
        used, last, n = 0, offset - 1, 0
        capped = more = False
        for n, (raw, cut) in enumerate(_lines(f, MAX_LINE_CHARS * 4), start=1):
            if n < offset:
                continue
            if n >= offset + limit:
                more = True
                break
            text = raw.decode("utf-8", errors="replace")
            if cut or len(text) > MAX_LINE_CHARS:
                text = text[:MAX_LINE_CHARS] + f" [... line cut at {MAX_LINE_CHARS} characters]"
            line = f"{n:>6}\t{text}"
            if shown and used + len(line) + 1 > budget:
                capped = more = True
                break
            shown.append(line)
            used += len(line) + 1
            last = n
        if not shown:
            raise ToolError(f"offset {offset} is past the end of {rel} ({n} lines); use a smaller offset")
        body = "\n".join(shown)
        if offset == 1 and not more:
            return Observation(output=body)
        of = str(total) if total is not None else (f"more than {last}" if more else str(last))
        if not more:
            return Observation(output=f"{body}\n[lines {offset}-{last} of {of}]")
        why = f"output capped at {budget} characters; " if capped else ""
        footer = f"[lines {offset}-{last} of {of}; {why}use offset={last + 1} to read more]"
        return Observation(output=f"{body}\n{footer}", truncated=capped)


def _count_lines(f: BinaryIO, size: int) -> int:
    """Lines in the file: newlines, plus one for a last line without its newline."""
    count = 0
    while chunk := f.read(1 << 20):
        count += chunk.count(b"\n")
    f.seek(size - 1)
    return count + (f.read(1) != b"\n")


class WriteFileTool(Tool):
    name = "write_file"
    kind = "edit"

    class Params(BaseModel):
        path: str = Field(description="File to write, relative to the workspace root.")
        content: str = Field(description="The complete new content of the file.")
        overwrite: bool = Field(
            default=False, description="Replace an existing file that was not read in this session."
        )

    def run(self, params: WriteFileTool.Params, ctx: ToolContext) -> Observation:
        path = ctx.workspace.resolve(params.path)
        if path.is_dir():
            raise ToolError(f"{params.path} is a directory; give a file path")
        existed = path.exists()
        if existed and path not in ctx.files_read and not params.overwrite:
            raise ToolError(
                f"{ctx.workspace.relative(path)} exists and was not read in this session; read it first "
                "(read_file), change part of it with edit, or set overwrite=true to replace it"
            )
        data = params.content.encode("utf-8")
        try:
            existed = _write_file(ctx, path, data)
        except IsADirectoryError:
            raise ToolError(f"{params.path} is a directory; give a file path") from None
        ctx.files_read.add(path)
        lines = params.content.count("\n") + (1 if params.content and not params.content.endswith("\n") else 0)
        verb = "overwrote" if existed else "created"
        return Observation(output=f"{verb} {ctx.workspace.relative(path)} ({len(data)} bytes, {lines} lines)")


def _write_file(ctx: ToolContext, path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` by descriptor (see :func:`safe_open.write_bytes`); True if it existed."""
    try:
        return safe_open.write_bytes(ctx.workspace, path, data)
    except (FileNotFoundError, NotADirectoryError) as e:
        raise ToolError(
            f"cannot write {ctx.workspace.relative(path)}: a parent of it is not a directory ({e.strerror}); check the path"
        ) from None


def _text_to_edit(ctx: ToolContext, given: str) -> tuple[Path, str, str | None]:
    """The file an edit changes: its resolved path, its path for messages, and its text (None: no file yet)."""
    path = ctx.workspace.resolve(given)
    rel = ctx.workspace.relative(path)
    try:
        with safe_open.open_read(ctx.workspace, path) as f:
            data = f.read()
    except IsADirectoryError:
        raise ToolError(f"{given} is a directory, not a file") from None
    except (FileNotFoundError, NotADirectoryError):
        return path, rel, None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = "\0"
    if "\0" in text:
        raise ToolError(f"{rel} is not UTF-8 text; edit only changes text files")
    return path, rel, text


def _note(rel: str, results: list[Replacement]) -> str:
    count = sum(r.count for r in results)
    note = f"edited {rel}" + (f" ({count} replacements)" if count > 1 else "")
    fuzzy = [(i, r.strategy) for i, r in enumerate(results, start=1) if r.strategy != "exact"]
    for i, strategy in fuzzy:
        where = f"edit {i}: " if len(results) > 1 else ""
        note += f"\n[{where}{STRATEGY_NOTES[strategy]}]"
    return note


class EditTool(Tool):
    name = "edit"
    kind = "edit"

    class Params(BaseModel):
        path: str = Field(description="File to edit, relative to the workspace root.")
        old_string: str = Field(description="Exact text to replace, copied from the file with its indentation.")
        new_string: str = Field(description="Text to put in its place.")
        replace_all: bool = Field(default=False, description="Replace every occurrence instead of exactly one.")

    def run(self, params: EditTool.Params, ctx: ToolContext) -> Observation:
        old, new = params.old_string, params.new_string
        path, rel, text = _text_to_edit(ctx, params.path)
        if old == new:
            if old and text is not None and old not in text:  # new code sent as both sides: say how to add code
                raise ToolError(f"old_string is not in {rel}, and new_string is the same text; to add code, set "
                                "old_string to a line that is in the file (such as its last line) and new_string "
                                "to that line followed by the new code")
            raise ToolError("old_string and new_string are the same; nothing would change")
        if text is None:
            if old:
                raise ToolError(f"file not found: {params.path}; {did_you_mean(ctx, params.path)}check the path, "
                                "or use write_file to create it")
            return self._write(path, "", new, rel, ctx, "created")
        if not old and not text:
            return self._write(path, text, new, rel, ctx, "edited")
        result = apply_edit(text, old, new, replace_all=params.replace_all, rel=rel)
        return self._write(path, text, result.text, rel, ctx, _note(rel, [result]))

    @staticmethod
    def _write(path: Path, before: str, after: str, rel: str, ctx: ToolContext, note: str) -> Observation:
        try:
            _write_file(ctx, path, after.encode("utf-8"))
        except IsADirectoryError:
            raise ToolError(f"{rel} is a directory, not a file") from None
        ctx.files_read.add(path)
        diff = list(difflib.unified_diff(
            before.splitlines(), after.splitlines(), fromfile=f"a/{rel}", tofile=f"b/{rel}", lineterm="", n=2
        ))
        if len(diff) > MAX_DIFF_LINES:
            diff = diff[:MAX_DIFF_LINES] + [f"[... {len(diff) - MAX_DIFF_LINES} more diff lines]"]
        return Observation(output="\n".join([note, *diff]))


class EditSpec(BaseModel):
    """One replacement of a ``multi_edit`` call."""

    old_string: str = Field(description="Exact text to replace, copied from the file with its indentation.")
    new_string: str = Field(description="Text to put in its place.")
    replace_all: bool = Field(default=False, description="Replace every occurrence instead of exactly one.")


def apply_edits(text: str, edits: list, rel: str) -> tuple[str, list]:
    """Apply ``edits`` (each with old_string, new_string, replace_all) in order, each to the result
    of the one before; (the new text, each edit's result). One that fails names its number and
    none is applied."""
    after, results = text, []
    for i, e in enumerate(edits, start=1):
        try:
            result = apply_edit(after, e.old_string, e.new_string, replace_all=e.replace_all, rel=rel)
        except ToolError as err:
            raise ToolError(f"edit {i} of {len(edits)}: {err}; no edit was applied") from None
        after = result.text
        results.append(result)
    return after, results


class MultiEditTool(Tool):
    name = "multi_edit"
    kind = "edit"

    class Params(BaseModel):
        path: str = Field(description="File to edit, relative to the workspace root.")
        edits: list[EditSpec] = Field(min_length=1, description="Replacements applied in order, each to the result of the one before.")

    def run(self, params: MultiEditTool.Params, ctx: ToolContext) -> Observation:
        path, rel, text = _text_to_edit(ctx, params.path)
        if text is None:
            raise ToolError(f"file not found: {params.path}; {did_you_mean(ctx, params.path)}check the path, "
                            "or use write_file to create it")
        after, results = apply_edits(text, params.edits, rel)
        return EditTool._write(path, text, after, rel, ctx, _note(rel, results))
