"""Where session logs live, and listing and finding them without reading them whole.

Session files are ``<workspace>/.limi/sessions/<session_id>.jsonl``. Ids start with the
UTC start time, so they sort by age; a listing reads only the first lines and the last
line of each log (the whole file only for a session that never ended). Re-exported by
:mod:`agent.trajectory`.

A log whose first line is not a ``session_started`` header (a 0-byte file left by a kill
during start-up, a cut first line, some other JSON Lines file) is not a session: listings,
``--continue`` and the pickers skip it, and say so where they can (``skipped``).
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

LOG_SUFFIX = ".jsonl"
_TAIL_CHUNK = 64 * 1024


def sessions_dir(workspace_root: str | os.PathLike[str], override: str | os.PathLike[str] | None = None) -> Path:
    """Where session logs go: ``override`` (relative to the workspace) or ``<workspace>/.limi/sessions``."""
    root = Path(workspace_root)
    if override is not None:
        return root / Path(override).expanduser()  # an absolute override replaces root
    return root / ".limi" / "sessions"


def new_session_id(now: float | None = None) -> str:
    """A new id like ``20261124-205233-3fa9c1``: UTC time first, so ids sort by start time."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime(now)) + "-" + secrets.token_hex(3)


def session_path(directory: str | os.PathLike[str], session_id: str) -> Path:
    """The log file of ``session_id`` in ``directory``."""
    return Path(directory) / f"{session_id}{LOG_SUFFIX}"


class SessionLookupError(LookupError):
    """No session, or more than one, matches what the user asked for."""


class NotASessionLog(ValueError):
    """The file is empty, or its first line is not a ``session_started`` header."""


def skipped_note(path: Path, reason: str) -> str:
    """The one-line note shown where a header-less log is skipped."""
    return f"note: skipped {path}: {reason}; it is not a session (delete it to silence this note)"


def find_session(directory: str | os.PathLike[str], id_or_prefix: str) -> Path:
    """The log whose id is ``id_or_prefix`` or starts with it (a path to a log also works)."""
    directory = Path(directory)
    key = id_or_prefix.strip()
    if not key:
        raise SessionLookupError("empty session id: give a session id or a unique prefix of one")
    if key.endswith(LOG_SUFFIX) and Path(key).is_file():
        return Path(key)
    key = key.removesuffix(LOG_SUFFIX)
    if not directory.is_dir():
        raise SessionLookupError(f"no sessions yet: {directory} does not exist")
    exact = session_path(directory, key)
    if exact.is_file():
        return exact
    matches = sorted(p for p in directory.glob(f"*{LOG_SUFFIX}") if p.stem.startswith(key))
    if not matches:
        raise SessionLookupError(f"no session id starts with {key!r} in {directory}")
    if len(matches) > 1:  # logs that are not sessions (empty, no header) do not make a prefix ambiguous
        matches = [p for p in matches if log_header_problem(p) is None] or matches
    if len(matches) > 1:
        shown = ", ".join(p.stem for p in matches[:5]) + (", ..." if len(matches) > 5 else "")
        raise SessionLookupError(f"{key!r} matches {len(matches)} sessions ({shown}); give more of the id")
    return matches[0]


@dataclass(frozen=True)
class SessionSummary:
    """One line of a session listing. ``end_reason`` is ``unfinished`` for a log
    without a ``session_ended`` event (a killed or still running session); ``parent_session_id``
    names the session whose ``task`` call ran this one (a subagent)."""

    id: str
    started: float | None  # unix time
    model: str
    first_user_message: str  # cut to one short line
    turns: int
    end_reason: str
    path: Path
    parent_session_id: str | None = None


def log_header_problem(path: Path, first: bytes | None = None) -> str | None:
    """Why ``path`` is not a session log (None when its first line is a session_started header)."""
    if first is None:
        try:
            with open(path, "rb") as f:
                first = f.readline()
        except OSError as e:
            return f"unreadable ({e.strerror or e})"
    if not first:
        return "empty log (a session killed during start-up leaves one)"
    if _loads(first).get("type") != "session_started":
        return "its first line is not a session_started header"
    return None


def summarize_session(path: str | os.PathLike[str], cut: int = 80) -> SessionSummary:
    """Summarise a log from its first lines and its last line (the whole file when the last
    line is not the end: a killed session, or an ``undo`` appended after the end).
    Raises :class:`NotASessionLog` when the first line is not a session_started header."""
    path = Path(path)
    sid, started, model, first_user, turns, end = path.stem, None, "", "", 0, "unfinished"
    with open(path, "rb") as f:
        first = f.readline()
        problem = log_header_problem(path, first)
        if problem is not None:
            raise NotASessionLog(problem)
        header = _loads(first)
        sid, model = str(header.get("session_id", sid)), str(header.get("model", ""))
        started = header["ts"] if isinstance(header.get("ts"), (int, float)) else None
        for _ in range(7):  # the first user message comes right after the header
            obj = _loads(f.readline())
            if obj.get("type") == "user_message":
                first_user = " ".join(str(obj.get("content", "")).split())
                first_user = first_user if len(first_user) <= cut else first_user[: cut - 3] + "..."
                break
        last = _loads(_last_line(f))
        if last.get("type") == "session_ended":
            end, turns = str(last.get("reason", "?")), _int(last.get("turns"), 0)
        else:  # killed, or events after the end (an undo): scan for the end, else count turns
            f.seek(0)
            for line in f:
                if b'"type":"assistant_message"' in line[:100]:
                    turns = _int(_loads(line).get("turn"), turns)
                elif b'"type":"session_ended"' in line[:100]:
                    ended = _loads(line)
                    end, turns = str(ended.get("reason", "?")), _int(ended.get("turns"), turns)
    parent = header.get("parent_session_id")
    return SessionSummary(sid, started, model, first_user, turns, end, path, parent if isinstance(parent, str) else None)


def list_sessions(directory: str | os.PathLike[str], skipped: list[tuple[Path, str]] | None = None, *,
                  subagents: bool = False) -> list[SessionSummary]:
    """Summaries of every session log in ``directory``, newest first (empty if it does not
    exist). Files that are not session logs (empty, no header) are left out, and added to
    ``skipped`` as (path, reason) when it is given, so the caller can say so. Subagents' logs
    (sessions a ``task`` call ran) are left out unless ``subagents``: nobody resumes one."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    keyed = []
    for path in sorted(directory.glob(f"*{LOG_SUFFIX}")):
        try:
            summary = summarize_session(path)
            when = summary.started if summary.started is not None else path.stat().st_mtime
        except NotASessionLog as e:
            if skipped is not None:
                skipped.append((path, str(e)))
            continue
        except OSError:
            continue  # deleted or unreadable meanwhile
        if summary.parent_session_id is not None and not subagents:
            continue
        keyed.append(((when, summary.id), summary))
    keyed.sort(key=lambda pair: pair[0], reverse=True)
    return [summary for _, summary in keyed]


def subagent_logs(directory: str | os.PathLike[str]) -> dict[str, list[tuple[str | None, Path]]]:
    """The subagents' logs in ``directory`` by the session that ran them: parent session id ->
    ``(parent_tool_call_id, path)`` in the order they started. Only first lines are read."""
    directory = Path(directory)
    found: dict[str, list[tuple[float, str | None, Path]]] = {}
    if not directory.is_dir():
        return {}
    for path in directory.glob(f"*{LOG_SUFFIX}"):
        try:
            with open(path, "rb") as f:
                first = f.readline()
        except OSError:
            continue
        if b'"parent_session_id"' not in first:
            continue
        header = _loads(first)
        parent, call = header.get("parent_session_id"), header.get("parent_tool_call_id")
        if header.get("type") == "session_started" and isinstance(parent, str):
            when = header["ts"] if isinstance(header.get("ts"), (int, float)) else 0.0
            found.setdefault(parent, []).append((when, call if isinstance(call, str) else None, path))
    return {parent: [(call, path) for _, call, path in sorted(kids, key=lambda k: (k[0], k[2].name))]
            for parent, kids in found.items()}


def _int(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _loads(line: bytes) -> dict:
    try:
        obj = json.loads(line)
    except ValueError:
        return {}
    return obj if isinstance(obj, dict) else {}


def _last_line(f) -> bytes:
    """The last non-empty line of an open binary file, reading backwards in chunks."""
    pos = f.seek(0, os.SEEK_END)
    chunks: list[bytes] = []
    seen_content = False  # past the trailing newlines
    while pos > 0:
        step = min(_TAIL_CHUNK, pos)
        pos -= step
        f.seek(pos)
        chunk = f.read(step)
        if not seen_content:
            chunk = chunk.rstrip(b"\n")
            seen_content = bool(chunk)
        cut = chunk.rfind(b"\n")
        if cut >= 0:
            chunks.append(chunk[cut + 1 :])
            break
        chunks.append(chunk)
    return b"".join(reversed(chunks))
