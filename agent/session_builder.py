"""Build a ready :class:`~agent.session.Session` from a config: the one assembly every
front end (headless run, chat, record, batch, eval) uses."""

from __future__ import annotations

from pathlib import Path

from agent.backends.base import Backend
from agent.backends.registry import make_backend
from agent.checkpoints import Checkpointer
from agent.compaction import Compactor, context_window_of
from agent.config import Config
from agent.custom_commands import load_commands
from agent.events import ToolResult
from agent.hooks import HookRunner
from agent.instructions import Instructions, user_instructions_dir
from agent.policy import Approver, HeadlessApprover, Policy
from agent.project_dir import ensure_gitignore
from agent.sandbox import sandbox_for
from agent.session import Session
from agent.skills import SkillSet, load_skills
from agent.subagents import attach_subagents, with_task_tool
from agent.tools.base import Tool
from agent.tools.shell import ShellTool
from agent.tools.skill import SkillTool
from agent.tools.workspace import Workspace
from agent.trajectory import LogReadResult, TrajectoryWriter, new_session_id, read_log, sessions_dir


def system_prompt_for(config: Config, workspace: Path, instructions: Instructions | None = None,
                      skills: SkillSet | None = None) -> str:
    """The system prompt: the base text (or ``system_prompt_file``), the repo map when asked for,
    the ``instructions`` read at the start (AGENTS.md files) and the list of ``skills``."""
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
    for section in (instructions.prompt_section() if instructions else "", skills.prompt_section() if skills else ""):
        if section:
            text += f"\n\n{section}"
    return text


def prompt_files_for(config: Config, workspace: Path, tools: list[Tool],
                     logged: LogReadResult | None = None) -> tuple[Instructions, SkillSet | None]:
    """The AGENTS.md files of a session (for a resumed one, what it has shown already) and the
    skills its ``skill`` tool serves (None: it has none)."""
    instructions = Instructions(Workspace(workspace), tuple(config.instruction_files), config.instructions_max_chars)
    if logged is not None:  # its prompt is the logged one: only the folders shown since count
        instructions.shown.add(instructions.workspace.root)
        instructions.seen_in(e.output for e in logged.events if isinstance(e, ToolResult))
    elif config.instruction_files:
        instructions.load(user_instructions_dir())
    skill_tool = next((t for t in tools if isinstance(t, SkillTool)), None)
    if skill_tool is not None:
        return instructions, skill_tool.skill_set(workspace)
    if config.tools is None:  # no skill loaded: say why, when there were files
        instructions.problems += load_skills(workspace).problems
    return instructions, None


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
    if config.tools is None and (skills := load_skills(workspace)):
        tools.append(SkillTool(skills))  # the skills' bodies, read when the model decides to use one
    provider = search_provider(config)
    if provider is not None:
        tools.append(WebSearchTool(provider, max_results=config.web_search.max_results))
    if any(s.enabled for s in config.mcp_servers.values()):
        from agent.mcp import mcp_tools

        tools += mcp_tools(config.mcp_servers, workspace)
    return tools


def hooks_for(config: Config, workspace: Path, session_id: str, log_path: Path | None) -> HookRunner | None:
    """The configured hooks, run in the sandbox shell commands get (None: no hook is configured)."""
    if not config.hooks.any():
        return None
    sandbox = sandbox_for(config.sandbox, workspace, network=config.network)
    return HookRunner(config.hooks, workspace, session_id, sandbox=sandbox, log_path=log_path)


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
    resume: Path | None = None,
) -> Session:
    """A session built from ``config``: a new one (logged unless ``log`` is off), or, with
    ``resume``, the one logged there, its conversation and counts restored and new events
    appended to the same log after a ``session_resumed`` event (written by :meth:`Session.start`)."""
    workspace = workspace.resolve()
    logged = read_log(resume) if resume is not None else None
    if logged is not None and logged.started is None:
        raise ValueError(f"{resume} has no session_started event; it cannot be resumed")
    backend = backend if backend is not None else make_backend(config)
    session_id = logged.started.session_id if logged is not None else new_session_id()
    writer = None
    if resume is not None or log:
        writer = TrajectoryWriter(resume or sessions_dir(workspace, config.sessions_dir) / f"{session_id}.jsonl")
        ensure_gitignore(workspace)
    window = context_window_of(backend, config.context_window)
    if tools is None:
        tools = tools_for(config, workspace, window)
        if mode in ("chat", "acp") or config.approval == "plan":  # a chat (shift+tab) or an ACP client can switch to plan mode
            from agent.tools.registry import with_plan_tool

            tools = with_plan_tool(tools)
        tools = with_task_tool(tools, config, workspace, window)
    instructions, skills = prompt_files_for(config, workspace, tools, logged)
    session = Session(
        backend,
        tools,
        workspace=workspace,
        session_id=session_id,
        # a resumed session keeps the prompt its model had
        system_prompt=(logged.started.system_prompt if logged is not None
                       else system_prompt_for(config, workspace, instructions, skills)),
        policy=policy_for(config, approver, workspace),
        writer=writer,
        sampling=config.sampling,
        max_turns=config.max_turns,
        loop_limit=config.loop_limit,
        shell_timeout_s=config.shell_timeout_s,
        max_output_chars=output_cap(config.max_output_chars, window),
        mode=mode,
        # checkpoints go with a logged session: the log is what undo reads
        before_tool=Checkpointer(workspace, session_id) if writer is not None else None,
        compactor=compactor_for(config, backend),
        resume=logged,
        hooks=hooks_for(config, workspace, session_id, writer.path if writer is not None else None),
        started_fields={"instructions": instructions.records(), "skills": skills.records() if skills else []},
        instructions=instructions if config.instruction_files else None,
    )
    session.notices = [*instructions.problems, *(skills.problems if skills is not None else [])]
    if mode == "chat":  # bad custom command files: said once at the start (the chat's /help says it again)
        found = load_commands(workspace)
        session.notices += [*found.problems.values(), *found.notices]
    attach_subagents(session, config)  # the task tool's children; bad agent files become notices
    return session


def output_cap(max_output_chars: int, window: int | None) -> int:
    """The most characters one tool result may hand the model: ``max_output_chars``, and on a
    model with a known context window no more characters than the window has tokens (at 3-4
    characters a token, a quarter to a third of it), so that one ``glob`` of a large tree cannot
    overflow an 8k model's conversation."""
    return min(max_output_chars, window) if window else max_output_chars


def resume_session(config: Config, workspace: Path, log_path: Path, *, mode: str = "chat", **kw) -> Session:
    """Reopen the session logged at ``log_path`` (:func:`build_session` with ``resume``; ``kw``:
    its ``backend``, ``tools``, ``approver``)."""
    return build_session(config, workspace, mode=mode, resume=log_path, **kw)
