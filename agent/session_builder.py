"""Build a ready :class:`~agent.session.Session` from a config: the one assembly every
front end (headless run, chat, record, batch, eval) uses."""

from __future__ import annotations

from pathlib import Path

from agent.backends.base import Backend
from agent.compaction import Compactor, compacted_messages, context_window_of
from agent.config import Config
from agent.policy import Approver, HeadlessApprover, Policy
from agent.sandbox import sandbox_for
from agent.project_dir import ensure_gitignore
from agent.session import Session, SessionStats
from agent.tools.base import Tool
from agent.tools.shell import ShellTool


def system_prompt_for(config: Config, workspace: Path) -> str:
    if config.system_prompt_file:
        path = Path(config.system_prompt_file).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"system_prompt_file {path} does not exist; fix the path in the config")
        text = path.read_text(encoding="utf-8")
    else:
        from prompts import load

        text = load("system.md")
    text = text.replace("{workspace}", str(workspace))
    if config.repo_map_tokens > 0:
        from agent.codeintel.repomap import repo_map_for_prompt

        if repo_map := repo_map_for_prompt(workspace, config.repo_map_tokens):
            text += f"\n\n# Repository map (files and their key symbols, most used first)\n{repo_map}"
    return text


def tools_for(config: Config, workspace: Path, context_window: int | None = None) -> list[Tool]:
    """The tools a session built from ``config`` offers: the built-ins named by ``tools`` (by
    default all, or the core set for a small ``context_window``; the shell sandboxed as
    ``sandbox`` says: on, off, or auto where bubblewrap works), ``web_search`` when a provider is configured, and the tools of the
    configured MCP servers."""
    from agent.backends.registry import expected_context_window
    from agent.tools.registry import select_tools
    from agent.tools.web import WebSearchTool, search_provider

    # a backend that plays someone else's steps (record) reports no window: use the model's
    window = context_window if context_window is not None else expected_context_window(config)
    tools = select_tools(config.tools, window)
    if any(t.name == "shell" for t in tools):
        sandbox = sandbox_for(config.sandbox, workspace, network=config.network)
        if sandbox is not None:
            tools = [ShellTool(sandbox) if t.name == "shell" else t for t in tools]
    provider = search_provider(config)
    if provider is not None:
        tools.append(WebSearchTool(provider, max_results=config.web_search.max_results))
    if any(s.enabled for s in config.mcp_servers.values()):
        from agent.mcp import mcp_tools

        tools += mcp_tools(config.mcp_servers, workspace)
    return tools


def policy_for(config: Config, approver: Approver | None, workspace: Path | None = None) -> Policy:
    return Policy(mode=config.approval, approver=approver or HeadlessApprover(), rules=config.rules, workspace=workspace)


def compactor_for(config: Config, backend: Backend) -> Compactor:
    """Automatic compaction past ``compact_at`` of the context window (configured, or what the backend says)."""
    return Compactor(context_window=context_window_of(backend, config.context_window), compact_at=config.compact_at)


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
    from agent.trajectory import TrajectoryWriter, new_session_id, sessions_dir

    workspace = workspace.resolve()
    backend = backend if backend is not None else make_backend(config)
    session_id = new_session_id()
    writer = None
    if log:
        writer = TrajectoryWriter(sessions_dir(workspace, config.sessions_dir) / f"{session_id}.jsonl")
        ensure_gitignore(workspace)
    session = Session(
        backend,
        tools if tools is not None else tools_for(config, workspace, context_window_of(backend, config.context_window)),
        workspace=workspace,
        session_id=session_id,
        system_prompt=system_prompt_for(config, workspace),
        policy=policy_for(config, approver, workspace),
        writer=writer,
        sampling=config.sampling,
        max_turns=config.max_turns,
        loop_limit=config.loop_limit,
        shell_timeout_s=config.shell_timeout_s,
        max_output_chars=config.max_output_chars,
        mode=mode,
    )
    session.compactor = compactor_for(config, backend)
    if writer is not None:  # checkpoints go with a logged session: the log is what undo reads
        from agent.checkpoints import Checkpointer

        session.before_tool = Checkpointer(workspace, session_id)
    return session


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
    from agent.trajectory import TrajectoryWriter, read_log

    log = read_log(log_path)
    started = log.started
    if started is None:
        raise ValueError(f"{log_path} has no session_started event; it cannot be resumed")
    stats, pending, todo = SessionStats(), [], None
    for ev in log.events:
        if isinstance(ev, ToolResult) and ev.todo is not None:
            todo = ev.todo
        if isinstance(ev, AssistantMessage):
            stats.turns, stats.usage, pending = ev.turn, stats.usage + ev.usage, list(ev.tool_calls)
        elif isinstance(ev, ToolResult):
            stats.tool_calls += 1
            stats.tool_errors += ev.is_error
            stats.invalid_tool_calls += ev.error_kind in INVALID_CALL_KINDS
            pending = [c for c in pending if c.id != ev.tool_call_id]
    backend = backend if backend is not None else make_backend(config)
    ensure_gitignore(workspace)
    session = Session(
        backend,
        tools if tools is not None else tools_for(config, workspace.resolve(), context_window_of(backend, config.context_window)),
        workspace=workspace.resolve(),
        session_id=started.session_id,
        system_prompt=started.system_prompt,
        policy=policy_for(config, approver, workspace.resolve()),
        writer=TrajectoryWriter(log_path),
        sampling=config.sampling,
        max_turns=config.max_turns,
        loop_limit=config.loop_limit,
        shell_timeout_s=config.shell_timeout_s,
        max_output_chars=config.max_output_chars,
        mode=mode,
    )
    session.restore(compacted_messages(log), stats, pending, log.events)  # the view the model had
    session.compactor = compactor_for(config, backend)
    from agent.checkpoints import Checkpointer

    session.before_tool = Checkpointer(workspace.resolve(), started.session_id)
    if todo is not None:
        session.ctx.state["todo"] = todo
    return session
