"""The ``shell`` tool: run a bash command in the workspace.

Each call is a fresh ``bash`` in its own process group, so a timeout or an interrupt can
kill everything the command started. What a person expects from "a shell" persists
between calls anyway: a small wrapper restores the working directory and the exported
environment saved by the previous call, and saves them again when the command ends.
"""

from __future__ import annotations

import codecs
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from agent.tools.base import Observation, Tool, ToolContext, ToolError

if TYPE_CHECKING:
    from agent.sandbox import Sandbox

STATE_KEY = "shell.state_dir"
POLL_S = 0.05
KILL_GRACE_S = 1.0  # between SIGTERM and SIGKILL
DRAIN_GRACE_S = 0.5  # how long to keep reading after bash exits while background jobs hold the pipe

# Sourced by the wrapper before each command, with the state dir as $1 and the root as $2.
# Only builtins run after the user's command, since it may have changed PATH. State is
# saved to *.new files that Python moves into place only when the command ended normally.
SETUP = r"""
__limi_dir=$1; __limi_root=$2
if [ -f "$__limi_dir/env" ]; then source "$__limi_dir/env" 2>/dev/null; fi
__limi_oldpwd=$OLDPWD
if [ -f "$__limi_dir/cwd" ]; then
  __limi_cwd=$(<"$__limi_dir/cwd")
  cd -- "$__limi_cwd" 2>/dev/null || {
    echo "[shell: $__limi_cwd no longer exists; starting in the workspace root]"; cd -- "$__limi_root"; }
fi
[ -n "$__limi_oldpwd" ] && OLDPWD=$__limi_oldpwd
__limi_save() {
  __limi_rc=$?
  pwd > "$__limi_dir/cwd.new" 2>/dev/null
  export -p > "$__limi_dir/env.new" 2>/dev/null
  exit $__limi_rc
}
trap __limi_save EXIT
__limi_cmd=$(<"$__limi_dir/cmd")
"""
# One line, so that bash's line numbers in errors are the command's own.
WRAPPER = '. "$1/setup.sh"; set --; eval "$__limi_cmd"'

# Set on the first call so that nothing waits for a person or a pager.
QUIET_ENV = {"PAGER": "cat", "GIT_PAGER": "cat", "GIT_TERMINAL_PROMPT": "0"}


class HeadTailBuffer:
    """Keeps the first and the last ``limit // 2`` characters of a stream, and counts the rest.

    Memory stays bounded whatever the command prints.
    """

    def __init__(self, limit: int):
        limit = max(limit, 2)
        self.head_limit = limit // 2
        self.tail_limit = limit - self.head_limit
        self.head = ""
        self.tail = ""
        self.total = 0
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def feed(self, data: bytes, final: bool = False) -> None:
        text = self._decoder.decode(data, final=final)
        self.total += len(text)
        room = self.head_limit - len(self.head)
        if room > 0:
            self.head += text[:room]
            text = text[room:]
        self.tail += text
        if len(self.tail) > 2 * self.tail_limit:
            self.tail = self.tail[-self.tail_limit :]

    def text(self) -> tuple[str, bool]:
        """The kept text, with a marker line where characters were cut, and whether any were."""
        tail = self.tail[-self.tail_limit :]
        cut = self.total - len(self.head) - len(tail)
        if cut <= 0:
            return self.head + tail, False
        return f"{self.head}\n[... {cut} characters cut ...]\n{tail}", True


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the command's whole process group, then SIGKILL whatever is left of it."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        if sig == signal.SIGTERM:
            try:
                proc.wait(timeout=KILL_GRACE_S)
            except subprocess.TimeoutExpired:
                pass
    proc.wait()


class ShellTool(Tool):
    name = "shell"
    kind = "exec"

    def __init__(self, sandbox: Sandbox | None = None):
        self.sandbox = sandbox  # run every command inside it (see agent.sandbox)

    class Params(BaseModel):
        command: str = Field(description="The bash command to run, e.g. 'pytest -q tests/test_x.py'.")
        timeout: float | None = Field(
            default=None, description="Seconds before the command is killed; default 120."
        )

    def run(self, params: ShellTool.Params, ctx: ToolContext) -> Observation:
        if not params.command.strip():
            raise ToolError("command is empty; give a bash command to run")
        timeout = ctx.shell_timeout_s if params.timeout is None else params.timeout
        if timeout <= 0:
            raise ToolError(f"timeout must be a positive number of seconds, not {timeout}")
        if ctx.cancel.is_set():
            return Observation(output="[interrupted before the command started]", is_error=True,
                               error_kind="interrupted")
        state = self._state_dir(ctx)
        (state / "cmd").write_text(params.command, encoding="utf-8")
        env = dict(os.environ, **QUIET_ENV) if not (state / "env").exists() else {}
        argv = ["bash", "--noprofile", "--norc", "-c", WRAPPER, "bash", str(state), str(ctx.workspace.root)]
        if self.sandbox is not None:
            argv = self.sandbox.wrap(argv, extra_writable=[state])
        proc = subprocess.Popen(
            argv,
            cwd=ctx.workspace.root, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        buf = HeadTailBuffer(ctx.max_output_chars)
        stopped = self._pump(proc, buf, ctx, time.monotonic() + timeout)
        buf.feed(b"", final=True)
        output, truncated = buf.text()
        if stopped is not None:
            self._discard_new_state(state)
            note = (f"[timed out after {timeout:g} s; the command and its children were killed]"
                    if stopped == "timeout" else "[interrupted; the command and its children were killed]")
            return Observation(output=_join(output, note), is_error=True, error_kind=stopped, truncated=truncated)
        self._commit_new_state(state)
        rc = proc.returncode
        if rc != 0:
            output = _join(output, f"[exit code {rc}]")
        return Observation(output=output or "(no output)", exit_code=rc, truncated=truncated)

    def _pump(self, proc: subprocess.Popen[bytes], buf: HeadTailBuffer, ctx: ToolContext,
              deadline: float) -> str | None:
        """Read output until the command ends; kill it on timeout or cancel and say which."""
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        sel = selectors.DefaultSelector()
        sel.register(fd, selectors.EVENT_READ)
        stopped: str | None = None
        drain_until: float | None = None
        eof = False
        try:
            while True:
                if eof:
                    try:
                        proc.wait(timeout=POLL_S)
                    except subprocess.TimeoutExpired:
                        pass
                for _ in [] if eof else sel.select(timeout=POLL_S):
                    data = os.read(fd, 65536)
                    if data:
                        buf.feed(data)
                    else:
                        eof = True
                        sel.unregister(fd)
                now = time.monotonic()
                exited = proc.poll() is not None
                if exited and eof:
                    return stopped
                if drain_until is not None:
                    if now > drain_until:  # background jobs still hold the pipe; stop reading
                        return stopped
                elif exited:
                    drain_until = now + DRAIN_GRACE_S
                elif ctx.cancel.is_set() or now > deadline:
                    stopped = "interrupted" if ctx.cancel.is_set() else "timeout"
                    kill_group(proc)
                    drain_until = time.monotonic() + DRAIN_GRACE_S
        finally:
            sel.close()
            proc.stdout.close()
            if proc.poll() is None:  # an exception got us here: leave nothing running
                kill_group(proc)

    def _state_dir(self, ctx: ToolContext) -> Path:
        state = ctx.state.get(STATE_KEY)
        if state is None or not Path(state).is_dir():
            state = Path(tempfile.mkdtemp(prefix="limi-shell-"))
            (state / "setup.sh").write_text(SETUP, encoding="utf-8")
            ctx.state[STATE_KEY] = state
        return Path(state)

    @staticmethod
    def _commit_new_state(state: Path) -> None:
        for name in ("cwd", "env"):
            new = state / f"{name}.new"
            if new.exists():
                os.replace(new, state / name)

    @staticmethod
    def _discard_new_state(state: Path) -> None:
        for name in ("cwd.new", "env.new"):
            (state / name).unlink(missing_ok=True)

    def close(self, ctx: ToolContext) -> None:
        state = ctx.state.pop(STATE_KEY, None)
        if state is not None:
            shutil.rmtree(state, ignore_errors=True)

    def describe_call(self, params: ShellTool.Params) -> str:
        return f"shell: {params.command}"


def _join(output: str, note: str) -> str:
    """Append a note on its own line."""
    if not output:
        return note
    return f"{output}\n{note}" if not output.endswith("\n") else f"{output}{note}"
