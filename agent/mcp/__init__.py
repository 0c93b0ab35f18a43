"""MCP client: the tools of the MCP servers in the config, offered next to the built-in ones.

Each server in ``[mcp_servers.NAME]`` (stdio: ``command``/``args``; streamable HTTP: ``url``)
gets one :class:`~agent.mcp.connection.McpConnection`, and each of its tools becomes a
:class:`~agent.tools.base.Tool` named ``NAME__tool`` (see :mod:`agent.mcp.tools`). The
``mcp`` SDK is imported only here, when a server is configured.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agent.config import McpServer
    from agent.tools.base import Tool


def mcp_tools(servers: dict[str, McpServer], workspace: Path) -> list[Tool]:
    """Connect to every enabled server and return its tools; a server that fails is a ConfigError."""
    from agent.config import ConfigError
    from agent.mcp.connection import McpConnection, McpError
    from agent.mcp.tools import remote_tools

    tools: list[Tool] = []
    opened: list[McpConnection] = []
    try:
        for name, server in servers.items():
            if not server.enabled:
                continue
            try:
                conn = McpConnection(name, server, workspace)
            except McpError as e:
                raise ConfigError(f"MCP server {name!r}: {e}; fix [mcp_servers.{name}] or set enabled = false") from None
            opened.append(conn)
            tools += remote_tools(conn)
    except BaseException:
        for conn in opened:
            conn.close()
        raise
    return tools
