"""A real third-party ACP client: Toad (``batrachian-toad``) runs ``limi-cli acp`` in a real
terminal (tmux), and a person's keys drive it: the conversation shows, the tool calls show,
the permission prompt shows the edit's diff, and both of its answers work.

Toad needs Python 3.14, which the project's environment is not, so it is not a dev dependency:
the test runs where a ``toad`` executable is found (``LIMI_TOAD=/path/to/toad``, ``toad`` on the
PATH, or ``/tmp/toadvenv/bin/toad``) and tmux is installed, and skips with the reason otherwise.
Every wait is for text on the screen (or the process's end), bounded by a deadline.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent.trajectory import read_log
from test_cli import call

DEADLINE_S = 120.0  # a bound on each wait; every step crosses two processes and a terminal


def toad_executable() -> str | None:
    for candidate in (os.environ.get("LIMI_TOAD"), shutil.which("toad"), "/tmp/toadvenv/bin/toad"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


TOAD = toad_executable()
pytestmark = [
    pytest.mark.skipif(TOAD is None, reason="Toad is not installed (batrachian-toad needs Python >= 3.14): "
                                            "set LIMI_TOAD=/path/to/toad to run this test"),
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


class Terminal:
    """A program in a detached tmux session of its own (a private server socket)."""

    def __init__(self, name: str, command: str, cwd: Path, env: dict[str, str], width: int = 200, height: int = 50):
        self.socket = f"limi-acp-{name}-{os.getpid()}"
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        script = f"cd {shlex.quote(str(cwd))} && env -u COLUMNS -u LINES {exports} {command}; echo '[exited]'; sleep 600"
        self.tmux("new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height), script)

    def tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-t", "t", "-p")

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "t", *keys)

    def wait_for(self, text: str, deadline_s: float = DEADLINE_S) -> str:
        end = time.monotonic() + deadline_s
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            if time.monotonic() > end:
                raise AssertionError(f"{text!r} did not show in {deadline_s:.0f} s; the screen:\n{screen}")
            time.sleep(0.1)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=30)


def test_toad_drives_limi_cli_acp(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "app.py").write_text("def add(a, b):\n    return a - b\n")
    for args in (["init", "-q"], ["add", "."], ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "init"]):
        subprocess.run(["git", *args], cwd=ws, check=True)
    script = tmp_path / "replies.json"
    script.write_text(json.dumps([
        "Let me look at app.py first.\n" + call("read_file", path="app.py"),
        call("edit", path="app.py", old_string="return a - b", new_string="return a + b"),
        call("shell", command="echo made > made.txt"),
        "Fixed: add now adds, and no file was made.",
    ]))
    agent = shlex.join([sys.executable, "-m", "limi_cli.cli", "acp", "-m", f"scripted:{script}", "--approval", "ask",
                        "--sandbox", "off"])
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME", str(tmp_path / "cache")),
           "PYTHONPATH": str(Path(__file__).resolve().parent.parent), "TERM": "xterm-256color"}
    term = Terminal("toad", f"{shlex.quote(TOAD)} acp {shlex.quote(agent)} {shlex.quote(str(ws))}", ws, env)
    try:
        term.wait_for("How can I help you today?", deadline_s=300)  # two Python apps starting on a busy machine
        term.wait_for("Ask")  # the session's mode, from session/new
        term.keys("fix add in app.py")
        term.wait_for("❯ fix add in app.py")
        term.keys("Enter")
        term.wait_for("Approval request")  # the edit: allowed
        screen = term.wait_for("return a + b")  # its diff, before saying yes
        assert "return a - b" in screen and "(+1," in screen
        assert "Allow" in screen and "Always allow in this session" in screen and "Reject" in screen
        term.keys("a")
        term.wait_for("echo made > made.txt")  # the command: rejected
        term.wait_for("r Reject once")
        term.keys("r")
        screen = term.wait_for("Fixed: add now adds, and no file was made.")
        assert "Let me look at app.py first." in screen
        assert "read_file(path='app.py')" in screen
        assert "edit(path='app.py'" in screen
        term.keys("C-q")
        term.wait_for("[exited]")
    finally:
        term.close()
    assert (ws / "app.py").read_text() == "def add(a, b):\n    return a + b\n"
    assert not (ws / "made.txt").exists()
    (path,) = (ws / ".limi" / "sessions").glob("*.jsonl")
    log = read_log(path)
    assert log.started.mode == "acp"
    assert [e.content for e in log.events if e.type == "user_message"] == ["fix add in app.py"]
    results = [(e.name, e.error_kind) for e in log.events if e.type == "tool_result"]
    assert results == [("read_file", None), ("edit", None), ("shell", "refused")]
    assert log.events[-1].type == "session_ended"
