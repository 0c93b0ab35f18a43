"""Shell commands in bubblewrap: the workspace writable, the rest read-only, the network off unless allowed."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from agent.sandbox import Sandbox, SandboxUnavailable, sandbox_problem
from agent.tools.base import ToolContext
from agent.tools.shell import ShellTool
from agent.tools.workspace import Workspace

PROBLEM = sandbox_problem()
needs_bwrap = pytest.mark.skipif(PROBLEM is not None, reason=f"no sandbox here: {PROBLEM}")


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    return root


def sh(ws: Path, command: str, network: bool = False):
    tool = ShellTool(Sandbox(ws, network=network))
    ctx = ToolContext(workspace=Workspace(ws), shell_timeout_s=30)
    try:
        return tool.run(tool.Params(command=command), ctx)
    finally:
        tool.close(ctx)


@pytest.fixture
def listener():
    """A TCP server on 127.0.0.1 of the host that accepts connections."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    stop = threading.Event()

    def accept():
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
                conn.close()
            except OSError:
                pass

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield srv.getsockname()[1]
    stop.set()
    t.join()
    srv.close()


CONNECT = "{py} -c 'import socket; socket.create_connection((\"127.0.0.1\", {port}), timeout=30); print(\"connected\")'"


@needs_bwrap
def test_sandboxed_command_can_write_in_the_workspace(ws):
    obs = sh(ws, "echo hi > made.txt && cat made.txt")
    assert obs.exit_code == 0 and (ws / "made.txt").read_text() == "hi\n"


@needs_bwrap
def test_sandboxed_command_cannot_write_outside_the_workspace(ws):
    target = Path.home() / f"limi-sandbox-test-{os.getpid()}"
    obs = sh(ws, f"touch {target}")
    assert obs.exit_code != 0 and "Read-only file system" in obs.output
    assert not target.exists()


@needs_bwrap
def test_sandboxed_shell_keeps_its_working_directory_between_calls(ws):
    (ws / "sub").mkdir()
    tool = ShellTool(Sandbox(ws))
    ctx = ToolContext(workspace=Workspace(ws), shell_timeout_s=30)
    tool.run(tool.Params(command="cd sub"), ctx)
    assert tool.run(tool.Params(command="pwd"), ctx).output.strip() == str(ws / "sub")
    tool.close(ctx)


@needs_bwrap
def test_sandbox_has_no_network_by_default(ws, listener):
    obs = sh(ws, CONNECT.format(py=sys.executable, port=listener))
    assert "connected" not in obs.output and obs.exit_code != 0


@needs_bwrap
def test_sandbox_with_network_allowed_can_connect(ws, listener):
    obs = sh(ws, CONNECT.format(py=sys.executable, port=listener), network=True)
    assert "connected" in obs.output


def test_missing_bwrap_is_one_clear_line(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    problem = sandbox_problem.__wrapped__()
    assert "bubblewrap (bwrap) is not installed" in problem and "\n" not in problem


def test_cli_sandbox_without_bwrap_fails_with_one_line(tmp_path):
    bin_dir = tmp_path / "bin"  # a PATH with bash but no bwrap
    bin_dir.mkdir()
    (bin_dir / "bash").symlink_to("/bin/bash")
    env = {**os.environ, "PATH": str(bin_dir), "LIMI_MODEL": "scripted:" + str(tmp_path / "r.json")}
    (tmp_path / "r.json").write_text('["done"]')
    proc = subprocess.run([sys.executable, "-m", "limi_cli.cli", "run", "--sandbox", "-p", "x", "--cwd", str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0 and "bubblewrap (bwrap) is not installed" in proc.stderr


def test_sandbox_object_refuses_to_exist_without_bwrap(monkeypatch, tmp_path):
    monkeypatch.setattr("agent.sandbox.sandbox_problem", lambda: "bubblewrap (bwrap) is not installed; install it")
    with pytest.raises(SandboxUnavailable, match="cannot sandbox shell commands: bubblewrap"):
        Sandbox(tmp_path)


@needs_bwrap
def test_a_python_environment_under_tmp_stays_usable_in_the_sandbox(tmp_path, monkeypatch):
    env_dir = Path(tempfile.mkdtemp(dir="/tmp"))
    try:
        (env_dir / "bin").mkdir()
        tool = env_dir / "bin" / "hello-from-tmp"
        tool.write_text("#!/bin/sh\necho hi from tmp\n")
        tool.chmod(0o755)
        monkeypatch.setenv("PATH", f"{env_dir / 'bin'}{os.pathsep}{os.environ['PATH']}")
        ws = tmp_path / "ws"
        ws.mkdir()
        obs = sh(ws, "hello-from-tmp && ls /tmp | wc -l")
        lines = obs.output.split()
        assert lines[:3] == ["hi", "from", "tmp"]
    finally:
        shutil.rmtree(env_dir)
