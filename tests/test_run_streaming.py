"""Text-mode ``run`` on a terminal streams the answer as it comes, and ctrl+c keeps what came;
to a pipe it prints only the final answer, once."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time

from test_cli import limi, repo  # noqa: F401  (repo is a fixture)


def scripted(tmp_path, replies, delay_s=0.0) -> str:
    path = tmp_path / "replies.json"
    path.write_text(json.dumps({"replies": replies, "delay_s": delay_s}))
    return f"scripted:{path}"


def run_on_a_terminal(args, cwd, until=None, deadline_s=120.0):
    """``limi-cli ARGS`` with stdout on a real pty; with ``until``, SIGINT once that text shows."""
    master, slave = pty.openpty()
    env = {**os.environ, "LIMI_MAX_RETRIES": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "limi_cli.cli", *args], cwd=cwd, stdout=slave,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
    os.close(slave)
    seen, sent = b"", False
    end = time.monotonic() + deadline_s
    try:
        while time.monotonic() < end:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk
            if until and not sent and until.encode() in seen:
                proc.send_signal(signal.SIGINT)
                sent = True
            if proc.poll() is not None and not ready:
                break
        code = proc.wait(timeout=60)
    finally:
        os.close(master)
    return code, seen.decode("utf-8", "replace").replace("\r\n", "\n"), proc.stderr.read().decode()


def test_the_answer_streams_to_a_terminal_once(tmp_path, repo):  # noqa: F811
    code, out, err = run_on_a_terminal(["run", "-p", "hi", "-m", scripted(tmp_path, ["All good here."])], repo)
    assert code == 0, err
    assert out.count("All good here.") == 1


def test_ctrl_c_keeps_the_partial_answer_on_the_screen(tmp_path, repo):  # noqa: F811
    # minutes of streaming (20k words at 20 ms a chunk): the ctrl+c, sent once w20 shows, lands long before the end
    reply = " ".join(f"w{i}" for i in range(20000))
    code, out, err = run_on_a_terminal(["run", "-p", "hi", "-m", scripted(tmp_path, [reply], delay_s=0.02)], repo,
                                       until="w20 ")
    assert code == 130, err
    assert "w0 w1 w2" in out and "w20" in out and "w19999" not in out


def test_a_pipe_gets_only_the_final_answer(tmp_path, repo):  # noqa: F811
    result = limi("run", "-p", "hi", "-m", scripted(tmp_path, ["Thinking. <tool_call>{\"name\": \"list_files\", "
                                                              "\"arguments\": {}}</tool_call>", "The answer."]), cwd=repo)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "The answer.\n"
