"""The built-in tools by name, and the default set a session offers (in the order the model sees)."""

from __future__ import annotations

from collections.abc import Iterable

from agent.messages import ToolSpec
from agent.tools.base import Tool
from agent.tools.files import EditTool, ReadFileTool, WriteFileTool
from agent.tools.search import GlobTool, GrepTool, ListFilesTool
from agent.tools.shell import ShellTool

ALL_TOOLS: dict[str, type[Tool]] = {
    cls.name: cls
    for cls in (ShellTool, ReadFileTool, WriteFileTool, EditTool, ListFilesTool, GlobTool, GrepTool)
}


def default_tools() -> list[Tool]:
    """Fresh instances of every built-in tool: shell, read_file, write_file, edit, list_files, glob, grep."""
    return [cls() for cls in ALL_TOOLS.values()]


def tool_specs(tools: Iterable[Tool]) -> list[ToolSpec]:
    """What the model is told about ``tools``: name, description and parameter schema."""
    return [tool.spec() for tool in tools]
