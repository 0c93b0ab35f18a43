"""Parsing many files at once: worker processes take the big files, this process the small ones.

A cold index of a large tree is all parsing, which is CPU-bound C inside tree-sitter, so it
spreads over the cores: ``jobs - 1`` worker processes each parse chunks of files and send
back encoded records, while this process parses chunks from the other end of the queue, so
it is not idle while the workers start. A worker is a fresh interpreter running
:func:`serve` (not multiprocessing: the caller's main module is not run again, and starting
one is safe beside the threads of the chat UI); it reads files by descriptor from the root,
as this process does. A worker that dies, or cannot be started, costs only speed: what it
had not answered is parsed here.

The pipes carry frames: a task is ``<u32 length><JSON [root, [[rel, language], ...]]>``; a
result is ``<u32 len(rel)><u32 len(record)><rel><record>`` per file (a record of length 0:
unreadable), then ``<u32 0><u32 0>`` for the end of the chunk.
"""

from __future__ import annotations

import json
import os
import selectors
import struct
import subprocess
import sys
from collections import deque
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO

from agent.codeintel.parser import FileRecord, encode_record, extract

# below this many bytes to parse, starting worker processes costs more than it saves
POOL_MIN_BYTES = 2_000_000
CHUNK_COST = 160_000  # one task: about 10 ms of parsing
FILE_COST = 6_000  # what a file costs besides its bytes (opening, reading, a query cursor), in bytes
QUEUED = 3  # tasks sent ahead to each worker, so it never waits for this process to look up
MAX_JOBS = 8

Item = tuple[str, str, int]  # (relative path, language, size)
Result = tuple[str, "FileRecord | bytes | None"]  # parsed here, encoded by a worker, None: unreadable
_FRAME = struct.Struct("<II")
MAX_FRAME = 1 << 28  # no path or record is this long: a frame saying so is garbage
_LENGTH = struct.Struct("<I")


def default_jobs() -> int:
    """Processes to parse with: the CPUs this process may run on (``LIMI_CODEINTEL_JOBS`` overrides)."""
    env = os.environ.get("LIMI_CODEINTEL_JOBS", "").strip()
    if env.isdigit() and int(env) > 0:
        return min(int(env), MAX_JOBS)
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_JOBS))


def read_source(root: Path, rel: str) -> bytes | None:
    """The bytes of ``rel`` under ``root``, opened by descriptor from the root (a link swapped
    in, a FIFO or a device is not read); None when it cannot be read."""
    from agent.tools.base import ToolError
    from agent.tools.safe_open import read_bytes
    from agent.tools.workspace import OutsideWorkspace

    try:
        ws = _workspace(str(root))
        return read_bytes(ws, ws.root / rel)
    except (OSError, OutsideWorkspace, ToolError):  # ToolError: a FIFO, socket or device
        return None


@lru_cache(maxsize=4)
def _workspace(root: str) -> Any:
    from agent.tools.workspace import Workspace

    return Workspace(root)


def parse_here(root: Path, items: list[Item]) -> list[Result]:
    out: list[Result] = []
    for rel, language, _ in items:
        source = read_source(root, rel)
        out.append((rel, None if source is None else extract(source, language)))
    return out


def parse_files(root: Path, items: list[Item], jobs: int | None = None) -> Iterator[Result]:
    """(rel, record) for each of ``items``, in no particular order; in worker processes too
    when there is enough to parse and more than one CPU."""
    jobs = default_jobs() if jobs is None else max(1, jobs)
    if jobs == 1 or os.name != "posix" or len(items) < 2 or sum(item[2] for item in items) < POOL_MIN_BYTES:
        yield from parse_here(root, items)
        return
    yield from _Pool(root, jobs - 1).run(_chunks(items))


def _chunks(items: list[Item]) -> deque[list[Item]]:
    """Chunks of about CHUNK_COST, biggest files first (workers take chunks from the front,
    this process from the back, so both finish at about the same time)."""
    chunks: deque[list[Item]] = deque()
    current: list[Item] = []
    cost = 0
    for item in sorted(items, key=lambda item: -item[2]):
        current.append(item)
        cost += item[2] + FILE_COST
        if cost >= CHUNK_COST:
            chunks.append(current)
            current, cost = [], 0
    if current:
        chunks.append(current)
    return chunks


class _Worker:
    def __init__(self, proc: subprocess.Popen[bytes]):
        self.proc = proc
        self.buffer = bytearray()
        self.tasks: deque[list[Item]] = deque()  # sent, not answered in full yet
        self.writable = True  # False once a task could not be sent
        self.done: set[str] = set()  # files of the first task already answered


class _Pool:
    """Worker processes fed one chunk at a time; this process parses too."""

    def __init__(self, root: Path, workers: int):
        self.root = root
        self.count = workers

    def _command(self) -> list[str]:
        package_parent = str(Path(__file__).resolve().parents[2])
        code = f"import sys; sys.path.insert(0, {package_parent!r}); from agent.codeintel.workers import serve; serve()"
        return [sys.executable, "-c", code]

    def _start(self) -> list[_Worker]:
        workers = []
        for _ in range(self.count):
            try:
                proc = subprocess.Popen(self._command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, close_fds=True)
            except OSError:
                break
            os.set_blocking(proc.stdout.fileno(), False)
            workers.append(_Worker(proc))
        return workers

    def run(self, chunks: deque[list[Item]]) -> Iterator[Result]:
        workers = self._start()
        selector = selectors.DefaultSelector()
        for w in workers:
            selector.register(w.proc.stdout, selectors.EVENT_READ, w)
        try:
            while chunks or any(w.tasks for w in workers):
                for w in workers:
                    while w.writable and len(w.tasks) < QUEUED and chunks:
                        self._send(w, chunks.popleft(), chunks)
                ready = selector.select(timeout=0 if chunks else None) if selector.get_map() else []
                for key, _ in ready:
                    w = key.data
                    results, alive = self._receive(w)
                    yield from results
                    if not alive:  # died: what it had not answered is parsed here
                        selector.unregister(w.proc.stdout)
                        workers.remove(w)
                        chunks.extend([item for item in task if item[0] not in w.done] for task in w.tasks)
                        w.tasks.clear()
                        w.proc.kill()
                        _close(w.proc)
                if chunks and not ready:  # meanwhile parse the smallest remaining chunk here
                    yield from parse_here(self.root, chunks.pop())
        finally:
            selector.close()
            for w in workers:
                _close(w.proc)

    def _send(self, w: _Worker, chunk: list[Item], chunks: deque[list[Item]]) -> None:
        task = json.dumps([str(self.root), [[rel, language] for rel, language, _ in chunk]]).encode()
        try:
            w.proc.stdin.write(_LENGTH.pack(len(task)) + task)
            w.proc.stdin.flush()
        except OSError:  # gone: the chunk stays here; the selector will see its end
            chunks.append(chunk)
            w.writable = False
            return
        w.tasks.append(chunk)

    def _receive(self, w: _Worker) -> tuple[list[Result], bool]:
        try:
            data = os.read(w.proc.stdout.fileno(), 1 << 20)
        except BlockingIOError:
            return [], True
        except OSError:
            data = b""
        if not data:
            return [], False
        w.buffer += data
        out: list[Result] = []
        at = 0
        while len(w.buffer) - at >= _FRAME.size:
            n_rel, n_record = _FRAME.unpack_from(w.buffer, at)
            if n_rel > MAX_FRAME or n_record > MAX_FRAME or (n_rel == 0 and n_record != 0):
                return out, False  # not our protocol: treat the worker as dead
            end = at + _FRAME.size + n_rel + n_record
            if len(w.buffer) < end:
                break
            if n_rel == 0:  # the end of the first task
                if w.tasks:
                    w.tasks.popleft()
                w.done = set()
            else:
                rel = bytes(w.buffer[at + _FRAME.size:at + _FRAME.size + n_rel]).decode("utf-8", "surrogateescape")
                record = bytes(w.buffer[at + _FRAME.size + n_rel:end])
                out.append((rel, record or None))
                w.done.add(rel)
            at = end
        del w.buffer[:at]
        return out, True


def _close(proc: subprocess.Popen[bytes]) -> None:
    try:
        proc.stdin.close()  # end of tasks: the worker exits
    except OSError:  # a broken pipe: it is gone already
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stdout.close()


def serve(stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
    """A worker: parse each task's files and answer with their encoded records, until stdin ends."""
    stdin = stdin or sys.stdin.buffer
    if stdout is None:  # the frames get the pipe; anything else printed goes to stderr
        stdout = os.fdopen(os.dup(1), "wb")
        os.dup2(2, 1)
    while True:
        head = stdin.read(_LENGTH.size)
        if len(head) < _LENGTH.size:
            return
        root, items = json.loads(stdin.read(_LENGTH.unpack(head)[0]))
        for rel, language in items:
            source = read_source(Path(root), rel)
            record = b"" if source is None else encode_record(extract(source, language))
            name = rel.encode("utf-8", "surrogateescape")
            stdout.write(_FRAME.pack(len(name), len(record)) + name + record)
        stdout.write(_FRAME.pack(0, 0))
        stdout.flush()


if __name__ == "__main__":
    serve()
