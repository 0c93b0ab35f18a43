"""What a task run produced (:class:`RunResult`) and the run directory's ``results.jsonl``,
appended one line per finished run so an interrupted batch loses nothing it finished."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from agent.redact import default_redactor

Status = Literal["pass", "fail", "error"]  # error: the harness or the model server failed, not the agent
RESULTS_NAME = "results.jsonl"


class RoundResult(BaseModel):
    """One round: an agent run (until it answers or hits a limit), then the check."""

    round: int
    stop: str  # done, max_turns, loop, timeout, max_tokens, error
    check_exit_code: int | None = None
    check_timed_out: bool = False
    passed: bool = False
    check_output: str = ""  # the tail of the check's output
    check_s: float = 0.0


class RunResult(BaseModel):
    task_id: str
    status: Status
    passed_round: int | None = None  # the first round whose check passed
    max_rounds: int = 1
    rounds: list[RoundResult] = Field(default_factory=list)
    error: str | None = None
    model: str = ""
    git_head: str | None = None  # the commit the agent started from
    turns: int = 0  # model calls (steps), all rounds
    tool_calls: int = 0
    invalid_tool_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    wall_s: float = 0.0  # the whole run: setup, agent and checks
    agent_s: float = 0.0
    log_path: str | None = None
    diff_path: str | None = None
    tags: list[str] = Field(default_factory=list)
    attempt: int = 1
    finished_at: str = ""

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class ResultsFile:
    """``RUN_DIR/results.jsonl``: append-only; the last line of a task is its current result."""

    def __init__(self, run_dir: Path):
        self.path = Path(run_dir) / RESULTS_NAME

    def append(self, result: RunResult) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # redacted: the check's output and errors can echo secrets from the task's workspace
        line = json.dumps(default_redactor().redact_obj(result.model_dump(mode="json")), ensure_ascii=False,
                          separators=(",", ":")) + "\n"
        if self.path.is_file() and self.path.stat().st_size and not self.path.read_bytes().endswith(b"\n"):
            line = "\n" + line  # a line cut short by a kill stays a line of its own
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())

    def read(self) -> list[RunResult]:
        """Every recorded run in order; a line cut short by a kill is skipped with a warning."""
        if not self.path.is_file():
            return []
        results = []
        for lineno, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                results.append(RunResult.model_validate(json.loads(line)))
            except (json.JSONDecodeError, ValidationError):
                print(f"limi-cli: warning: {self.path}:{lineno}: unreadable result line skipped", file=sys.stderr)
        return results

    def latest(self) -> dict[str, RunResult]:
        """The current result of each task (its last line)."""
        return {r.task_id: r for r in self.read()}
