"""The ``shell`` tool: run a bash command in the workspace.

Each call is a fresh ``bash`` in a session of its own. What a person expects from "a shell"
persists between calls anyway: the working directory and the exported environment the previous
call left are handed to the next one.

Nothing of a call outlives it. Outside a sandbox, bash runs under a small reaper (``REAPER``,
a Python process that is a child subreaper): when bash exits, or on a timeout or an interrupt,
the reaper stops every process the command started, ``nohup``, ``setsid`` and double-forked
daemons included, since orphans are re-parented to it. Inside the sandbox (agent.sandbox),
bwrap's PID namespace does the same: when bash exits, the kernel kills what is left.

The state travels through file descriptors, never through files with names: limi-cli writes
the previous working directory, environment and the command into an anonymous memory file that
bash reads on a descriptor, and bash writes the new state into a second anonymous file that
limi-cli reads once the call is over. A command (sandboxed or not) can therefore not plant a
symlink that limi-cli would follow later, and there are no state files to leak or clean up.
"""

from __future__ import annotations

import codecs
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from agent.tools.base import Observation, Tool, ToolContext, ToolError

if TYPE_CHECKING:
    from agent.sandbox import Sandbox

STATE_KEY = "shell.state"
POLL_S = 0.05
KILL_GRACE_S = 1.0  # between SIGTERM and SIGKILL
DRAIN_GRACE_S = 0.5  # how long to keep reading after the command exits while something still holds the pipe
MAX_STATE_BYTES = 16 * 1024 * 1024  # a saved cwd + environment larger than this is not kept

# bash -c SCRIPT bash ROOT IN_FD OUT_FD. IN_FD holds "cwd\0env\0command\0" (cwd and env empty on
# the first call, when bash inherits limi-cli's environment); at exit, "cwd\0" and `export -p`
# go to OUT_FD. Only builtins run after the user's command, since it may have changed PATH.
SCRIPT = r"""__limi_root=$1; __limi_in=$2; __limi_out=$3
IFS= read -r -d '' __limi_cwd <&"$__limi_in"
IFS= read -r -d '' __limi_env <&"$__limi_in"
IFS= read -r -d '' __limi_cmd <&"$__limi_in"
exec {__limi_in}<&-
eval "$__limi_env" 2>/dev/null; unset __limi_env
__limi_oldpwd=$OLDPWD
if [ -n "$__limi_cwd" ]; then
  cd -- "$__limi_cwd" 2>/dev/null || {
    echo "[shell: $__limi_cwd no longer exists; starting in the workspace root]"; cd -- "$__limi_root"; }
fi
[ -n "$__limi_oldpwd" ] && OLDPWD=$__limi_oldpwd
__limi_save() {
  __limi_rc=$?
  { builtin printf '%s\0' "$(builtin pwd)"; builtin export -p; } >&"$__limi_out" 2>/dev/null
  exit $__limi_rc
}
trap __limi_save EXIT
set --
eval "$__limi_cmd"
"""

# python -I -S -c REAPER OWNER_PID GRACE_S ARGV...: runs ARGV, then ends everything it started
# (see the module docstring). SIGTERM (or limi-cli dying: PDEATHSIG) ends the command early.
REAPER = r"""
import ctypes, os, signal, sys, time
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphans of the command become our children
libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG: limi-cli gone -> clean up as on SIGTERM
owner, grace, argv = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3:]
SIGS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
class Stop(BaseException): pass
def stop(*_): raise Stop
status = None
try:
    for s in SIGS: signal.signal(s, stop)
    if owner and os.getppid() != owner: raise Stop
    signal.pthread_sigmask(signal.SIG_BLOCK, SIGS)
    main = os.fork()
    if main == 0:
        try:
            for s in SIGS: signal.signal(s, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGS)
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGS)
    while status is None:
        pid, st = os.waitpid(-1, 0)
        if pid == main: status = st
except (Stop, ChildProcessError):
    pass
for s in SIGS: signal.signal(s, signal.SIG_IGN)
def descendants():
    kids = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as f: rest = f.read().rsplit(b")", 1)[1].split()
            except OSError: continue
            if rest[0] != b"Z": kids.setdefault(int(rest[1]), []).append(int(name))
    found, todo = [], [os.getpid()]
    while todo:
        for k in kids.get(todo.pop(), ()): found.append(k); todo.append(k)
    return found
deadline, termed = time.monotonic() + grace, set()
while True:  # until nothing the command started is left: TERM (and CONT) first, KILL after the grace
    try:
        while os.waitpid(-1, os.WNOHANG)[0]: pass
    except ChildProcessError:
        break
    late = time.monotonic() > deadline
    for p in descendants():
        try:
            if late: os.kill(p, signal.SIGKILL)
            elif p not in termed: os.kill(p, signal.SIGTERM); os.kill(p, signal.SIGCONT); termed.add(p)
        except OSError: pass
    time.sleep(0.01)
if status is None: os._exit(128 + signal.SIGTERM)
if os.WIFSIGNALED(status):
    signal.signal(os.WTERMSIG(status), signal.SIG_DFL); os.kill(os.getpid(), os.WTERMSIG(status))
os._exit(os.waitstatus_to_exitcode(status))
"""

# Set on the first call so that nothing waits for a person or a pager.
QUIET_ENV = {"PAGER": "cat", "GIT_PAGER": "cat", "GIT_TERMINAL_PROMPT": "0"}


@dataclass
class ShellState:
    """What persists between calls of one session: bash's working directory and ``export -p``."""

    cwd: bytes = b""
    env: bytes = b""  # empty: the first call, which inherits limi-cli's environment


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


def kill_group(proc: subprocess.Popen[bytes], grace: float = KILL_GRACE_S + 2.0) -> None:
    """SIGTERM the command's whole process group (the reaper or bwrap, and bash), give the reaper
    time to end what the command started (its own grace, then SIGKILL), then SIGKILL whatever is
    left of the group."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        if sig == signal.SIGTERM:
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
    proc.wait()


def _anonymous_file(data: bytes = b"") -> int:
    """A file with no name (a memfd, else an unlinked temporary file) holding ``data``, at offset 0."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("limi-shell", 0)
    else:  # pragma: no cover - not Linux
        fd = os.dup(tempfile.TemporaryFile().fileno())
    if data:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _read_all(fd: int, limit: int) -> bytes:
    chunks, size = [], 0
    while size <= limit:
        chunk = os.pread(fd, 1 << 20, size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


REAPER_WORKS = sys.platform.startswith("linux")  # prctl(PR_SET_CHILD_SUBREAPER) is Linux's


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
        if "\0" in params.command:
            raise ToolError("command contains a NUL character, which bash cannot run; remove it")
        timeout = ctx.shell_timeout_s if params.timeout is None else params.timeout
        if timeout <= 0:
            raise ToolError(f"timeout must be a positive number of seconds, not {timeout}")
        if ctx.cancel.is_set():
            return Observation(output="[interrupted before the command started]", is_error=True,
                               error_kind="interrupted")
        state: ShellState = ctx.state.setdefault(STATE_KEY, ShellState())
        env = dict(os.environ, **QUIET_ENV) if not state.env else {}
        out_fd = _anonymous_file()
        in_fd = _anonymous_file(b"\0".join([state.cwd, state.env, params.command.encode("utf-8", "replace"), b""]))
        try:
            argv = [shutil.which("bash") or "bash", "--noprofile", "--norc", "-c", SCRIPT, "bash",
                    str(ctx.workspace.root), str(in_fd), str(out_fd)]
            if self.sandbox is not None:  # bwrap's PID namespace ends what the command started
                argv = self.sandbox.wrap(argv)
            elif REAPER_WORKS:
                argv = [sys.executable, "-I", "-S", "-c", REAPER, str(os.getpid()), str(KILL_GRACE_S), *argv]
            proc = subprocess.Popen(
                argv,
                cwd=ctx.workspace.root, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, start_new_session=True, pass_fds=(in_fd, out_fd),
            )
            os.close(in_fd)
            in_fd = -1
            buf = HeadTailBuffer(ctx.max_output_chars)
            stopped = self._pump(proc, buf, ctx, time.monotonic() + timeout)
            buf.feed(b"", final=True)
            output, truncated = buf.text()
            if stopped is not None:  # the state of a killed command is not kept
                note = (f"[timed out after {timeout:g} s; the command and its children were killed]"
                        if stopped == "timeout" else "[interrupted; the command and its children were killed]")
                return Observation(output=_join(output, note), is_error=True, error_kind=stopped, truncated=truncated)
            saved = _read_all(out_fd, MAX_STATE_BYTES)
        finally:
            for fd in (in_fd, out_fd):
                if fd >= 0:
                    os.close(fd)
        output = _join(output, note) if (note := self._keep_state(state, saved)) else output
        rc = proc.returncode
        if rc != 0:
            output = _join(output, f"[exit code {rc}]")
        return Observation(output=output or "(no output)", exit_code=rc, truncated=truncated)

    @staticmethod
    def _keep_state(state: ShellState, saved: bytes) -> str | None:
        """Keep the cwd and environment bash saved at exit; a note when they were too large."""
        if len(saved) > MAX_STATE_BYTES:
            return (f"[shell: the exported environment is over {MAX_STATE_BYTES // (1024 * 1024)} MiB; "
                    "this call's cwd and variables were not kept]")
        cwd, sep, env = saved.partition(b"\0")
        if sep and b"\0" not in env:  # else bash did not get to save (killed by a signal): keep the old state
            state.cwd, state.env = cwd, env
        return None

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

    def close(self, ctx: ToolContext) -> None:
        ctx.state.pop(STATE_KEY, None)  # nothing of a call outlives it: there is only this state to drop

    def describe_call(self, params: ShellTool.Params) -> str:
        return f"shell: {params.command}"


def _join(output: str, note: str) -> str:
    """Append a note on its own line."""
    if not output:
        return note
    return f"{output}\n{note}" if not output.endswith("\n") else f"{output}{note}"
