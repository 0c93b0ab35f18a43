"""The session's tools as an ACP client sees them.

Two things are added to the tools :func:`agent.session_builder.build_session` made, without
changing what the model sees (names, parameters and descriptions stay the same, so the log and
the training rows are those of any other session):

- :class:`Watched` wraps every tool: when it starts running, the front end is told (the tool
  call goes ``in_progress``), and for an edit tool the file's text before and after is kept,
  so the call's update can carry a diff.
- Where the client offers ``fs/read_text_file`` and ``fs/write_text_file``, ``read_file``,
  ``write_file``, ``edit`` and ``multi_edit`` read and write through the client
  (:class:`ClientFiles`): an editor then sees the agent's edits in its buffers and the agent
  reads what the person has not saved yet. Every path is still checked against the workspace
  (:meth:`Workspace.resolve`) before the client is asked, and whether a file exists, is a
  directory or is binary is still judged on disk; the outputs are those of the built-in tools.
"""

from __future__ import annotations

import difflib
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agent.tools import safe_open
from agent.tools.base import Observation, Tool, ToolContext, ToolError
from agent.tools.edit_matching import apply_edit
from agent.tools.files import (
    DEFAULT_LIMIT,
    MAX_DIFF_LINES,
    SNIFF_BYTES,
    EditTool,
    MultiEditTool,
    ReadFileTool,
    WriteFileTool,
    _note,
    apply_edits,
    looks_binary,
)
from agent.tools.plan import PresentPlanTool

MAX_DIFF_TEXT = 2 * 1024 * 1024  # a file bigger than this gets no diff in the tool call (the output still says what changed)
DIFF_KEY = "acp.diff"  # ctx.state: the (path, before, after) the last client edit left


@dataclass
class FileDiff:
    path: Path
    before: str | None  # None: the file did not exist
    after: str


class ClientFiles:
    """The client's ``fs/*`` methods as blocking calls from the session's worker thread."""

    def __init__(self, read: Callable[[Path], str], write: Callable[[Path, str], None]):
        self.read, self.write = read, write


def edited_path(tool: Tool, arguments: dict) -> str | None:
    """The file an edit tool call writes (None: not an edit tool, or no path)."""
    if tool.name in ("write_file", "edit", "multi_edit") and isinstance(arguments.get("path"), str):
        return arguments["path"]
    return None


def local_text(ctx: ToolContext, path: Path) -> str | None:
    try:
        data = safe_open.read_bytes(ctx.workspace, path, MAX_DIFF_TEXT + 1)
    except (OSError, ToolError, ValueError):
        return None
    if len(data) > MAX_DIFF_TEXT or looks_binary(data[:SNIFF_BYTES]):
        return None
    return data.decode("utf-8", errors="replace")


def preview(tool_name: str, arguments: dict, before: str | None) -> str | None:
    """The text an edit call would leave in its file (None: it cannot tell, or the call would fail)."""
    try:
        if tool_name == "write_file":
            return arguments["content"] if isinstance(arguments.get("content"), str) else None
        if tool_name == "edit":
            old, new = arguments.get("old_string"), arguments.get("new_string")
            if not isinstance(old, str) or not isinstance(new, str):
                return None
            if before is None or (not old and not before):
                return new if not old else None
            return apply_edit(before, old, new, replace_all=bool(arguments.get("replace_all")), rel="").text
        if tool_name == "multi_edit" and before is not None and isinstance(arguments.get("edits"), list):
            text = before
            for e in arguments["edits"]:
                text = apply_edit(text, e["old_string"], e["new_string"], replace_all=bool(e.get("replace_all")), rel="").text
            return text
    except (ToolError, KeyError, TypeError):
        return None
    return None


class Watched(Tool):
    """``inner`` as the session sees it, telling ``on_start`` when it runs and ``on_diff`` what an edit changed."""

    def __init__(self, inner: Tool, on_start: Callable[[], None], on_diff: Callable[[FileDiff], None]):
        self.inner, self.on_start, self.on_diff = inner, on_start, on_diff
        self.name, self.kind, self.Params, self.description = inner.name, inner.kind, inner.Params, inner.description  # type: ignore[misc]

    def spec(self):  # type: ignore[override]
        return self.inner.spec()

    def describe_call(self, params):
        return self.inner.describe_call(params)

    def close(self, ctx: ToolContext) -> None:
        self.inner.close(ctx)

    def run(self, params, ctx: ToolContext) -> Observation:
        self.on_start()
        path_arg = edited_path(self.inner, params.model_dump())
        if path_arg is None:
            return self.inner.run(params, ctx)
        if isinstance(self.inner, _ClientFileTool):
            ctx.state.pop(DIFF_KEY, None)
            obs = self.inner.run(params, ctx)
            if (diff := ctx.state.pop(DIFF_KEY, None)) is not None:
                self.on_diff(diff)
            return obs
        path = ctx.workspace.resolve(path_arg)  # outside the workspace: the tool's own error
        before = local_text(ctx, path) if path.is_file() else None
        obs = self.inner.run(params, ctx)
        if not obs.is_error and (after := local_text(ctx, path)) is not None and after != before:
            self.on_diff(FileDiff(path, before, after))
        return obs


def watch(tools: dict[str, Tool], on_start: Callable[[], None], on_diff: Callable[[FileDiff], None],
          files: ClientFiles | None) -> dict[str, Tool]:
    """The session's tools, watched, with the file tools going through ``files`` when given.
    ``present_plan`` stays as it is: the session answers it itself."""
    out: dict[str, Tool] = {}
    for name, tool in tools.items():
        if isinstance(tool, PresentPlanTool):
            out[name] = tool
            continue
        if files is not None and type(tool) in _CLIENT_VARIANTS:
            tool = _CLIENT_VARIANTS[type(tool)](files)
        out[name] = Watched(tool, on_start, on_diff)
    return out


# -- the file tools through the client -------------------------------------------


class _ClientFileTool(Tool):
    files: ClientFiles

    def __init__(self, files: ClientFiles):
        self.files = files

    def _read(self, ctx: ToolContext, path: Path, shown: str) -> str:
        try:
            return self.files.read(path)
        except ToolError:
            raise
        except Exception as e:
            raise ToolError(f"the editor could not read {shown}: {_reason(e)}") from None

    def _write(self, ctx: ToolContext, path: Path, text: str, shown: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)  # inside the workspace: resolve() checked it
        try:
            self.files.write(path, text)
        except ToolError:
            raise
        except Exception as e:
            raise ToolError(f"the editor could not write {shown}: {_reason(e)}") from None
        ctx.files_read.add(path)


def _reason(e: Exception) -> str:
    text = str(e).strip() or type(e).__name__
    data = getattr(e, "data", None)
    if isinstance(data, dict) and data.get("details"):
        text += f" ({data['details']})"
    return text.splitlines()[0]


def _existing_text_file(ctx: ToolContext, given: str) -> tuple[Path, str, bool]:
    """(resolved path, path for messages, whether it exists); a directory or a binary file is a ToolError."""
    path = ctx.workspace.resolve(given)
    rel = ctx.workspace.relative(path)
    if path.is_dir():
        raise ToolError(f"{given} is a directory, not a file")
    if not path.exists():
        return path, rel, False
    return path, rel, True


class ClientReadFileTool(_ClientFileTool, ReadFileTool):
    def run(self, params: ReadFileTool.Params, ctx: ToolContext) -> Observation:
        limit = DEFAULT_LIMIT if params.limit is None else params.limit
        if params.offset < 1 or limit < 1:
            raise ToolError("offset and limit must be at least 1 (offset counts lines from 1)")
        path = ctx.workspace.resolve(params.path)
        rel = ctx.workspace.relative(path)
        if path.is_dir():
            raise ToolError(f"{params.path} is a directory, not a file; use list_files to see what it contains")
        try:
            with safe_open.open_read(ctx.workspace, path) as f:  # what the file is, judged on disk
                head = f.read(SNIFF_BYTES)
        except (FileNotFoundError, NotADirectoryError):
            raise ToolError(f"file not found: {params.path}; check the path with list_files or glob") from None
        ctx.files_read.add(path)
        if looks_binary(head):
            return ReadFileTool().run(params, ctx)  # the built-in message for a binary file
        data = self._read(ctx, path, rel).encode("utf-8")
        return ReadFileTool._read(io.BytesIO(data), rel, len(data), params.offset, limit, ctx.max_output_chars)


class ClientWriteFileTool(_ClientFileTool, WriteFileTool):
    def run(self, params: WriteFileTool.Params, ctx: ToolContext) -> Observation:
        path = ctx.workspace.resolve(params.path)
        if path.is_dir():
            raise ToolError(f"{params.path} is a directory; give a file path")
        rel = ctx.workspace.relative(path)
        existed = path.exists()
        if existed and path not in ctx.files_read and not params.overwrite:
            raise ToolError(
                f"{rel} exists and was not read in this session; read it first "
                "(read_file), change part of it with edit, or set overwrite=true to replace it"
            )
        before = self._read(ctx, path, rel) if existed else None
        self._write(ctx, path, params.content, rel)
        ctx.state[DIFF_KEY] = FileDiff(path, before, params.content)
        data = params.content.encode("utf-8")
        lines = params.content.count("\n") + (1 if params.content and not params.content.endswith("\n") else 0)
        verb = "overwrote" if existed else "created"
        return Observation(output=f"{verb} {rel} ({len(data)} bytes, {lines} lines)")


class ClientEditTool(_ClientFileTool, EditTool):
    def run(self, params: EditTool.Params, ctx: ToolContext) -> Observation:
        old, new = params.old_string, params.new_string
        if old == new:
            raise ToolError("old_string and new_string are the same; nothing would change")
        path, rel, exists = _existing_text_file(ctx, params.path)
        if not exists:
            if old:
                raise ToolError(f"file not found: {params.path}; check the path, or use write_file to create it")
            return self._edited(ctx, path, rel, None, new, "created")
        text = self._text(ctx, path, rel)
        if not old and not text:
            return self._edited(ctx, path, rel, text, new, "edited")
        result = apply_edit(text, old, new, replace_all=params.replace_all, rel=rel)
        return self._edited(ctx, path, rel, text, result.text, _note(rel, [result]))

    def _text(self, ctx: ToolContext, path: Path, rel: str) -> str:
        try:
            with safe_open.open_read(ctx.workspace, path) as f:
                head = f.read(SNIFF_BYTES)
        except (FileNotFoundError, NotADirectoryError):
            head = b""
        if b"\0" in head:
            raise ToolError(f"{rel} is not UTF-8 text; edit only changes text files")
        return self._read(ctx, path, rel)

    def _edited(self, ctx: ToolContext, path: Path, rel: str, before: str | None, after: str, note: str) -> Observation:
        self._write(ctx, path, after, rel)
        ctx.state[DIFF_KEY] = FileDiff(path, before, after)
        diff = list(difflib.unified_diff(
            (before or "").splitlines(), after.splitlines(), fromfile=f"a/{rel}", tofile=f"b/{rel}", lineterm="", n=2
        ))
        if len(diff) > MAX_DIFF_LINES:
            diff = diff[:MAX_DIFF_LINES] + [f"[... {len(diff) - MAX_DIFF_LINES} more diff lines]"]
        return Observation(output="\n".join([note, *diff]))


class ClientMultiEditTool(ClientEditTool, MultiEditTool):
    name = "multi_edit"
    Params = MultiEditTool.Params

    def run(self, params: MultiEditTool.Params, ctx: ToolContext) -> Observation:  # type: ignore[override]
        path, rel, exists = _existing_text_file(ctx, params.path)
        if not exists:
            raise ToolError(f"file not found: {params.path}; check the path, or use write_file to create it")
        text = self._text(ctx, path, rel)
        after, results = apply_edits(text, params.edits, rel)
        return self._edited(ctx, path, rel, text, after, _note(rel, results))


_CLIENT_VARIANTS: dict[type[Tool], type[_ClientFileTool]] = {
    ReadFileTool: ClientReadFileTool,
    WriteFileTool: ClientWriteFileTool,
    EditTool: ClientEditTool,
    MultiEditTool: ClientMultiEditTool,
}
