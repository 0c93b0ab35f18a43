"""Build a ready :class:`~agent.session.Session` from a config: the one assembly every
front end (headless run, chat, record, batch, eval) uses."""

from __future__ import annotations

from pathlib import Path

from agent.backends.base import Backend
from agent.config import Config
from agent.policy import Approver, HeadlessApprover, Policy
from agent.session import Session
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
