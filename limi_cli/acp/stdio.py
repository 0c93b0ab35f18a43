"""JSON-RPC messages over stdio, one JSON object a line, for the SDK's connection.

The SDK reads and writes the messages; this transport is what it reads them from. It answers
what the SDK would drop without a word: a line that is not JSON gets a ``-32700`` parse error
and one that is JSON but no JSON-RPC message (an array, a request without a method name, an
id that is an object) a ``-32600`` invalid request, both with ``id: null`` unless the id could
be read, as JSON-RPC 2.0 says. The connection goes on after either.

Standard output belongs to the protocol alone: :func:`take_stdout` moves it to a descriptor of
its own and points fd 1 (and ``sys.stdout``) at stderr, so a stray ``print`` or a native library
writing to stdout cannot corrupt the stream.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
from typing import Any, Callable

MAX_LINE_BYTES = 64 * 1024 * 1024  # one message; a longer line is answered as invalid and skipped

PARSE_ERROR, INVALID_REQUEST = -32700, -32600
ANSWER_WAIT_S = 30.0  # after the input ends, for the requests already read to be answered


def take_stdout() -> int:
    """A descriptor for the protocol's output (a copy of fd 1); fd 1 and ``sys.stdout`` then go to stderr."""
    sys.stdout.flush()
    fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return fd


def problem_of(message: Any) -> tuple[str, Any] | None:
    """Why ``message`` (parsed JSON) is not a JSON-RPC 2.0 message, and the id to answer with; None if it is one."""
    if not isinstance(message, dict):
        what = "a batch (an array)" if isinstance(message, list) else f"a JSON {type(message).__name__}"
        return f"expected one JSON-RPC message object, got {what}; batches are not supported", None
    raw_id = message.get("id")
    id_ok = raw_id is None or (isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool))
    answer_id = raw_id if id_ok else None
    if message.get("jsonrpc") != "2.0":
        return 'the message needs "jsonrpc": "2.0"', answer_id
    if not id_ok:
        return "the id must be a string, an integer or null", None
    if "method" in message:
        if not isinstance(message["method"], str):
            return "the method must be a string", answer_id
        if "params" in message and not isinstance(message["params"], (dict, list)) and message["params"] is not None:
            return "params must be an object", answer_id
        return None
    if "id" not in message:
        return "a message needs a method (a request or notification) or an id (a response)", None
    if "result" not in message and "error" not in message:
        return "a response needs a result or an error", answer_id
    return None


class StdioTransport:
    """The SDK's message transport (``send``, ``receive``, ``close``) over two descriptors."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter | None, out_fd: int,
                 on_eof: Callable[[], None] | None = None):
        self._reader = reader
        self._on_eof = on_eof  # called once when the input ends, before the SDK closes the connection
        self._writer = writer  # None: ``out_fd`` is a regular file, written directly
        self._out_fd = out_fd
        self._lock = asyncio.Lock()
        self._closed = False
        self._unanswered: set[str] = set()  # ids of the client's requests not answered yet
        self._answered = asyncio.Event()  # set while _unanswered is empty
        self._answered.set()

    @classmethod
    async def open(cls, in_fd: int = 0, out_fd: int = 1, on_eof: Callable[[], None] | None = None) -> StdioTransport:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=MAX_LINE_BYTES)
        try:  # pipes, sockets, terminals
            await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(in_fd, "rb", 0, closefd=False))
        except ValueError:  # a regular file (limi-cli acp < requests.jsonl): read it in a thread
            _feed_from_thread(loop, reader, in_fd)
        writer = None
        try:
            protocol = _DrainProtocol(loop)
            transport, _ = await loop.connect_write_pipe(lambda: protocol, os.fdopen(out_fd, "wb", 0, closefd=False))
            writer = asyncio.StreamWriter(transport, protocol, None, loop)
        except ValueError:
            pass
        return cls(reader, writer, out_fd, on_eof)

    async def send(self, message: dict[str, Any]) -> None:
        if "method" not in message and "id" in message:  # a response to one of the client's requests
            self._unanswered.discard(json.dumps(message["id"]))
            if not self._unanswered:
                self._answered.set()
        data = (json.dumps(message, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        async with self._lock:
            if self._closed:
                raise ConnectionError("the connection is closed")
            if self._writer is None:
                os.write(self._out_fd, data)
                return
            self._writer.write(data)
            await self._writer.drain()

    async def receive(self) -> dict[str, Any] | None:
        message = await self._receive()
        if message is None:
            # the client closed its end: stop what runs, answer what was asked, then let the SDK close
            if self._on_eof is not None:
                on_eof, self._on_eof = self._on_eof, None
                on_eof()
            try:
                await asyncio.wait_for(self._answered.wait(), ANSWER_WAIT_S)
            except asyncio.TimeoutError:
                pass
        elif "method" in message and "id" in message:
            self._unanswered.add(json.dumps(message["id"]))
            self._answered.clear()
        return message

    async def _receive(self) -> dict[str, Any] | None:
        while not self._closed:
            try:
                line = await self._reader.readuntil(b"\n")
            except asyncio.IncompleteReadError as e:  # the last line, without a newline, then EOF
                line = e.partial
                if not line.strip():
                    return None
            except asyncio.LimitOverrunError:
                await self._skip_long_line()
                await self._answer(INVALID_REQUEST, "Invalid request", None, f"a message longer than {MAX_LINE_BYTES} bytes")
                continue
            if not line.strip():
                continue
            try:
                message = json.loads(line)
            except ValueError as e:
                await self._answer(PARSE_ERROR, "Parse error", None, f"not JSON: {e}")
                continue
            problem = problem_of(message)
            if problem is not None:
                why, answer_id = problem
                if isinstance(message, dict) and "method" not in message and "id" in message and answer_id is not None:
                    continue  # a broken response: answering a response would start a ping-pong
                await self._answer(INVALID_REQUEST, "Invalid request", answer_id, why)
                continue
            return message
        return None

    async def close(self) -> None:
        self._closed = True
        self._reader.feed_eof()
        if self._writer is not None:
            self._writer.close()

    async def _answer(self, code: int, message: str, answer_id: Any, details: str) -> None:
        try:
            await self.send({"jsonrpc": "2.0", "id": answer_id, "error": {"code": code, "message": message,
                                                                          "data": {"details": details}}})
        except (ConnectionError, OSError):
            pass

    async def _skip_long_line(self) -> None:
        while True:
            try:
                await self._reader.readuntil(b"\n")
                return
            except asyncio.LimitOverrunError as e:
                await self._reader.readexactly(e.consumed)
            except asyncio.IncompleteReadError:
                return


class _DrainProtocol(asyncio.streams.FlowControlMixin):
    """What ``StreamWriter.drain`` needs from a write pipe's protocol."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        super().__init__(loop=loop)


def _feed_from_thread(loop: asyncio.AbstractEventLoop, reader: asyncio.StreamReader, fd: int) -> None:
    def pump() -> None:
        try:
            while data := os.read(fd, 65536):
                loop.call_soon_threadsafe(reader.feed_data, data)
        except OSError:
            pass
        finally:
            loop.call_soon_threadsafe(reader.feed_eof)

    threading.Thread(target=pump, name="acp-stdin", daemon=True).start()
