"""``limi-cli run``: one task, no questions asked, output as text, json or stream-json."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import TextIO

from agent.backends.base import Backend
from agent.config import load_config
from agent.driver import running
from agent.events import AssistantMessage, HookRun, PlanDecision, SessionEnded, SubagentEvent, TextDelta, ToolResult
from agent.redact import Redactor, default_redactor
from agent.session_builder import build_session
from limi_cli.chat.outcomes import event_line, exit_code, run_line
from limi_cli.stream_json import StreamJsonMapper, result_object


class UsageError(Exception):
    """The command line itself is wrong (exit code 2)."""


def read_task(prompt: str | None, stdin: TextIO) -> str:
    """The task from ``-p TEXT``, ``-p -`` (stdin) or a pipe when ``-p`` is absent."""
    if prompt == "-" or (prompt is None and not stdin.isatty()):
        text = stdin.read()
    elif prompt is None:
        raise UsageError("no task given: pass -p \"TASK\", or pipe the task into limi-cli run")
    else:
        text = prompt
    if not text.strip():
        raise UsageError("the task is empty: give the agent something to do")
    return text.strip()


class _Terminated(KeyboardInterrupt):  # SIGTERM: no tool may swallow it, and it ends the session as ctrl+c does
    pass


def _on_sigterm(signum, frame):  # let SIGTERM end the session like ctrl+c does, with its log closed
    raise _Terminated()


def run_headless(task: str, workspace: Path, overrides: dict, output_format: str, include_partial: bool, quiet: bool,
                 *, backend: Backend | None = None) -> int:
    """Run ``task`` to its end (with the model of ``overrides``, or ``backend``); the exit code."""
    config = load_config(workspace, overrides)
    session = build_session(config, workspace, backend=backend, mode="headless")
    log_path = str(session.writer.path) if session.writer else None
    # everything written to stdout and stderr goes through the log's redactor (it knows the
    # secret values of the environment the session started in)
    redactor = session.writer.redactor if session.writer else default_redactor()
    mapper = StreamJsonMapper(include_partial=include_partial, log_path=log_path, redactor=redactor)
    out = sys.stdout
    # text on a terminal streams as it comes (a person is watching); to a pipe, only the final answer
    live = _TextStream(out, redactor) if output_format == "text" and _is_terminal(out) else None
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    shown_plan: list[str] = []  # plan mode: the plan the run ended with

    def emit(event) -> None:
        if isinstance(event, PlanDecision) and event.decision == "shown":
            shown_plan.append(event.plan)
        if isinstance(event, HookRun) and event.error is not None and (quiet or output_format != "text"):
            print(redactor.redact_text(f"limi-cli: {event.error}"), file=sys.stderr, flush=True)  # never silent
        if output_format == "stream-json":
            for obj in mapper.map_all(event):
                out.write(json.dumps(obj, ensure_ascii=False) + "\n")
            out.flush()
        elif output_format == "json":
            mapper.map_all(event)  # keeps the api time and ids for the final object
        else:
            if live is not None:
                live.show(event)
            if not quiet:
                _progress(event, redactor)

    try:
        with running(session) as run:
            emit(run.start())
            for event in session.start_events:  # session_start hooks
                emit(event)
            for line in session.notices:  # bad AGENTS.md, command or skill files: the run goes on
                print(redactor.redact_text(f"limi-cli: {line}"), file=sys.stderr, flush=True)
            turn = _slash_turn(task, session, config, workspace, redactor)
            if turn is False:
                run.stop("error", f"{task.split()[0]} could not be sent (see above)")
            else:
                for event in run.turn(task, turn.events(session) if turn is not None else None):
                    emit(event)
    except KeyboardInterrupt:  # ctrl+c or SIGTERM: the session ended interrupted
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    ended: SessionEnded = session.end()
    for event in session.end_events:  # session_end hooks
        emit(event)
    emit(ended)
    if output_format == "json":
        result = redactor.redact_obj(result_object(ended, session.session_id, mapper.api_s, log_path))
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    elif output_format == "text":
        if ended.reason == "error":
            print(f"limi-cli: {redactor.redact_text(run_line('error', ended.turns, ended.error) or '')}", file=sys.stderr)
        elif live is not None:
            live.end()  # the answer is on the screen already, as far as it came
            if shown_plan:  # plan mode: the plan came as a tool call, not as streamed text
                out.write(redactor.redact_text(shown_plan[-1]).rstrip() + "\n")
        elif ended.final_text:
            out.write(redactor.redact_text(ended.final_text).rstrip() + "\n")
        if ended.reason in ("max_turns", "loop"):
            print(f"limi-cli: {run_line(ended.reason, ended.turns)}", file=sys.stderr)
    out.flush()
    return exit_code(ended.reason)


def _slash_turn(task: str, session, config, workspace: Path, redactor: Redactor):
    """``run -p "/NAME args"`` of a custom command or a skill: its turn (its notes on stderr);
    None: the task goes to the model as it is; False: the command could not be sent."""
    from limi_cli.chat.commands import CommandHandler, Reply, SendPrompt
    from limi_cli.chat.factory import SessionFactory
    from limi_cli.chat.slash_commands import BY_NAME, parse_slash

    parsed = parse_slash(task)
    if parsed is None or parsed[0] in BY_NAME:
        return None
    handler = CommandHandler(workspace)
    commands, skills = handler.extensions()
    if commands.get(parsed[0]) is None and skills.get(parsed[0]) is None:
        return None
    items = handler.run(*parsed, session, SessionFactory(config, workspace, mode="headless"))
    for item in items:
        if isinstance(item, Reply):
            print(redactor.redact_text(f"limi-cli: {item.text}"), file=sys.stderr, flush=True)
    return next((item.turn for item in items if isinstance(item, SendPrompt)), False)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class _TextStream:
    """Text mode on a terminal: each reply's text on stdout as it streams (redacted: held back
    only while a secret may be cut in two, see :meth:`Redactor.stream_cut`); the tool trace
    goes to stderr between replies."""

    def __init__(self, out: TextIO, redactor: Redactor):
        self.out, self.redactor = out, redactor
        self.held = ""
        self.open = False  # a reply's text is on the current line

    def show(self, event) -> None:
        if isinstance(event, TextDelta):
            if event.reasoning:
                return
            text = self.held + event.text
            cut = self.redactor.stream_cut(text)
            self._write(text[:cut])
            self.held = text[cut:]
        elif isinstance(event, (AssistantMessage, ToolResult, SessionEnded)):
            self.end()

    def end(self) -> None:
        """Send what is held and close the line."""
        self._write(self.held)
        self.held = ""
        if self.open:
            self.out.write("\n")
            self.out.flush()
            self.open = False

    def _write(self, text: str) -> None:
        if not text:
            return
        if not self.open:
            text = text.lstrip()
            if not text:
                return
        self.out.write(self.redactor.redact_text(text))
        self.out.flush()
        self.open = True


def _progress(event, redactor: Redactor) -> None:
    """Text mode: a compact trace of the agent's actions on stderr; the answer goes to stdout."""
    err = sys.stderr
    if isinstance(event, AssistantMessage):
        for call in event.tool_calls:
            args = ", ".join(f"{k}={_short(redactor.redact_obj(v))}" for k, v in call.arguments.items())
            line = f"● {call.name}({args})" if not call.error else f"● invalid tool call: {call.error}"
            err.write(redactor.redact_text(line) + "\n")
    elif isinstance(event, ToolResult):
        status = "error" if event.is_error else "ok"
        output = redactor.redact_text(event.output).strip()  # the whole output: a key's first line alone looks like nothing
        first = output.splitlines()[0][:100] if output else ""
        err.write(f"  ⎿ {status} ({event.duration_s:.2f}s) {first}\n")
    elif isinstance(event, TextDelta):
        return
    elif isinstance(event, (HookRun, PlanDecision, SubagentEvent)) and (line := event_line(event)) is not None:
        err.write(redactor.redact_text(line) + "\n")
    err.flush()


def _short(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
