"""``limi-cli sessions list|show``: reading the trajectory logs (``limi-cli export`` is :mod:`limi_cli.commands.export`)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from agent.events import AssistantMessage, SessionEnded, SessionStarted, ToolResult, UserMessage
from agent.session_store import find_session, list_sessions, sessions_dir, skipped_note, subagent_logs
from agent.trajectory import LogReadResult, read_log


def list_cmd(workspace: Path, override: str | None, as_json: bool) -> int:
    directory = sessions_dir(workspace, override)
    skipped: list[tuple[Path, str]] = []
    summaries = list_sessions(directory, skipped, subagents=True) if directory.is_dir() else []
    for path, reason in skipped:
        print(skipped_note(path, reason), file=sys.stderr)
    if as_json:
        for s in summaries:
            print(json.dumps({"id": s.id, "started": s.started, "model": s.model, "turns": s.turns,
                              "end_reason": s.end_reason, "task": s.first_user_message, "path": str(s.path),
                              "parent_session_id": s.parent_session_id}))
        return 0
    if not summaries:
        print(f"no sessions in {directory}", file=sys.stderr)
        return 0
    print(f"{'SESSION':<24} {'STARTED':<16} {'TURNS':>5}  {'ENDED':<11} {'MODEL':<24} TASK")
    for s in summaries:
        started = time.strftime("%Y-%m-%d %H:%M", time.localtime(s.started)) if s.started else "?"
        task = f"↳ subagent of {s.parent_session_id}: {s.first_user_message}" if s.parent_session_id else s.first_user_message
        print(f"{s.id:<24} {started:<16} {s.turns:>5}  {s.end_reason:<11} {s.model[:24]:<24} {task}")
    return 0


def show_cmd(workspace: Path, override: str | None, session_id: str, as_json: bool) -> int:
    path = find_session(sessions_dir(workspace, override), session_id)
    log = read_log(path)
    if as_json:
        for event in log.events:
            print(event.model_dump_json())
        problems = log.problems
    else:
        # a subagent's log is shown under the task call that ran it (subagents of subagents too)
        problems = _print_log(log, subagent_logs(path.parent))
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    return 1 if problems and not as_json else 0


def _print_log(log: LogReadResult, children: dict[str, list[tuple[str | None, Path]]] | None = None,
               indent: str = "", seen: frozenset[str] = frozenset()) -> list:
    """Print ``log`` (each line after ``indent``), each subagent's log nested under the call that
    ran it; returns the problems of every log printed."""
    def out(text: object = "") -> None:  # every line of this log, after the indent of its nesting
        print("\n".join(f"{indent}{line}" if indent and line else indent.rstrip() or line
                         for line in str(text).split("\n")))

    problems = list(log.problems)
    kids = {call: p for call, p in (children or {}).get(log.session_id, []) if log.session_id not in seen}
    shown: set[Path] = set()

    def nested(call_id: str, child_id: str | None = None) -> None:
        child_path = kids.get(call_id)
        if child_path is None and child_id is not None and children is not None:
            child_path = next((p for c, p in children.get(log.session_id, []) if p.stem == child_id), None)
        if child_path is None:
            if child_id is not None:
                out(f"  ┆ subagent {child_id}: its log is not in this folder")
            return
        shown.add(child_path)
        child = read_log(child_path)
        problems.extend(_print_log(child, children, indent + "  ┆ ", seen | {log.session_id}))

    for e in log.events:
        if isinstance(e, SessionStarted):
            head = f" @ {e.git_head[:10]}{' (dirty)' if e.git_dirty else ''}" if e.git_head else ""
            agent = (e.subagent or {}).get("agent")
            who = f"subagent {e.session_id}{f' (agent {agent})' if agent else ''}" if e.parent_session_id else f"session {e.session_id}"
            out(f"{who}  model {e.model} ({e.backend})  approval {e.approval}  cwd {e.cwd}{head}")
        elif isinstance(e, UserMessage):
            out(f"\n> user\n{e.content}")
        elif isinstance(e, AssistantMessage):
            cut = ", interrupted: not trained on" if e.interrupted else ""
            out(f"\n> assistant (turn {e.turn}, {e.usage.prompt_tokens}+{e.usage.completion_tokens} tokens, "
                f"{e.latency_s:.2f}s{cut})")
            if e.reasoning:
                out(f"[reasoning] {e.reasoning}")
            if e.content:
                out(e.content)
            for c in e.tool_calls:
                out(f"→ {c.name} {json.dumps(c.arguments, ensure_ascii=False)}" + (f"  [invalid: {c.error}]" if c.error else ""))
        elif isinstance(e, ToolResult):
            status = f"error:{e.error_kind}" if e.is_error else "ok"
            code = f" exit {e.exit_code}" if e.exit_code is not None else ""
            body = e.output if len(e.output) <= 2000 else e.output[:2000] + f"\n[... {len(e.output) - 2000} more characters]"
            out(f"← {e.name} [{status}{code}, {e.duration_s:.2f}s]")
            if e.subagent_session_id is not None or e.tool_call_id in kids:
                nested(e.tool_call_id, e.subagent_session_id)
            out(body)
        elif isinstance(e, SessionEnded):
            out(f"\nended: {e.reason} after {e.turns} turns, {e.tool_calls} tool calls ({e.tool_errors} errors, "
                f"{e.invalid_tool_calls} invalid), {e.usage.prompt_tokens}+{e.usage.completion_tokens} tokens, {e.duration_s:.1f}s"
                + (f"\nerror: {e.error}" if e.error else ""))
    for call_id, child_path in kids.items():  # a call with no result yet: the parent was killed, or still runs
        if child_path not in shown:
            out(f"\n(subagent of the call {call_id}, which has no result)")
            nested(call_id)
    if log.ended is None:
        out("\n(unfinished: the session has no session_ended event; it was killed or is still running)")
    return problems
