"""Nothing a shell call starts outlives it: background jobs, ``nohup``, ``setsid`` and
double-forked daemons are gone when the call ends, on a timeout, and when limi-cli itself is
killed; and the shell keeps no state files on disk. Both without and inside the sandbox."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from agent.sandbox import Sandbox, sandbox_problem
from agent.tools.base import ToolContext
from agent.tools.shell import ShellTool
from agent.tools.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]
PROBLEM = sandbox_problem()
MODES = ["plain", pytest.param("sandbox", marks=pytest.mark.skipif(PROBLEM is not None, reason=f"no sandbox here: {PROBLEM}"))]


def spawn_command(marker: str, then: str = "") -> str:
    """Starts four long-lived processes named ``marker`` in every way a command can try to
    leave one behind, waits until all four run (and counts them from inside), then ``then``."""
    daemon = ("import os, sys\nif os.fork(): sys.exit()\nos.setsid()\nif os.fork(): sys.exit()\n"
              f"open('ready.4', 'w').close()\nos.execvp('sleep', ['{marker}', '100'])")
    return f"""
(touch ready.1; exec -a {marker} sleep 100) &
nohup bash -c 'touch ready.2; exec -a {marker} sleep 100' >/dev/null 2>&1 &
setsid bash -c 'touch ready.3; exec -a {marker} sleep 100' &
{sys.executable} -c "{daemon}"
for i in $(seq 3000); do [ -e ready.1 ] && [ -e ready.2 ] && [ -e ready.3 ] && [ -e ready.4 ] && break; sleep 0.02; done
n=0; for f in /proc/[0-9]*/cmdline; do [ "$(tr -d '\\0' < "$f" 2>/dev/null)" = "{marker}100" ] && n=$((n+1)); done
echo "running: $n"
{then}
"""


def alive(marker: str) -> list[int]:
    """Pids of processes (not zombies) whose command line is ``marker 100``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if cmdline == f"{marker}\x00100\x00".encode() and state != "Z":
            found.append(int(entry.name))
    return found


def gone(marker: str) -> bool:
    """No process named ``marker`` is left, allowing for the kill to land: the kernel ends a killed
    process (or a PID namespace's) asynchronously, so on a loaded machine one may show as running
    for a moment after the call returned. One that really outlived the call (``sleep 100``) is
    still there when the wait runs out."""
    return wait_until(lambda: alive(marker) == [], within=10)


def wait_until(condition, within: float = 60.0) -> bool:
    """Poll ``condition``; the deadline only bounds the wait (tests/waiting.py)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    return root


@pytest.fixture
def marker():
    name = f"limi-leftover-{uuid.uuid4().hex[:12]}"
    yield name
    for pid in alive(name):  # a failed test leaves nothing running either
        os.kill(pid, signal.SIGKILL)


def tool_for(mode: str, ws: Path) -> ShellTool:
    return ShellTool(Sandbox(ws) if mode == "sandbox" else None)


@pytest.mark.parametrize("mode", MODES)
def test_nothing_a_call_started_outlives_it(mode, ws, marker):
    tool = tool_for(mode, ws)
    ctx = ToolContext(workspace=Workspace(ws), shell_timeout_s=90)
    obs = tool.run(tool.Params(command=spawn_command(marker, then="echo done")), ctx)
    assert "running: 4" in obs.output and "done" in obs.output, obs.output
    # the ones still holding the output pipe (sleep 100) did not keep it waiting: no timeout, the call ended
    assert obs.exit_code == 0 and obs.error_kind is None, obs
    assert gone(marker)
    tool.close(ctx)


@pytest.mark.parametrize("mode", MODES)
def test_a_timeout_ends_everything_the_command_started(mode, ws, marker):
    tool = tool_for(mode, ws)
    ctx = ToolContext(workspace=Workspace(ws), shell_timeout_s=30)
    # long enough for the four to start on a loaded machine (the call reports them before the timeout)
    obs = tool.run(tool.Params(command=spawn_command(marker, then="sleep 100"), timeout=8), ctx)
    assert obs.error_kind == "timeout" and "running: 4" in obs.output, obs.output
    assert gone(marker)


@pytest.mark.parametrize("mode", MODES)
def test_a_daemon_that_ignores_sigterm_is_killed_too(mode, ws, marker):
    tool = tool_for(mode, ws)
    ctx = ToolContext(workspace=Workspace(ws), shell_timeout_s=30)
    command = (f"setsid bash -c 'trap \"\" TERM; touch ready; exec -a {marker} sleep 100' & "
               "until [ -e ready ]; do sleep 0.02; done; echo started; sleep 100")
    obs = tool.run(tool.Params(command=command, timeout=5), ctx)
    assert obs.error_kind == "timeout" and "started" in obs.output, obs.output
    assert gone(marker)


@pytest.mark.parametrize("mode", MODES)
def test_limi_killed_mid_call_leaves_nothing_behind(mode, ws, marker, tmp_path):
    """SIGKILL gives limi-cli no chance to clean up: the reaper (PDEATHSIG) or bwrap
    (--die-with-parent and its PID namespace) must."""
    (tmp_path / "command.sh").write_text(spawn_command(marker, then="touch all-running; sleep 100"))
    runner = (
        "import sys\nfrom pathlib import Path\nfrom agent.sandbox import Sandbox\nfrom agent.tools.base import ToolContext\n"
        "from agent.tools.shell import ShellTool\nfrom agent.tools.workspace import Workspace\n"
        "ws = Path(sys.argv[1])\ntool = ShellTool(Sandbox(ws) if sys.argv[2] == 'sandbox' else None)\n"
        "ctx = ToolContext(workspace=Workspace(ws), shell_timeout_s=300)\n"
        "tool.run(tool.Params(command=Path(sys.argv[3]).read_text()), ctx)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", runner, str(ws), mode, str(tmp_path / "command.sh")], cwd=REPO)
    try:
        assert wait_until(lambda: (ws / "all-running").exists(), within=90), "the command never got its processes running"
        assert len(alive(marker)) == 4
    finally:
        proc.kill()
        proc.wait()
    assert wait_until(lambda: alive(marker) == []), f"still running after limi-cli died: {alive(marker)}"


@pytest.mark.parametrize("mode", ["off", pytest.param("on", marks=MODES[1].marks)])
def test_sigterm_of_limi_cli_run_ends_the_call_and_everything_in_it(mode, ws, marker, tmp_path):
    call = {"name": "shell", "arguments": {"command": spawn_command(marker, then="touch all-running; sleep 100")}}
    (tmp_path / "r.json").write_text(json.dumps([f"<tool_call>{json.dumps(call)}</tool_call>", "done"]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "limi_cli.cli", "run", "-p", "x", "--approval", "yolo", "--sandbox", mode,
         "--cwd", str(ws), "-m", f"scripted:{tmp_path / 'r.json'}"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert wait_until(lambda: (ws / "all-running").exists(), within=90), "the command never got its processes running"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert gone(marker)


@pytest.mark.parametrize("mode", MODES)
def test_the_shell_keeps_no_state_files(mode, ws, monkeypatch, tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    monkeypatch.setenv("TMPDIR", str(tmp))
    tool = tool_for(mode, ws)
    ctx = ToolContext(workspace=Workspace(ws), shell_timeout_s=30)
    tool.run(tool.Params(command="cd /; export KEPT=1"), ctx)
    assert tool.run(tool.Params(command="echo $PWD $KEPT"), ctx).output == "/ 1\n"  # the state did persist
    assert list(tmp.iterdir()) == []
    assert sorted(p.name for p in ws.iterdir()) == ([".limi"] if mode == "sandbox" else [])
