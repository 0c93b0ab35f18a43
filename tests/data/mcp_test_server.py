"""A small MCP server written with the official SDK, for tests: ``python mcp_test_server.py`` serves
over stdio, ``python mcp_test_server.py http PORT`` over streamable HTTP on 127.0.0.1:PORT/mcp."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from mcp.server.mcpserver import MCPServer

server = MCPServer("limi-test")


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
def shout(text: str) -> str:
    """Return the text in capitals."""
    return text.upper()


@server.tool()
def fail(message: str) -> str:
    """Always fail with the message."""
    raise ValueError(message)


@server.tool()
def sleep(seconds: float, started: str = "") -> str:
    """Sleep, then say so; first create the file ``started`` if given (tests wait for it)."""
    if started:
        Path(started).touch()
    time.sleep(seconds)
    return "slept"


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "http":
        server.run(transport="streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        server.run()
