"""The built-in tools by name, and the default set a session offers (in the order the model sees)."""

from __future__ import annotations

from collections.abc import Iterable

from agent.messages import ToolSpec
from agent.tools.base import Tool
from agent.tools.code import FindReferencesTool, FindSymbolTool, OutlineTool
from agent.tools.files import EditTool, MultiEditTool, ReadFileTool, WriteFileTool
from agent.tools.git import GitCommitTool, GitDiffTool, GitLogTool, GitShowTool, GitStatusTool
from agent.tools.plan import PresentPlanTool
from agent.tools.search import GlobTool, GrepTool, ListFilesTool
from agent.tools.shell import ShellTool
from agent.tools.skill import SkillTool
from agent.tools.task import TaskTool
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


# tools a session offers where they apply, never by default: present_plan in plan mode and in chats
# (shift+tab can switch to plan mode there), skill when there are skills; `tools` in the config may name them too
# task when the model's context is large enough ([subagents] min_context, agent/subagents.py)
OPTIONAL_TOOLS: dict[str, type[Tool]] = {PresentPlanTool.name: PresentPlanTool, SkillTool.name: SkillTool,
                                         TaskTool.name: TaskTool}


def with_plan_tool(tools: list[Tool]) -> list[Tool]:
    """``tools`` with ``present_plan`` added at the end when it is not there yet."""
    return tools if any(t.name == PresentPlanTool.name for t in tools) else [*tools, PresentPlanTool()]


# the tools of a small-context model: reading, searching, editing and running
CORE_TOOLS = ("shell", "read_file", "write_file", "edit", "list_files", "glob", "grep")
SMALL_CONTEXT = 8192  # tokens; at or below it a session offers CORE_TOOLS unless told otherwise


def select_tools(names: Iterable[str] | None, context_window: int | None = None) -> list[Tool]:
    """Fresh instances of the named built-in tools, in the order given; ``None`` means every
    built-in tool, or :data:`CORE_TOOLS` when ``context_window`` is small."""
    if names is None:
        names = CORE_TOOLS if context_window is not None and context_window <= SMALL_CONTEXT else ALL_TOOLS
    names = list(names)
    known = {**ALL_TOOLS, **OPTIONAL_TOOLS}
    unknown = [n for n in names if n not in known]
    if unknown:
        from agent.config import ConfigError

        raise ConfigError(f"key 'tools': unknown tool {unknown[0]!r}; the built-in tools are: {', '.join(known)}")
    return [known[n]() for n in names]


def default_tools() -> list[Tool]:
    """Fresh instances of every built-in tool: shell, read_file, write_file, edit, multi_edit, list_files, glob, grep,
    todo, web_fetch, find_symbol, find_references, outline, git_status, git_diff, git_log, git_show, git_commit
    (web_search and MCP tools need a config: see :func:`agent.session_builder.tools_for`)."""
    return [cls() for cls in ALL_TOOLS.values()]


def tool_specs(tools: Iterable[Tool]) -> list[ToolSpec]:
    """What the model is told about ``tools``: name, description and parameter schema."""
    return [tool.spec() for tool in tools]
