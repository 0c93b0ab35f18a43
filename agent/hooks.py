"""Hooks: shell commands the user configures to run at points of a session.

``[[hooks.<event>]]`` tables in the user config (and in a project's ``.limi/config.toml`` once
the project is trusted: ``hooks`` is a risky key, see :mod:`agent.config`) name a ``command``
for one of :data:`HOOK_EVENTS`. Each run is a real process: ``bash -c COMMAND`` in the
workspace, in the session's sandbox when it has one (as the ``shell`` tool runs commands),
otherwise under the shell tool's reaper, so nothing a hook starts outlives it. It gets one
JSON object on stdin (``session_id``, ``event``, ``cwd``, ``approval``, ``log_path`` and what
the event is about: ``prompt``; ``tool``, ``tool_call_id``, ``arguments``, ``result``;
``final_text``; ``reason``) and ``LIMI_HOOK_EVENT``, ``LIMI_SESSION_ID``, ``LIMI_PROJECT_DIR`` in
its environment.

What the exit code means:

- ``0``: go on. Where the event allows it (``session_start``, ``user_prompt_submit``,
  ``post_tool_use``) a non-empty stdout is added for the model, in a ``<hook_context>`` block
  (:func:`context_block`): before the next user message, after the prompt, after the tool's
  result. Output that is not text (invalid UTF-8, NUL or other control bytes) is a hook error.
- ``2``: block, stderr is the reason. ``pre_tool_use``: the call is refused and the model reads
  the reason as the tool's result; ``user_prompt_submit``: the prompt is not sent and the person
  sees why; ``stop``: the model is told to go on with the reason as a user message, at most
  ``stop_limit`` times a turn. Other events cannot block: for them 2 is an error.
- anything else, a timeout (``timeout_s``, default 60 s: the process group is killed) or a
  hook that cannot start: a hook error, one line naming the hook; the session goes on as if
  the hook had not been configured.

Every run is a ``hook_run`` event in the trajectory log (:class:`agent.events.HookRun`),
with what it printed (cut to ``max_output_chars``) and exactly what it added for the model.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agent.events import HookRun
from agent.tools.shell import KILL_GRACE_S, REAPER, REAPER_WORKS, kill_group

if TYPE_CHECKING:
    from agent.sandbox import Sandbox

HookEvent = Literal["session_start", "user_prompt_submit", "pre_tool_use", "post_tool_use", "stop", "session_end"]
HOOK_EVENTS: tuple[HookEvent, ...] = ("session_start", "user_prompt_submit", "pre_tool_use", "post_tool_use", "stop",
                                      "session_end")
# events whose hooks may add text for the model (stdout, exit 0), and events whose hooks may block (exit 2)
CONTEXT_EVENTS = frozenset({"session_start", "user_prompt_submit", "post_tool_use"})
BLOCKING_EVENTS = frozenset({"pre_tool_use", "user_prompt_submit", "stop"})
TOOL_EVENTS = frozenset({"pre_tool_use", "post_tool_use"})
BLOCK_EXIT_CODE = 2
POLL_S = 0.05
DRAIN_GRACE_S = 0.5  # reading on after the hook exited while something it started still holds a pipe


class HookSpec(BaseModel):
    """One ``[[hooks.<event>]]`` table."""

    model_config = ConfigDict(extra="forbid")

    command: str = Field(min_length=1)  # run by bash -c in the workspace
    name: str | None = None  # how messages and the log name it (default: the command)
    timeout_s: float | None = Field(default=None, gt=0)  # default: hooks.timeout_s

    @field_validator("command")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("give the shell command to run")
        return value

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        first = self.command.strip().splitlines()[0]
        return first if len(first) <= 60 else first[:57] + "..."

    def matches(self, tool: str | None, arguments: dict[str, Any] | None) -> bool:
        return True


class ToolHookSpec(HookSpec):
    """A ``pre_tool_use`` or ``post_tool_use`` hook: ``matcher``, a regex the tool's name must
    match in full (``shell|write_file``; none: every tool), and ``arguments``, one searched for in
    the call's arguments as compact JSON with sorted keys (``"command":"git push``)."""

    matcher: str | None = None
    arguments: str | None = None

    @field_validator("matcher", "arguments")
    @classmethod
    def _valid_regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as e:
                raise ValueError(f"not a valid regular expression ({e})") from None
        return value

    def matches(self, tool: str | None, arguments: dict[str, Any] | None) -> bool:
        if self.matcher is not None and (tool is None or re.fullmatch(self.matcher, tool) is None):
            return False
        if self.arguments is not None and re.search(self.arguments, arguments_text(arguments or {})) is None:
            return False
        return True


class HooksConfig(BaseModel):
    """``[hooks]``: the hooks of each event, and the limits they run under."""

    model_config = ConfigDict(extra="forbid")

    session_start: list[HookSpec] = Field(default_factory=list)
    user_prompt_submit: list[HookSpec] = Field(default_factory=list)
    pre_tool_use: list[ToolHookSpec] = Field(default_factory=list)
    post_tool_use: list[ToolHookSpec] = Field(default_factory=list)
    stop: list[HookSpec] = Field(default_factory=list)
    session_end: list[HookSpec] = Field(default_factory=list)
    timeout_s: float = Field(default=60.0, gt=0)  # a hook running longer is killed (its whole process group)
    max_output_chars: int = Field(default=10_000, ge=100)  # of stdout and of stderr, each
    stop_limit: int = Field(default=3, ge=0)  # how often stop hooks may keep one turn going

    def of(self, event: HookEvent) -> list[HookSpec]:
        return getattr(self, event)

    def any(self) -> bool:
        return any(self.of(e) for e in HOOK_EVENTS)

    def merged(self, other: HooksConfig) -> HooksConfig:
        """These hooks, then ``other``'s (a later config layer adds hooks); the limits ``other`` sets."""
        data: dict[str, Any] = self.model_dump()
        data.update({k: getattr(other, k) for k in other.model_fields_set if k not in HOOK_EVENTS})
        for event in HOOK_EVENTS:
            data[event] = [*self.of(event), *other.of(event)]
        return HooksConfig.model_validate(data)


def arguments_text(arguments: dict[str, Any]) -> str:
    """The arguments as an ``arguments`` regex sees them: compact JSON, keys sorted, unicode kept."""
    return json.dumps(arguments, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def context_block(hook: str, event: str, text: str) -> str:
    """How a hook's output reaches the model: the exact text added to its conversation."""
    name = hook.replace('"', "'")
    return f'<hook_context hook="{name}" event="{event}">\n{text}\n</hook_context>'


def stop_feedback(hook: str, reason: str) -> str:
    """The user message that tells the model to go on when a stop hook blocks."""
    name = hook.replace('"', "'")
    return (f'<hook_feedback hook="{name}" event="stop">\nDo not stop yet: the stop hook says\n{reason}\n'
            "</hook_feedback>")


@dataclass
class HookOutcome:
    """What the hooks of one event decided: their ``runs`` (already built as log events), the
    first one that blocked (when one did and the event can block), and the context blocks
    the model gets."""

    runs: list[HookRun] = field(default_factory=list)
    blocked: HookRun | None = None
    context: list[str] = field(default_factory=list)


@dataclass
class _Process:
    exit_code: int | None
    stdout: bytes
    stderr: bytes
    stdout_cut: bool
    stderr_cut: bool
    stopped: str | None  # timeout, interrupted, or None
    error: str | None  # the hook could not start


class _Capped:
    """The first ``limit`` bytes of a stream, and whether more came."""

    def __init__(self, limit: int):
        self.limit, self.data, self.cut = limit, bytearray(), False

    def feed(self, chunk: bytes) -> None:
        room = self.limit - len(self.data)
        if room > 0:
            self.data += chunk[:room]
        if len(chunk) > max(room, 0):
            self.cut = True


class HookRunner:
    """Runs the configured hooks of a session (see the module docstring)."""

    def __init__(self, config: HooksConfig, workspace: Path, session_id: str, *, sandbox: Sandbox | None = None,
                 log_path: Path | None = None):
        self.config, self.workspace, self.session_id = config, Path(workspace), session_id
        self.sandbox, self.log_path = sandbox, log_path

    def has(self, event: HookEvent) -> bool:
        return bool(self.config.of(event))

    def run(self, event: HookEvent, payload: dict[str, Any], *, approval: str = "", tool: str | None = None,
            arguments: dict[str, Any] | None = None, tool_call_id: str | None = None,
            cancel: threading.Event | None = None) -> HookOutcome:
        """Run the hooks of ``event`` that match, in order, until one blocks."""
        outcome = HookOutcome()
        for spec in self.config.of(event):
            if event in TOOL_EVENTS and not spec.matches(tool, arguments):
                continue
            if cancel is not None and cancel.is_set():
                break
            run = self._run_one(spec, event, payload, approval, tool, tool_call_id, cancel)
            outcome.runs.append(run)
            if run.context is not None:
                outcome.context.append(run.context)
            if run.outcome == "block":
                outcome.blocked = run
                break
        return outcome

    # -- one hook ---------------------------------------------------------------------

    def _run_one(self, spec: HookSpec, event: HookEvent, payload: dict[str, Any], approval: str, tool: str | None,
                 tool_call_id: str | None, cancel: threading.Event | None) -> HookRun:
        timeout = spec.timeout_s or self.config.timeout_s
        limit = self.config.max_output_chars
        data = {"session_id": self.session_id, "event": event, "cwd": str(self.workspace), "approval": approval,
                "log_path": str(self.log_path) if self.log_path else None, **payload}
        stdin = json.dumps(data, ensure_ascii=False, default=str).encode("utf-8", "replace")
        t0 = time.monotonic()
        proc = self._spawn(spec.command, event, stdin, timeout, limit * 4, cancel)
        stdout, stdout_bad, stdout_cut = _text(proc.stdout, limit, proc.stdout_cut)
        stderr, _, stderr_cut = _text(proc.stderr, limit, proc.stderr_cut)
        run = HookRun(event=event, hook=spec.label, command=spec.command, tool=tool, tool_call_id=tool_call_id,
                      exit_code=proc.exit_code, outcome="ok", stdout=stdout, stderr=stderr,
                      duration_s=round(time.monotonic() - t0, 4), truncated=stdout_cut or stderr_cut)
        where = f"hook '{spec.label}' ({event})"
        said = _first_line(stderr)
        if proc.error is not None:
            run.outcome, run.error = "error", f"{where} could not start: {proc.error}"
        elif proc.stopped == "timeout":
            run.outcome, run.error = "timeout", f"{where} timed out after {timeout:g} s and was killed"
        elif proc.stopped == "interrupted":
            run.outcome, run.error = "error", f"{where} was stopped by an interrupt"
        elif proc.exit_code == 0:
            if event in CONTEXT_EVENTS and stdout.strip():
                if stdout_bad:
                    run.outcome = "error"
                    run.error = f"{where} printed output that is not text (binary or control characters); it was ignored"
                else:
                    run.context = context_block(spec.label, event, stdout.strip())
        elif proc.exit_code == BLOCK_EXIT_CODE and event in BLOCKING_EVENTS:
            run.outcome, run.reason = "block", stderr.strip() or "(the hook gave no reason)"
        elif proc.exit_code == BLOCK_EXIT_CODE:
            run.outcome = "error"
            run.error = f"{where} exited 2, but a {event} hook cannot block" + (f": {said}" if said else "")
        else:
            run.outcome = "error"
            run.error = f"{where} failed with exit code {proc.exit_code}" + (f": {said}" if said else "")
        return run

    def _spawn(self, command: str, event: str, stdin: bytes, timeout: float, limit: int,
               cancel: threading.Event | None) -> _Process:
        argv = [shutil.which("bash") or "bash", "--noprofile", "--norc", "-c", command]
        if self.sandbox is not None:  # as the shell tool: bwrap's PID namespace ends what the hook started
            argv = self.sandbox.wrap(argv)
        elif REAPER_WORKS:
            argv = [sys.executable, "-I", "-S", "-c", REAPER, str(os.getpid()), str(KILL_GRACE_S), *argv]
        env = dict(os.environ, LIMI_HOOK_EVENT=event, LIMI_SESSION_ID=self.session_id,
                   LIMI_PROJECT_DIR=str(self.workspace))
        try:
            proc = subprocess.Popen(argv, cwd=self.workspace, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, start_new_session=True)
        except OSError as e:
            return _Process(None, b"", b"", False, False, None, str(e))
        feeder = threading.Thread(target=_feed, args=(proc, stdin), daemon=True)
        feeder.start()
        out, err = _Capped(limit), _Capped(limit)
        stopped = _pump(proc, {proc.stdout.fileno(): out, proc.stderr.fileno(): err},  # type: ignore[union-attr]
                        time.monotonic() + timeout, cancel)
        feeder.join(timeout=5)
        code = None if stopped else proc.returncode
        return _Process(code, bytes(out.data), bytes(err.data), out.cut, err.cut, stopped, None)


def _feed(proc: subprocess.Popen[bytes], data: bytes) -> None:
    """Write the JSON to the hook's stdin; a hook that does not read it is fine."""
    assert proc.stdin is not None
    try:
        proc.stdin.write(data)
    except OSError:  # it exited or closed stdin without reading: fine
        pass
    finally:
        try:
            proc.stdin.close()
        except OSError:
            pass


def _pump(proc: subprocess.Popen[bytes], bufs: dict[int, _Capped], deadline: float,
          cancel: threading.Event | None) -> str | None:
    """Read both pipes until the hook ends; kill its process group on timeout or cancel and say which."""
    sel = selectors.DefaultSelector()
    for fd in bufs:
        sel.register(fd, selectors.EVENT_READ)
    open_fds = set(bufs)
    stopped: str | None = None
    drain_until: float | None = None
    try:
        while True:
            if open_fds:
                for key, _ in sel.select(timeout=POLL_S):
                    chunk = os.read(key.fd, 65536)
                    if chunk:
                        bufs[key.fd].feed(chunk)
                    else:
                        open_fds.discard(key.fd)
                        sel.unregister(key.fd)
            else:
                try:
                    proc.wait(timeout=POLL_S)
                except subprocess.TimeoutExpired:
                    pass
            now = time.monotonic()
            exited = proc.poll() is not None
            if exited and not open_fds:
                return stopped
            if drain_until is not None:
                if now > drain_until:
                    return stopped
            elif exited:
                drain_until = now + DRAIN_GRACE_S
            elif (cancel is not None and cancel.is_set()) or now > deadline:
                stopped = "interrupted" if cancel is not None and cancel.is_set() else "timeout"
                kill_group(proc)
                drain_until = time.monotonic() + DRAIN_GRACE_S
    finally:
        sel.close()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
        if proc.poll() is None:  # an exception got us here: leave nothing running
            kill_group(proc)


_ANSI = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(data: bytes, limit: int, cut: bool) -> tuple[str, bool, bool]:
    """Output as text (colour codes dropped), whether it was not text, and whether it was cut."""
    data = _ANSI.sub(b"", data)
    bad = False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        # a character cut in two by the byte limit is not garbage
        if cut and e.start >= len(data) - 3 and e.reason == "unexpected end of data":
            text = data[: e.start].decode("utf-8", "replace")
        else:
            text, bad = data.decode("utf-8", "replace"), True
    if _CONTROL.search(text):
        bad = True
        text = _CONTROL.sub("\ufffd", text)
    if len(text) > limit:
        text, cut = text[:limit], True
    if cut:
        text += "\n[... output cut ...]"
    return text, bad, cut


def _first_line(text: str, limit: int = 200) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 3] + "..."
