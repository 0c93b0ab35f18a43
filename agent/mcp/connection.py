"""One MCP server, connected through the official SDK on a background event loop thread.

The SDK is async (anyio); the session loop is not. The connection runs its own asyncio
loop in a daemon thread: one task holds the SDK ``Client`` open for the whole session
(entering and leaving it in the same task, as anyio requires) and each tool call is a
coroutine submitted to that loop, waited for with a timeout and the session's cancel flag.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agent.config import McpServer

CONNECT_TIMEOUT_S = 60.0
CLOSE_TIMEOUT_S = 10.0
POLL_S = 0.05


class McpError(Exception):
    """The server could not be reached or did not answer in time; the message says which."""


class McpConnection:
    """A live connection to the server ``name``; :meth:`call` runs one tool, :meth:`close` ends it."""

    def __init__(self, name: str, server: McpServer, workspace: Path):
        self.name = name
        self.server = server
        self.workspace = workspace
        self.tools: list[Any] = []  # mcp_types.Tool, as the server listed them
        self.stderr_log = workspace / ".limi" / "mcp" / f"{name}.stderr.log"
        self._client: Any = None
        self._closed = False
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._thread = threading.Thread(target=self._loop.run_forever, name=f"mcp-{name}", daemon=True)
        self._thread.start()
        self._main = asyncio.run_coroutine_threadsafe(self._hold(), self._loop)
        try:
            self._ready.result(timeout=CONNECT_TIMEOUT_S)
        except concurrent.futures.TimeoutError:
            self.close()
            raise McpError(f"no answer within {CONNECT_TIMEOUT_S:g} s") from None
        except Exception as e:
            self.close()
            hint = f" (the server's stderr is in {self.stderr_log})" if not self.server.url else ""
            raise McpError(f"{_one_line(e)}{hint}") from None

    def _transport(self, errlog) -> Any:
        from mcp.client.stdio import StdioServerParameters, stdio_client
        from mcp.client.streamable_http import streamable_http_client

        s = self.server
        if s.url:
            if s.headers:
                from mcp.shared._httpx_utils import create_mcp_http_client

                return streamable_http_client(s.url, http_client=create_mcp_http_client(headers=s.headers))
            return streamable_http_client(s.url)
        if not s.command:
            raise McpError("give either command (a stdio server) or url (a streamable HTTP server)")
        params = StdioServerParameters(command=s.command, args=s.args, env=s.env or None, cwd=s.cwd or str(self.workspace))
        return stdio_client(params, errlog=errlog)

    async def _hold(self) -> None:
        from mcp import Client

        self._stop = asyncio.Event()
        try:
            self.stderr_log.parent.mkdir(parents=True, exist_ok=True)
            with self.stderr_log.open("a", encoding="utf-8") as errlog:
                async with Client(self._transport(errlog)) as client:
                    self._client = client
                    self.tools = await _all_tools(client)
                    self._ready.set_result(None)
                    await self._stop.wait()
        except BaseException as e:  # noqa: BLE001 - reported to whoever waits
            if not self._ready.done():
                self._ready.set_exception(e if isinstance(e, Exception) else McpError(repr(e)))
            if not isinstance(e, Exception):
                raise

    def call(self, tool: str, arguments: dict[str, Any], timeout_s: float, cancel: threading.Event) -> Any:
        """Run ``tool`` on the server; raise McpError on timeout or interrupt (the call is cancelled)."""
        if self._client is None or self._closed:
            raise McpError(f"the connection to MCP server {self.name!r} is closed")
        future = asyncio.run_coroutine_threadsafe(self._client.call_tool(tool, arguments), self._loop)
        waited = 0.0
        while True:
            try:
                return future.result(timeout=POLL_S)
            except concurrent.futures.TimeoutError:
                waited += POLL_S
                if cancel.is_set() or waited >= timeout_s:
                    future.cancel()
                    why = "interrupted" if cancel.is_set() else f"no answer within {timeout_s:g} s; the call was cancelled"
                    raise McpError(why) from None

    def close(self) -> None:
        """End the session with the server (stops a stdio server process) and the loop thread."""
        if self._closed:
            return
        self._closed = True
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        try:
            self._main.result(timeout=CLOSE_TIMEOUT_S)
        except BaseException:  # noqa: BLE001 - closing: whatever happened, go on
            self._main.cancel()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=CLOSE_TIMEOUT_S)
        if not self._thread.is_alive():
            self._loop.close()


async def _all_tools(client: Any) -> list[Any]:
    tools, cursor = [], None
    for _ in range(100):  # a paginator that never ends cannot hang the start
        page = await client.list_tools(cursor=cursor)
        tools += page.tools
        cursor = page.next_cursor
        if not cursor:
            break
    return tools


def _one_line(e: BaseException) -> str:
    while getattr(e, "exceptions", None):  # an exception group (anyio task groups): its first cause
        e = e.exceptions[0]
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[0]}" if text else type(e).__name__
