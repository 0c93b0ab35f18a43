"""The built-in tools by name, and the default set a session offers (in the order the model sees)."""

from __future__ import annotations

from collections.abc import Iterable

from agent.messages import ToolSpec
from agent.tools.base import Tool
from agent.tools.code import FindReferencesTool, FindSymbolTool, OutlineTool
from agent.tools.files import EditTool, MultiEditTool, ReadFileTool, WriteFileTool
from agent.tools.git import GitCommitTool, GitDiffTool, GitLogTool, GitShowTool, GitStatusTool
from agent.tools.search import GlobTool, GrepTool, ListFilesTool
from agent.tools.shell import ShellTool
from agent.tools.todo import TodoTool
from agent.tools.web import WebFetchTool

ALL_TOOLS: dict[str, type[Tool]] = {
    cls.name: cls
    for cls in (
        ShellTool, ReadFileTool, WriteFileTool, EditTool, MultiEditTool, ListFilesTool, GlobTool, GrepTool,
        TodoTool, WebFetchTool, FindSymbolTool, FindReferencesTool, OutlineTool,
        GitStatusTool, GitDiffTool, GitLogTool, GitShowTool, GitCommitTool,
    )
}


def default_tools() -> list[Tool]:
    """Fresh instances of every built-in tool: shell, read_file, write_file, edit, multi_edit, list_files, glob, grep,
    todo, web_fetch, find_symbol, find_references, outline, git_status, git_diff, git_log, git_show, git_commit
    (web_search and MCP tools need a config: see :func:`agent.session_builder.tools_for`)."""
    return [cls() for cls in ALL_TOOLS.values()]


def tool_specs(tools: Iterable[Tool]) -> list[ToolSpec]:
    """What the model is told about ``tools``: name, description and parameter schema."""
    return [tool.spec() for tool in tools]
