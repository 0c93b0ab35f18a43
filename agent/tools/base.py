"""Tools are small classes: a pydantic model of their parameters (its JSON schema is what
the model sees), a description text in ``prompts/tools/<name>.md``, and a ``run`` method
that returns an :class:`Observation`.

Policy (approval, workspace confinement) wraps tools from outside; see
:mod:`agent.policy` and :class:`agent.tools.workspace.Workspace`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from agent.messages import ToolSpec
from agent.tools.workspace import Workspace

# read: never changes anything; edit: changes files in the workspace; exec: runs programs
ToolKind = Literal["read", "edit", "exec"]


class Observation(BaseModel):
    """What a tool run gives back to the model (``output``) and to the log (the rest)."""

    output: str
    is_error: bool = False
    error_kind: str | None = None
    exit_code: int | None = None
    truncated: bool = False


def cut_middle(text: str, limit: int) -> str:
    """``text`` cut to about ``limit`` characters, head and tail kept and the cut marked: how
    long outputs reach the model (tool results, check output, compaction input)."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[... {len(text) - 2 * half} characters cut ...]\n{text[-half:]}"


class ToolError(Exception):
    """A failure the model should read and react to (file not found, ambiguous edit...)."""


@dataclass
class ToolContext:
    """What tools share within one session."""

    workspace: Workspace
    cancel: threading.Event = field(default_factory=threading.Event)
    files_read: set[Path] = field(default_factory=set)  # resolved paths read in this session
    shell_timeout_s: float = 120.0
    max_output_chars: int = 30_000
    state: dict[str, Any] = field(default_factory=dict)  # per-tool state (the shell process)
    # whether the approval mode lets edit tools run (not in read-only or plan mode): errors suggest writing only then
    edits_allowed: bool = True


class Tool:
    name: ClassVar[str]
    kind: ClassVar[ToolKind]
    Params: ClassVar[type[BaseModel]]
    # the text the model sees; None: prompts/tools/<name>.md (tools from elsewhere, e.g. MCP, set it)
    description: ClassVar[str | None] = None

    def run(self, params: BaseModel, ctx: ToolContext) -> Observation:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self, ctx: ToolContext) -> None:
        """Release what the tool holds for the session (processes, handles)."""

    @classmethod
    def spec(cls) -> ToolSpec:
        from prompts import load_tool_description

        schema = cls.Params.model_json_schema()
        schema.pop("title", None)
        for prop in schema.get("properties", {}).values():
            prop.pop("title", None)
        description = cls.description if cls.description is not None else load_tool_description(cls.name)
        return ToolSpec(name=cls.name, description=description, parameters=schema)

    def describe_call(self, params: BaseModel) -> str:
        """A short one-line summary of a call, for approvals and compact displays."""
        args = ", ".join(f"{k}={v!r}" for k, v in params.model_dump(exclude_defaults=True).items())
        return f"{self.name}({args})"
