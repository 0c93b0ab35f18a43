"""One task run, AgencyBench's way: the agent works until it answers (or hits a limit), the
check runs, and while it fails and rounds remain its output goes back to the agent as the
next user message in the same session. The result is one :class:`RunResult`.

Status ``fail`` means the check said no; ``error`` means the run could not be judged (the
workspace could not be set up, the model server failed, the harness broke).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from agent.driver import Driver, running
from agent.events import AssistantMessage
from agent.redact import default_redactor
from agent.session_builder import build_session
from evaluation.check import FINAL_ANSWER, REFERENCE_ANSWER, CommandResult, cap, command_env, run_command
from evaluation.results import RoundResult, RunResult
from evaluation.task import Task
from evaluation.workspace import SetupError, apply_solution, prepare_workspace, workspace_diff

FEEDBACK_CHARS = 3000  # of the failing check's output, given back to the agent


class LimitGuard:
    """Stops the session when the task's wall-time or token budget is spent."""

    def __init__(self, session, limits):
        self.session, self.limits = session, limits
        self.why: str | None = None  # timeout or max_tokens, once a limit is hit
        self.answer = ""  # the final answer of the last round (its last reply without tool calls)
        self.timer = threading.Timer(limits.time_s, self._stop, args=("timeout",))
        self.timer.daemon = True
        self.timer.start()

    def _stop(self, why: str) -> None:
        self.why = self.why or why
        self.session.interrupt()

    def run_round(self, run: Driver, message: str) -> str:
        """Send ``message``; return how the agent stopped: done, max_turns, loop, interrupted,
        error (``run.last`` says why), or the limit that stopped it: timeout, max_tokens."""
        self.answer = ""
        if self.why:
            return self.why
        for event in run.turn(message):
            if not isinstance(event, AssistantMessage):
                continue
            self.answer = "" if event.tool_calls else event.content
            if self.limits.max_tokens:
                usage = self.session.stats.usage
                if usage.prompt_tokens + usage.completion_tokens >= self.limits.max_tokens:
                    self._stop("max_tokens")
        return self.why or run.last.outcome

    def cancel(self) -> None:
        self.timer.cancel()


def run_task(task: Task, config, run_dir: Path, *, rounds: int = 1, backend=None, attempt: int = 1) -> RunResult:
    """Run ``task`` in a fresh workspace with the model of ``config`` (an agent Config);
    its trajectory goes under ``run_dir/trajectories/<task id>/``, its diff under ``run_dir/diffs/``."""
    t0 = time.monotonic()
    result = RunResult(task_id=task.id, status="error", max_rounds=rounds, tags=task.tags, attempt=attempt, model=config.model)
    ws = Path(tempfile.mkdtemp(prefix=f"limi-{task.id}-")) / "workspace"
    try:
        result.git_head = prepare_workspace(task, ws)
        _rounds(task, config, ws, Path(run_dir), rounds, backend, result)
        diff = workspace_diff(ws)
        if diff:
            path = Path(run_dir) / "diffs" / f"{task.id}.{attempt}.patch"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(default_redactor().redact_text(diff), encoding="utf-8")  # the agent may have written a secret
            result.diff_path = str(path)
    except SetupError as e:
        result.status, result.error = "error", f"workspace: {e}"
    except Exception as e:  # a harness failure is an error, never a fail
        result.status, result.error = "error", f"{type(e).__name__}: {e}"
    finally:
        shutil.rmtree(ws.parent, ignore_errors=True)
        result.wall_s = round(time.monotonic() - t0, 3)
        result.finished_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return result


def _rounds(task: Task, config, ws: Path, run_dir: Path, rounds: int, backend, result: RunResult) -> None:
    cfg = config.model_copy(update={
        "approval": "yolo",  # inside its own throwaway copy, the agent may do anything
        "max_turns": task.limits.max_turns,
        "sessions_dir": str((run_dir / "trajectories" / task.id).resolve()),
    })
    session = build_session(cfg, ws, backend=backend, mode="eval" if rounds > 1 else "batch")
    result.model = session.backend.model
    result.log_path = str(session.writer.path) if session.writer else None
    env = command_env(task.suite_dir, task.id, ws.parent / FINAL_ANSWER)  # outside the workspace
    message = task.instruction
    t_agent = time.monotonic()
    guard = LimitGuard(session, task.limits)
    try:
        with running(session) as run:
            run.start()
            _play(task, ws, env, rounds, guard, run, message, result)
            if guard.why and run.last.outcome != "error":
                run.stop("interrupted")  # a limit stopped the agent, even where a turn ended before it noticed
    except Exception as e:  # the harness broke (the check could not run): the task is not judged
        result.status, result.error = "error", f"{type(e).__name__}: {e}"
        result.rounds.append(RoundResult(round=len(result.rounds) + 1, stop="error"))
    finally:
        guard.cancel()
        ended = session.end()
        result.turns, result.tool_calls, result.invalid_tool_calls = ended.turns, ended.tool_calls, ended.invalid_tool_calls
        result.prompt_tokens, result.completion_tokens = ended.usage.prompt_tokens, ended.usage.completion_tokens
        result.agent_s = round(time.monotonic() - t_agent - sum(r.check_s for r in result.rounds), 3)


def _play(task: Task, ws: Path, env: dict, rounds: int, guard: LimitGuard, run: Driver, message: str,
          result: RunResult) -> None:
    """The rounds: the agent works, the check decides, its output is the next message."""
    for r in range(1, rounds + 1):
        stop = guard.run_round(run, message)
        if stop == "error":  # the model server died, the backend broke: the task is not judged
            result.status, result.error = "error", run.last.error
            result.rounds.append(RoundResult(round=r, stop="error"))
            return
        Path(env["FINAL_ANSWER_FILE"]).write_text(guard.answer, encoding="utf-8")
        check = run_command(task.check, ws, task.limits.check_timeout_s, env)
        result.rounds.append(_round_result(r, stop, check))
        if check.ok:
            result.passed_round = r
            break
        if stop in ("timeout", "max_tokens"):
            break  # the budget is spent: no further round
        message = feedback_message(check, r, rounds)
    result.status = "pass" if result.passed_round else "fail"


def _round_result(r: int, stop: str, check: CommandResult) -> RoundResult:
    return RoundResult(
        round=r, stop=stop, check_exit_code=check.exit_code, check_timed_out=check.timed_out,
        passed=check.ok, check_output=check.output[-2000:], check_s=check.duration_s,
    )


def feedback_message(check: CommandResult, round_: int, rounds: int) -> str:
    """The next user message after a failed check (template: evaluation/feedback.md)."""
    template = (Path(__file__).parent / "feedback.md").read_text(encoding="utf-8")
    status = "a timeout" if check.timed_out else f"exit code {check.exit_code}"
    return template.format(
        round=round_, rounds=rounds, rounds_left=rounds - round_, command=check.command, status=status,
        output=cap(check.output.strip(), FEEDBACK_CHARS),
    ).strip()


def check_reference(task: Task, solved: bool) -> CommandResult:
    """Run the task's check on a fresh workspace: untouched, or holding the reference
    solution (``solved``). The harness self-test: solved must pass, untouched must fail. The
    final answer the check sees is the solution's ``.final_answer`` when solved, else empty."""
    ws = Path(tempfile.mkdtemp(prefix=f"limi-ref-{task.id}-")) / "workspace"
    try:
        prepare_workspace(task, ws)
        answer = ""
        if solved:
            apply_solution(task, ws)
            reference = Path(task.solution) / REFERENCE_ANSWER if task.solution else None
            answer = reference.read_text(encoding="utf-8") if reference and reference.is_file() else ""
        (ws.parent / FINAL_ANSWER).write_text(answer, encoding="utf-8")
        env = command_env(task.suite_dir, task.id, ws.parent / FINAL_ANSWER)
        return run_command(task.check, ws, task.limits.check_timeout_s, env)
    finally:
        shutil.rmtree(ws.parent, ignore_errors=True)
