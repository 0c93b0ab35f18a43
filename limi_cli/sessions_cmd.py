"""``limi-cli sessions list|show``: reading the trajectory logs (``limi-cli export`` is :mod:`limi_cli.commands.export`)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from agent.events import AssistantMessage, SessionEnded, SessionStarted, ToolResult, UserMessage
from agent.session_store import find_session, list_sessions, sessions_dir, skipped_note
from agent.trajectory import LogReadResult, read_log


def list_cmd(workspace: Path, override: str | None, as_json: bool) -> int:
    directory = sessions_dir(workspace, override)
    skipped: list[tuple[Path, str]] = []
    summaries = list_sessions(directory, skipped) if directory.is_dir() else []
    for path, reason in skipped:
        print(skipped_note(path, reason), file=sys.stderr)
    if as_json:
        for s in summaries:
            print(json.dumps({"id": s.id, "started": s.started, "model": s.model, "turns": s.turns,
                              "end_reason": s.end_reason, "task": s.first_user_message, "path": str(s.path)}))
        return 0
    if not summaries:
        print(f"no sessions in {directory}", file=sys.stderr)
        return 0
    print(f"{'SESSION':<24} {'STARTED':<16} {'TURNS':>5}  {'ENDED':<11} {'MODEL':<24} TASK")
    for s in summaries:
        started = time.strftime("%Y-%m-%d %H:%M", time.localtime(s.started)) if s.started else "?"
        print(f"{s.id:<24} {started:<16} {s.turns:>5}  {s.end_reason:<11} {s.model[:24]:<24} {s.first_user_message}")
    return 0


def show_cmd(workspace: Path, override: str | None, session_id: str, as_json: bool) -> int:
    log = read_log(find_session(sessions_dir(workspace, override), session_id))
    if as_json:
        for event in log.events:
            print(event.model_dump_json())
    else:
        _print_log(log)
    for problem in log.problems:
        print(f"problem: {problem}", file=sys.stderr)
    return 1 if log.problems and not as_json else 0


def _print_log(log: LogReadResult) -> None:
    for e in log.events:
        if isinstance(e, SessionStarted):
            head = f" @ {e.git_head[:10]}{' (dirty)' if e.git_dirty else ''}" if e.git_head else ""
            print(f"session {e.session_id}  model {e.model} ({e.backend})  approval {e.approval}  cwd {e.cwd}{head}")
        elif isinstance(e, UserMessage):
            print(f"\n> user\n{e.content}")
        elif isinstance(e, AssistantMessage):
            cut = ", interrupted: not trained on" if e.interrupted else ""
            print(f"\n> assistant (turn {e.turn}, {e.usage.prompt_tokens}+{e.usage.completion_tokens} tokens, "
                  f"{e.latency_s:.2f}s{cut})")
            if e.reasoning:
                print(f"[reasoning] {e.reasoning}")
            if e.content:
                print(e.content)
            for c in e.tool_calls:
                print(f"→ {c.name} {json.dumps(c.arguments, ensure_ascii=False)}" + (f"  [invalid: {c.error}]" if c.error else ""))
        elif isinstance(e, ToolResult):
            status = f"error:{e.error_kind}" if e.is_error else "ok"
            code = f" exit {e.exit_code}" if e.exit_code is not None else ""
            body = e.output if len(e.output) <= 2000 else e.output[:2000] + f"\n[... {len(e.output) - 2000} more characters]"
            print(f"← {e.name} [{status}{code}, {e.duration_s:.2f}s]\n{body}")
        elif isinstance(e, SessionEnded):
            print(f"\nended: {e.reason} after {e.turns} turns, {e.tool_calls} tool calls ({e.tool_errors} errors, "
                  f"{e.invalid_tool_calls} invalid), {e.usage.prompt_tokens}+{e.usage.completion_tokens} tokens, {e.duration_s:.1f}s"
                  + (f"\nerror: {e.error}" if e.error else ""))
    if log.ended is None:
        print("\n(unfinished: the session has no session_ended event; it was killed or is still running)")
