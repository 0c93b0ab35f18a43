"""Each tool of an MCP server as a :class:`~agent.tools.base.Tool` of the session.

The model sees the server's own description and JSON schema under the name
``SERVER__tool``; arguments are checked against that schema with jsonschema before the
call (a mismatch is a ``bad_arguments`` error, as for built-in tools), and the result's
content becomes the observation, capped like any tool output.
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator

from agent.messages import ToolSpec
from agent.mcp.connection import McpConnection, McpError
from agent.tools.base import Observation, Tool, ToolContext, ToolError, cut_middle


class RemoteArguments(BaseModel):
    """Arguments of a remote tool: any JSON object that fits the server's schema."""

    model_config = ConfigDict(extra="allow")
    schema_: ClassVar[dict[str, Any]] = {}

    @model_validator(mode="before")
    @classmethod
    def _fits_schema(cls, data: Any) -> Any:
        import jsonschema

        if not isinstance(data, dict):
            raise ValueError("arguments must be a JSON object")
        try:
            jsonschema.validate(data, cls.schema_)
        except jsonschema.ValidationError as e:
            where = ".".join(map(str, e.absolute_path)) or "arguments"
            raise ValueError(f"{where}: {e.message}") from None
        except jsonschema.SchemaError:
            pass  # the server's schema is broken: let the server judge
        return data


class McpTool(Tool):
    """A tool that runs on an MCP server."""

    connection: ClassVar[McpConnection]
    remote_name: ClassVar[str]
    input_schema: ClassVar[dict[str, Any]]

    @classmethod
    def spec(cls) -> ToolSpec:
        return ToolSpec(name=cls.name, description=cls.description or cls.remote_name, parameters=cls.input_schema)

    def run(self, params: BaseModel, ctx: ToolContext) -> Observation:
        try:
            result = self.connection.call(self.remote_name, params.model_dump(), self.connection.server.timeout_s, ctx.cancel)
        except McpError as e:
            if str(e) == "interrupted":
                return Observation(output="[interrupted; the MCP call was cancelled]", is_error=True, error_kind="interrupted")
            raise ToolError(f"MCP server {self.connection.name!r}: {e}") from None
        except Exception as e:  # the SDK raises its own errors for protocol failures
            raise ToolError(f"MCP server {self.connection.name!r} failed the call: {type(e).__name__}: {e}") from None
        text = render_content(result)
        limit = ctx.max_output_chars
        truncated = len(text) > limit
        text = cut_middle(text, limit)
        return Observation(output=text or "(no output)", is_error=bool(result.is_error),
                           error_kind="tool_error" if result.is_error else None, truncated=truncated)

    def close(self, ctx: ToolContext) -> None:
        self.connection.close()


def render_content(result: Any) -> str:
    """A CallToolResult as text: text blocks as they are, other blocks described, structured content as JSON."""
    parts = []
    for block in result.content:
        kind = getattr(block, "type", "")
        if kind == "text":
            parts.append(block.text)
        elif kind in ("image", "audio"):
            parts.append(f"[{kind} content, {getattr(block, 'mime_type', '?')}, not shown]")
        elif kind == "resource_link":
            parts.append(f"[resource {getattr(block, 'uri', '')}]")
        elif kind == "resource":
            res = block.resource
            parts.append(getattr(res, "text", None) or f"[binary resource {getattr(res, 'uri', '')}]")
        else:
            parts.append(f"[{kind or 'unknown'} content]")
    if not parts and result.structured_content is not None:
        parts.append(json.dumps(result.structured_content, indent=2, ensure_ascii=False))
    return "\n".join(parts)


def tool_name(server: str, tool: str) -> str:
    """``server__tool``, in the characters and length tool names may have (``[A-Za-z0-9_-]{1,64}``)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", f"{server}__{tool}")[:64]


def remote_tools(conn: McpConnection) -> list[Tool]:
    """One Tool instance per tool the server lists."""
    out: list[Tool] = []
    for remote in conn.tools:
        schema = dict(remote.input_schema or {"type": "object", "properties": {}})
        schema.setdefault("type", "object")
        schema.setdefault("properties", {})
        params = type(f"{remote.name}_Arguments", (RemoteArguments,), {"schema_": schema})
        read_only = bool(remote.annotations and remote.annotations.read_only_hint)
        description = (remote.description or "").strip() or f"The {remote.name} tool of the MCP server {conn.name}."
        cls = type(f"Mcp_{conn.name}_{remote.name}", (McpTool,), {
            "name": tool_name(conn.name, remote.name), "kind": "read" if read_only else "exec", "Params": params,
            "description": description, "connection": conn, "remote_name": remote.name, "input_schema": schema,
        })
        out.append(cls())
    return out
