"""Build a ready :class:`~agent.session.Session` from a config: the one assembly every
front end (headless run, chat, record, batch, eval) uses."""

from __future__ import annotations

from pathlib import Path

from agent.backends.base import Backend
from agent.config import Config
from agent.policy import Approver, HeadlessApprover, Policy
from agent.session import Session, SessionStats
from agent.tools.base import Tool


def system_prompt_for(config: Config, workspace: Path) -> str:
    if config.system_prompt_file:
        path = Path(config.system_prompt_file).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"system_prompt_file {path} does not exist; fix the path in the config")
        text = path.read_text(encoding="utf-8")
    else:
        from prompts import load

        text = load("system.md")
    return text.replace("{workspace}", str(workspace))


def build_session(
    config: Config,
    workspace: Path,
    *,
    backend: Backend | None = None,
    tools: list[Tool] | None = None,
    approver: Approver | None = None,
    mode: str = "headless",
    log: bool = True,
) -> Session:
    from agent.backends.registry import make_backend
    from agent.tools.registry import default_tools
    from agent.trajectory import TrajectoryWriter, new_session_id, sessions_dir

    workspace = workspace.resolve()
    backend = backend if backend is not None else make_backend(config)
    session_id = new_session_id()
    writer = None
    if log:
        writer = TrajectoryWriter(sessions_dir(workspace, config.sessions_dir) / f"{session_id}.jsonl")
    return Session(
        backend,
        tools if tools is not None else default_tools(),
        workspace=workspace,
        session_id=session_id,
        system_prompt=system_prompt_for(config, workspace),
        policy=Policy(mode=config.approval, approver=approver or HeadlessApprover()),
        writer=writer,
        sampling=config.sampling,
        max_turns=config.max_turns,
        shell_timeout_s=config.shell_timeout_s,
        max_output_chars=config.max_output_chars,
        mode=mode,
    )


def resume_session(
    config: Config,
    workspace: Path,
    log_path: Path,
    *,
    backend: Backend | None = None,
    tools: list[Tool] | None = None,
    approver: Approver | None = None,
    mode: str = "chat",
) -> Session:
    """Reopen a logged session: its conversation and counts restored, new events appended to
    the same log after a ``session_resumed`` event (written by :meth:`Session.start`)."""
    from agent.backends.registry import make_backend
    from agent.events import INVALID_CALL_KINDS, AssistantMessage, ToolResult
    from agent.tools.registry import default_tools
    from agent.trajectory import TrajectoryWriter, read_log

    log = read_log(log_path)
    started = log.started
    if started is None:
        raise ValueError(f"{log_path} has no session_started event; it cannot be resumed")
    stats, pending = SessionStats(), []
    for ev in log.events:
        if isinstance(ev, AssistantMessage):
            stats.turns, stats.usage, pending = ev.turn, stats.usage + ev.usage, list(ev.tool_calls)
        elif isinstance(ev, ToolResult):
            stats.tool_calls += 1
            stats.tool_errors += ev.is_error
            stats.invalid_tool_calls += ev.error_kind in INVALID_CALL_KINDS
            pending = [c for c in pending if c.id != ev.tool_call_id]
    session = Session(
        backend if backend is not None else make_backend(config),
        tools if tools is not None else default_tools(),
        workspace=workspace.resolve(),
        session_id=started.session_id,
        system_prompt=started.system_prompt,
        policy=Policy(mode=config.approval, approver=approver or HeadlessApprover()),
        writer=TrajectoryWriter(log_path),
        sampling=config.sampling,
        max_turns=config.max_turns,
        shell_timeout_s=config.shell_timeout_s,
        max_output_chars=config.max_output_chars,
        mode=mode,
    )
    session.restore(log.messages(), stats, pending, log.events)
    return session
