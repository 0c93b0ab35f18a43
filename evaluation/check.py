"""Shell commands of a task (setup, check): run in the workspace with a timeout; a command
that runs over is killed with its whole process group, so nothing it started lives on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from agent.tools.base import cut_middle

OUTPUT_CAP = 20_000  # characters of output kept (head and tail)
FINAL_ANSWER = "final_answer.txt"  # beside the workspace: the agent's final answer of the round, for the check
REFERENCE_ANSWER = ".final_answer"  # in a task's solution folder: the reference final answer (never copied)


@dataclass
class CommandResult:
    command: str
    exit_code: int | None  # None: killed on timeout
    output: str  # stdout and stderr together, capped
    duration_s: float
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


def command_env(suite_dir: str, task_id: str, final_answer: Path | None = None) -> dict[str, str]:
    """The environment of task commands: ours, plus ``SUITE_DIR`` and ``TASK_ID``, with this
    Python's ``bin`` first on ``PATH`` so ``python`` and ``pytest`` are the ones limi-cli runs on.
    A check also gets ``FINAL_ANSWER_FILE``: ``final_answer``, a file outside the workspace
    holding the agent's final answer of the round (empty when it gave none)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_") and k != "FINAL_ANSWER_FILE"}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(SUITE_DIR=suite_dir, TASK_ID=task_id, PYTHONDONTWRITEBYTECODE="1")
    if final_answer is not None:
        env["FINAL_ANSWER_FILE"] = str(final_answer)
    return env


def run_command(command: str, cwd: Path, timeout_s: float, env: dict[str, str] | None = None) -> CommandResult:
    """Run ``command`` with bash in ``cwd``; on timeout kill its process group."""
    t0 = time.monotonic()
    proc = subprocess.Popen(
        ["bash", "-c", command], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    timed_out = False
    try:
        raw, _ = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(proc.pid)
        try:
            raw, _ = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:  # a child left its own group and holds the pipe
            raw = b""
    finally:
        _kill_group(proc.pid)  # children left behind by a command that did finish
    text = cap(raw.decode("utf-8", errors="replace"))
    if timed_out:
        text += f"\n[killed: the command ran over {timeout_s:g} s]"
    return CommandResult(command, None if timed_out else proc.returncode, text, round(time.monotonic() - t0, 3), timed_out)


def cap(text: str, limit: int = OUTPUT_CAP) -> str:
    """``text`` cut to about ``limit`` characters, head and tail kept, the cut marked."""
    return cut_middle(text, limit)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
