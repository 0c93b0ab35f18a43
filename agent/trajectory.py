"""The trajectory log: one append-only JSONL file per session, one event a line.

The log is the source of truth for everything downstream (review, curation, export,
training), so it is written to survive crashes: each line is flushed as it is written
(``kill -9`` loses at most the line being written), nothing rewrites it, and the reader
reports a corrupt or truncated line with its line number and keeps reading the rest.
Every event passes through a :class:`~agent.redact.Redactor` before it reaches disk.

Where the files live and how they are listed and found is :mod:`agent.session_store`,
re-exported here.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError

from agent.events import (
    EVENT_ADAPTER,
    AssistantMessage,
    SessionEnded,
    SessionResumed,
    SessionStarted,
    TextDelta,
    ToolResult,
    Undo,
    UserMessage,
)
from agent.messages import Message
from agent.redact import Redactor
from agent.session_store import (  # noqa: F401 - re-exported: the log's storage API
    LOG_SUFFIX,
    SessionLookupError,
    SessionSummary,
    find_session,
    list_sessions,
    new_session_id,
    session_path,
    sessions_dir,
    summarize_session,
)


def _last_byte(path: Path) -> bytes:
    with open(path, "rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1)


class TrajectoryWriter:
    """Appends events to a session log, one redacted JSON object a line.

    ``TextDelta`` events are skipped (the message events that follow carry the text).
    Each line is written with one ``write`` and flushed; :meth:`close` also fsyncs.
    Safe to call from several threads. Use as a context manager or call :meth:`close`.
    """

    def __init__(self, path: str | os.PathLike[str], redactor: Redactor | None = None) -> None:
        self.path = Path(path)
        if not self.path.parent.is_dir():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # keep session logs out of the user's git status (the file ignores itself too)
            (self.path.parent / ".gitignore").write_text("*\n")
        self.redactor = redactor if redactor is not None else Redactor()
        self._lock = threading.Lock()
        needs_newline = self.path.exists() and self.path.stat().st_size > 0 and _last_byte(self.path) != b"\n"
        self._file = open(self.path, "ab")  # noqa: SIM115 - held open for the whole session
        if needs_newline:
            # a writer killed mid-line left a partial line: keep it a line of its own,
            # so it stays one corrupt line instead of spoiling the next event too
            self._file.write(b"\n")
            self._file.flush()

    def write(self, event: BaseModel) -> None:
        """Redact ``event`` and append it as one line (streaming deltas are not logged)."""
        if isinstance(event, TextDelta):
            return
        with self._lock:
            if self._file is None:
                raise ValueError(f"trajectory log {self.path} is closed; open a new TrajectoryWriter to append")
            self._file.write(self._encode(event))
            self._file.flush()

    def _encode(self, event: BaseModel) -> bytes:
        try:
            text = event.model_dump_json()
        except ValueError:  # e.g. lone surrogates from undecodable tool output
            text = None
        if text is not None and not self.redactor.might_contain(text):
            return text.encode("utf-8", "replace") + b"\n"  # fast path: nothing to redact
        data = self.redactor.redact_obj(event.model_dump(mode="json"))
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace") + b"\n"

    def close(self) -> None:
        """Flush, fsync and close; calling it again does nothing."""
        with self._lock:
            if self._file is None:
                return
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None

    def __enter__(self) -> TrajectoryWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class LogProblem:
    """Something wrong at one line of a log. ``kind``: ``truncated`` (an unfinished last
    line, expected after a crash), ``corrupt`` (a line that is not a valid event) or
    ``structure`` (events in an impossible order, such as a result for an unknown call)."""

    path: Path
    line_no: int
    message: str
    kind: str = "structure"

    def __str__(self) -> str:
        return f"{self.path}:{self.line_no}: {self.message}"


@dataclass
class LogReadResult:
    """The events of one log, the line each came from, and the problems found."""

    path: Path
    events: list[BaseModel] = field(default_factory=list)
    problems: list[LogProblem] = field(default_factory=list)
    line_numbers: list[int] = field(default_factory=list)  # line_numbers[i] is events[i]'s line

    @property
    def started(self) -> SessionStarted | None:
        return self.events[0] if self.events and isinstance(self.events[0], SessionStarted) else None

    @property
    def ended(self) -> SessionEnded | None:
        """The last session_ended, unless the session was resumed after it and has not ended since."""
        last = next((e for e in reversed(self.events) if isinstance(e, (SessionEnded, SessionResumed))), None)
        return last if isinstance(last, SessionEnded) else None

    @property
    def session_id(self) -> str:
        return self.started.session_id if self.started else self.path.stem

    def messages(self, compacted: bool = False) -> list[Message]:
        """The conversation as logged: system prompt, then the messages in order. With
        ``compacted`` every logged compaction (and clearing of old tool results) is applied where it
        happened, giving the view the model last had (older turns replaced by their summary)."""
        from agent.compaction import apply_clearing, apply_compaction
        from agent.events import Compaction, ToolResultsCleared

        out = []
        if self.started and self.started.system_prompt:
            out.append(Message(role="system", content=self.started.system_prompt))
        for ev in self.events:
            if isinstance(ev, UserMessage):
                out.append(Message(role="user", content=ev.content))
            elif isinstance(ev, AssistantMessage):
                calls = list(ev.tool_calls)
                out.append(Message(role="assistant", content=ev.content, reasoning=ev.reasoning, tool_calls=calls,
                                   interrupted=ev.interrupted))
            elif isinstance(ev, ToolResult):
                out.append(Message(role="tool", content=ev.output, tool_call_id=ev.tool_call_id, name=ev.name))
            elif compacted and isinstance(ev, Compaction):
                out = apply_compaction(out, ev)
            elif compacted and isinstance(ev, ToolResultsCleared):
                out = apply_clearing(out, ev)
        return out


def read_log(path: str | os.PathLike[str]) -> LogReadResult:
    """Read and check a session log; bad lines become problems and reading goes on."""
    path = Path(path)
    return parse_log(path.read_bytes(), path)


def parse_log(data: bytes, path: str | os.PathLike[str]) -> LogReadResult:
    """Parse the bytes of a log (see :func:`read_log`); ``path`` is used in problems."""
    result = LogReadResult(Path(path))
    lines = data.split(b"\n")
    complete = len(lines) - 1  # the piece after the last newline is an unfinished line
    for i, raw in enumerate(lines):
        if not raw.strip():
            continue
        try:
            event = EVENT_ADAPTER.validate_json(raw)
        except ValidationError as e:
            if i >= complete:  # no newline after it: the writer stopped mid-line (killed)
                message, kind = f"truncated last line (the writer stopped mid-line): {_describe(e)}", "truncated"
            else:
                message, kind = f"corrupt line skipped: {_describe(e)}", "corrupt"
            result.problems.append(LogProblem(result.path, i + 1, message, kind))
            continue
        result.events.append(event)
        result.line_numbers.append(i + 1)
    _check_structure(result)
    return result


def _describe(e: ValidationError) -> str:
    errs = e.errors()
    first = errs[0]
    loc = ".".join(str(x) for x in first.get("loc", ()) if x != "") if first.get("type") != "json_invalid" else ""
    more = f" (and {len(errs) - 1} more errors)" if len(errs) > 1 else ""
    return f"{loc + ': ' if loc else ''}{first.get('msg', 'invalid')}{more}"


def _check_structure(result: LogReadResult) -> None:
    """Note events out of order: a missing session_started, results for unknown calls..."""

    def problem(line: int, message: str) -> None:
        result.problems.append(LogProblem(result.path, line, message))

    pending: dict[str, tuple[int, str]] = {}  # tool call id -> (line, tool name)
    seen_calls: set[str] = set()
    ended_line = 0
    for idx, (ev, line) in enumerate(zip(result.events, result.line_numbers)):
        if idx == 0 and not isinstance(ev, SessionStarted):
            problem(line, f"first event is {ev.type}, expected session_started")  # type: ignore[attr-defined]
        elif idx > 0 and isinstance(ev, SessionStarted):
            problem(line, "a second session_started in one log")
        if isinstance(ev, SessionResumed):
            ended_line = 0  # a resumed session goes on after its session_ended
        if ended_line and not isinstance(ev, (TextDelta, Undo)):  # an undo is run on a finished session
            problem(line, f"{ev.type} after session_ended (line {ended_line})")  # type: ignore[attr-defined]
        if isinstance(ev, (AssistantMessage, UserMessage)) and pending:
            ids = ", ".join(f"{cid} (line {ln})" for cid, (ln, _) in pending.items())
            problem(line, f"{ev.type} while tool call(s) {ids} have no result")
            pending.clear()
        if isinstance(ev, AssistantMessage):
            for call in ev.tool_calls:
                if call.id in seen_calls:
                    problem(line, f"tool call id {call.id!r} was already used")
                seen_calls.add(call.id)
                pending[call.id] = (line, call.name)
        elif isinstance(ev, ToolResult):
            if ev.tool_call_id in pending:
                del pending[ev.tool_call_id]
            elif ev.tool_call_id in seen_calls:
                problem(line, f"second result for tool call {ev.tool_call_id!r}, or one after the next message")
            else:
                problem(line, f"tool_result for unknown tool call {ev.tool_call_id!r} (no earlier call has that id)")
        elif isinstance(ev, SessionEnded) and not ended_line:
            ended_line = line
    ended = result.ended
    # a killed session, or one that stopped on an error or interrupt, may lack the last results
    if ended is not None and ended.reason in ("done", "max_turns", "loop"):
        for cid, (ln, name) in pending.items():
            problem(ln, f"tool call {cid!r} ({name}) has no result, but the session ended normally")
    result.problems.sort(key=lambda p: p.line_no)
