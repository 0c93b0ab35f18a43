"""The real thing in a real terminal: ``limi-cli`` under tmux on the embedded model."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.waiting import wait_until

# the waits below (300 s for the model to load, 400 s for the reply) bound a loaded machine's run, so the
# test's own limit is above their sum (the suite's default is 600 s)
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

LIMI = Path(sys.executable).with_name("limi-cli")


def tmux(server: str, *args: str) -> str:
    return subprocess.run(["tmux", "-L", server, *args], check=True, capture_output=True, text=True).stdout


def wait_for(server: str, predicate, timeout: float) -> str:
    screen = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        screen = tmux(server, "capture-pane", "-p", "-t", "chat")
        if predicate(screen):
            return screen
        time.sleep(0.5)
    raise AssertionError(f"the screen never showed what was expected:\n{screen}")


def footer(screen: str) -> str:
    """The status bar: the screen's last line that is not blank."""
    return next((line for line in reversed(screen.splitlines()) if line.strip()), "")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux (apt-get install tmux)")
@pytest.mark.skipif(not LIMI.exists(), reason="needs the limi-cli script next to the Python running the tests")
def test_limi_cli_chats_in_a_real_terminal(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / "README.md").write_text("# demo\n")
    server = f"limi-test-{tmp_path.name}"
    # a short reply (at most 60 tokens), so the question stays on the 35-line screen above it
    tmux(server, "new-session", "-d", "-s", "chat", "-x", "110", "-y", "35",
         f"cd {repo} && LIMI_MAX_TOKENS=60 {LIMI}; sleep 60")
    try:
        wait_for(server, lambda s: "SmolLM2" in s and "auto-edit" in s, 300)  # the footer, once the model loaded
        tmux(server, "send-keys", "-t", "chat", "Say hello in one short sentence.", "Enter")
        # the reply is done: the footer (the bottom line) counts its tokens (a count that is not 0) and does
        # not say "working" (the reply itself may: "I'm a coding agent working in a terminal."; not waiting
        # to see "working" first: a short reply on a quiet machine can come and go between polls)
        done = re.compile(r"│ [1-9][\d,]* tokens │ ctx")
        screen = wait_for(server, lambda s: done.search(footer(s)) is not None and "working" not in footer(s), 400)
        lines = screen.splitlines()
        asked = next((i for i, line in enumerate(lines) if "Say hello in one short sentence." in line), None)
        assert asked is not None, f"the message is not on the screen:\n{screen}"
        prompt = next(i for i in range(asked + 1, len(lines)) if lines[i].startswith("▊"))  # the input box
        reply = " ".join(lines[asked + 1 : prompt]).strip()
        assert reply, f"no reply under the message:\n{screen}"
        assert "SmolLM2-135M-Instruct (embedded)" in screen and "auto-edit" in screen
        tmux(server, "send-keys", "-t", "chat", "C-c")
        tmux(server, "send-keys", "-t", "chat", "C-c")
        logs = wait_until(lambda: [p for p in (repo / ".limi" / "sessions").glob("*.jsonl")
                                   if '"type":"session_ended"' in p.read_text()], what="the session to end")
        assert len(list((repo / ".limi" / "sessions").glob("*.jsonl"))) == len(logs) == 1
    finally:
        subprocess.run(["tmux", "-L", server, "kill-server"], capture_output=True)
