"""``limi-cli run``: one task, no questions asked, output as text, json or stream-json."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import TextIO

from agent.events import AssistantMessage, SessionEnded, TextDelta, ToolResult
from agent.redact import Redactor, default_redactor

# exit codes (documented in the README)
EXIT_DONE, EXIT_ERROR, EXIT_USAGE, EXIT_MAX_TURNS, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
_EXIT_FOR = {"done": EXIT_DONE, "error": EXIT_ERROR, "max_turns": EXIT_MAX_TURNS, "loop": EXIT_MAX_TURNS,
             "interrupted": EXIT_INTERRUPTED}


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


class _Terminated(BaseException):  # like KeyboardInterrupt: no tool may swallow it
    pass


def _on_sigterm(signum, frame):  # let SIGTERM end the session like ctrl+c does, with its log closed
    raise _Terminated()


def run_headless(task: str, workspace: Path, overrides: dict, output_format: str, include_partial: bool, quiet: bool) -> int:
    from agent.backends.base import BackendError
    from agent.config import load_config
    from agent.session import Interrupted
    from agent.session_builder import build_session
    from limi_cli.stream_json import StreamJsonMapper, result_object

    config = load_config(workspace, overrides)
    session = build_session(config, workspace, mode="headless")
    log_path = str(session.writer.path) if session.writer else None
    # everything written to stdout and stderr goes through the log's redactor (it knows the
    # secret values of the environment the session started in)
    redactor = session.writer.redactor if session.writer else default_redactor()
    mapper = StreamJsonMapper(include_partial=include_partial, log_path=log_path, redactor=redactor)
    out = sys.stdout
    # text on a terminal streams as it comes (a person is watching); to a pipe, only the final answer
    live = _TextStream(out, redactor) if output_format == "text" and _is_terminal(out) else None
    previous = signal.signal(signal.SIGTERM, _on_sigterm)

    def emit(event) -> None:
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

    reason, error = None, None
    try:
        emit(session.start())
        for event in session.send(task):
            emit(event)
        reason = session.outcome
    except (KeyboardInterrupt, Interrupted, _Terminated):
        reason = "interrupted"
    except BackendError as e:
        reason, error = "error", str(e)
    finally:
        ended: SessionEnded = session.end(reason or "error", error if reason else (error or "the session stopped on an unexpected error"))
        signal.signal(signal.SIGTERM, previous)
    emit(ended)
    if output_format == "json":
        result = redactor.redact_obj(result_object(ended, session.session_id, mapper.api_s, log_path))
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    elif output_format == "text":
        if ended.reason == "error":
            print(f"limi-cli: error: {redactor.redact_text(ended.error or '')}", file=sys.stderr)
        elif live is not None:
            live.end()  # the answer is on the screen already, as far as it came
        elif ended.final_text:
            out.write(redactor.redact_text(ended.final_text).rstrip() + "\n")
        if ended.reason == "max_turns":
            print(f"limi-cli: stopped after {ended.turns} turns (--max-turns); the task may be unfinished", file=sys.stderr)
        elif ended.reason == "loop":
            print(f"limi-cli: stopped after {ended.turns} turns: the model kept repeating the same call (loop_limit); "
                  "the task may be unfinished", file=sys.stderr)
    out.flush()
    return _EXIT_FOR[ended.reason]


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
    err.flush()


def _short(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
