"""Session logs -> LIMI training rows (the OpenAI chat + tools format of FORMATS.md §1).

A row must reproduce what the model saw, so calls are exported as they were logged,
invalid ones included (arguments ``{}`` plus the error result the model read); the
manifest counts them so curation can filter. ``arguments`` is always a JSON object,
never a string (chat templates apply ``tojson`` to it). A row that fails
:func:`validate_row` is never written; the report names the session file instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from agent import __version__
from agent.events import INVALID_CALL_KINDS, AssistantMessage, ToolResult
from agent.redact import default_redactor
from agent.trajectory import LogReadResult, parse_log

ExportView = Literal["full", "compacted"]


def session_to_row(log: LogReadResult, view: ExportView = "full") -> dict[str, Any]:
    """Build the training row of one session: ``{"tools": [...], "messages": [...]}``.

    ``view`` ``full``: every message as logged; ``compacted``: compactions applied, as the
    model saw the conversation at the end (older turns replaced by their summaries).

    A trailing assistant message whose calls did not all get a result (a killed session)
    is dropped together with its partial results. Everything returned is plain JSON data,
    redacted again with today's rules (:func:`agent.redact.default_redactor`): the log was
    redacted when written, but perhaps by older rules or another environment's secrets.
    """
    tools = [_openai_tool(t) for t in (log.started.tools if log.started else [])]
    messages: list[dict[str, Any]] = []
    for m in log.messages(compacted=view == "compacted"):
        if m.role == "assistant":
            out: dict[str, Any] = {"role": "assistant", "content": m.content}
            if m.reasoning:
                out["reasoning_content"] = m.reasoning
            if m.interrupted:
                out["weight"] = 0  # in the context of what follows, but not a reply to learn
            if m.tool_calls:
                out["tool_calls"] = [
                    {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": _plain(c.arguments)}}
                    for c in m.tool_calls
                ]
            messages.append(out)
        elif m.role == "tool":
            messages.append({"role": "tool", "tool_call_id": m.tool_call_id, "name": m.name, "content": m.content})
        else:
            messages.append({"role": m.role, "content": m.content})
    _drop_unanswered_tail(messages)
    return default_redactor().redact_obj({"tools": tools, "messages": messages})


def _openai_tool(spec: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI ``{"type": "function", "function": ...}`` spec (bare function specs are wrapped)."""
    if "function" in spec:
        return _plain(spec)
    return {"type": "function", "function": _plain(spec)}


def _plain(obj: Any) -> Any:
    """A deep copy that is plain JSON data, not sharing anything with the log's events."""
    return json.loads(json.dumps(obj))


def _drop_unanswered_tail(messages: list[dict[str, Any]]) -> None:
    for i in range(len(messages) - 1, -1, -1):
        m = messages[i]
        if m["role"] == "tool":
            continue
        if m["role"] == "assistant" and m.get("tool_calls"):
            answered = {t["tool_call_id"] for t in messages[i + 1 :]}
            if any(c["id"] not in answered for c in m["tool_calls"]):
                del messages[i:]
        return


def validate_row(row: Any, *, allow_unknown_tools: bool = False) -> list[str]:
    """Problems that make ``row`` unfit to train on; an empty list means it is fine.

    Checks: tools are OpenAI function specs; an optional system message comes first, then
    a user message before any assistant one; every tool call has an id, a known tool
    name and object arguments, and exactly one tool message with its id follows it
    before the next user or assistant message; at least one assistant message.
    With ``allow_unknown_tools`` a call to a tool the row does not list is accepted (the
    session export keeps what the model really did, with the error it got back).
    """
    if not isinstance(row, dict):
        return ["row is not a JSON object"]
    problems: list[str] = []
    names: set[str] = set()
    tools = row.get("tools", [])
    if not isinstance(tools, list):
        problems.append("tools is not a list")
        tools = []
    for i, t in enumerate(tools):
        fn = t.get("function") if isinstance(t, dict) else None
        if not isinstance(fn, dict) or t.get("type") != "function" or not isinstance(fn.get("name"), str):
            problems.append(f"tools[{i}]: not an OpenAI spec {{'type': 'function', 'function': {{'name': ...}}}}")
            continue
        if not isinstance(fn.get("parameters", {}), dict):
            problems.append(f"tools[{i}] ({fn['name']}): parameters is not a JSON object")
        names.add(fn["name"])
    messages = row.get("messages")
    if not isinstance(messages, list) or not messages:
        return problems + ["messages is missing or empty"]

    pending: dict[str, int] = {}  # call id -> index of the assistant message that made it
    seen_ids: set[str] = set()
    seen_user = False
    assistants = 0

    def unanswered(where: str) -> None:
        for cid, at in pending.items():
            problems.append(f"messages[{at}]: tool call {cid!r} has no tool message before {where}")
        pending.clear()

    for i, m in enumerate(messages):
        here = f"messages[{i}]"
        if not isinstance(m, dict):
            problems.append(f"{here}: not a JSON object")
            continue
        role = m.get("role")
        content = m.get("content")
        if not isinstance(content, str) and not (role == "assistant" and content is None):
            problems.append(f"{here}: content is not a string")
        if role == "system":
            if i != 0:
                problems.append(f"{here}: a system message may only be the first message")
        elif role == "user":
            unanswered(here)
            seen_user = True
        elif role == "assistant":
            unanswered(here)
            if not seen_user:
                problems.append(f"{here}: assistant message before any user message")
            assistants += 1
            for j, call in enumerate(m.get("tool_calls") or []):
                problems += _check_call(call, f"{here}.tool_calls[{j}]", None if allow_unknown_tools else names, seen_ids)
                if isinstance(call, dict) and isinstance(call.get("id"), str):
                    pending[call["id"]] = i
        elif role == "tool":
            cid = m.get("tool_call_id")
            if cid in pending:
                del pending[cid]
            else:
                problems.append(f"{here}: tool message for {cid!r}, but no tool call before it is waiting for that id")
        else:
            problems.append(f"{here}: unknown role {role!r} (expected system, user, assistant or tool)")
    unanswered("the end")
    if assistants == 0:
        problems.append("no assistant message: nothing to train on")
    return problems


def _check_call(call: Any, here: str, names: set[str] | None, seen_ids: set[str]) -> list[str]:
    fn = call.get("function") if isinstance(call, dict) else None
    if not isinstance(fn, dict) or call.get("type") != "function":
        return [f"{here}: expected {{'id', 'type': 'function', 'function': {{'name', 'arguments'}}}}"]
    out = []
    cid = call.get("id")
    if not isinstance(cid, str) or not cid:
        out.append(f"{here}: missing id")
    elif cid in seen_ids:
        out.append(f"{here}: id {cid!r} is used twice")
    else:
        seen_ids.add(cid)
    if names is not None and fn.get("name") not in names:
        out.append(f"{here}: tool {fn.get('name')!r} is not in the row's tools")
    if not isinstance(fn.get("arguments"), dict):
        out.append(f"{here}: arguments is a {type(fn.get('arguments')).__name__}, expected a JSON object")
    return out


@dataclass
class ExportReport:
    """What :func:`export_sessions` did: ``rows`` are the manifest entries of the
    written rows, ``skipped`` is ``(session file, reason)`` for each session left out."""

    out_path: Path
    manifest_path: Path
    rows: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"wrote {len(self.rows)} rows to {self.out_path} (manifest {self.manifest_path})"]
        lines += [f"skipped {path}: {reason}" for path, reason in self.skipped]
        return "\n".join(lines)


def manifest_path_for(out_path: str | os.PathLike[str]) -> Path:
    """``<out>.manifest.json`` next to the output file."""
    out = Path(out_path)
    return out.with_name(out.name + ".manifest.json")


def export_sessions(paths: list[str | os.PathLike[str]], out_path: str | os.PathLike[str],
                    view: ExportView = "full") -> ExportReport:
    """Write one row per session log to ``out_path`` (JSONL) and a manifest next to it.

    A session is skipped, with the reason in the report, when its log has a corrupt line
    or events out of order (a truncated last line from a killed session is fine), or when
    its row fails :func:`validate_row`. Both files are replaced atomically.
    """
    out = Path(out_path)
    report = ExportReport(out, manifest_path_for(out))
    lines: list[bytes] = []
    seen: set[Path] = set()
    for p in map(Path, paths):
        if p.resolve() in seen:
            continue
        seen.add(p.resolve())
        try:
            data = p.read_bytes()
        except OSError as e:
            report.skipped.append((p, f"cannot read the log: {e.strerror or e}"))
            continue
        log = parse_log(data, p)
        bad = [pr for pr in log.problems if pr.kind != "truncated"]
        if bad:
            more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
            report.skipped.append((p, f"log problem: {bad[0]}{more}"))
            continue
        row = session_to_row(log, view)
        problems = validate_row(row, allow_unknown_tools=True)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            report.skipped.append((p, f"invalid row: {problems[0]}{more}"))
            continue
        line = json.dumps(row, ensure_ascii=False).encode("utf-8", "replace")
        lines.append(line)
        report.rows.append(_manifest_entry(log, row, data, line))

    out.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(out, b"".join(line + b"\n" for line in lines))
    manifest = {
        "limi_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "output": out.name,
        "row_count": len(report.rows),
        "rows": report.rows,
        "skipped": [{"source": str(p), "reason": r} for p, r in report.skipped],
    }
    _write_atomic(report.manifest_path, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode())
    return report


def _manifest_entry(log: LogReadResult, row: dict[str, Any], source: bytes, line: bytes) -> dict[str, Any]:
    invalid = {r.tool_call_id for r in log.events if isinstance(r, ToolResult) and r.error_kind in INVALID_CALL_KINDS}
    invalid |= {c.id for e in log.events if isinstance(e, AssistantMessage) for c in e.tool_calls if c.error}
    errors = {r.tool_call_id for r in log.events if isinstance(r, ToolResult) and r.is_error}
    call_ids = [c["id"] for m in row["messages"] for c in m.get("tool_calls", [])]
    ended = log.ended
    return {
        "session_id": log.session_id,
        "source": str(log.path),
        "source_sha256": hashlib.sha256(source).hexdigest(),
        "row_sha256": hashlib.sha256(line).hexdigest(),  # of the row's line, without the newline
        "messages": len(row["messages"]),
        "tool_calls": len(call_ids),
        "invalid_tool_calls": sum(cid in invalid for cid in call_ids),
        "tool_errors": sum(cid in errors for cid in call_ids),
        "end_reason": ended.reason if ended else "unfinished",
    }


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
