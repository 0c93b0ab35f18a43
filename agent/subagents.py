"""Subagents: the child sessions the ``task`` tool (:mod:`agent.tools.task`) runs.

A call ``task(brief, agent?, tools?, max_turns?)`` builds a child :class:`~agent.session.Session`
and drives it through one turn on ``brief``; its final answer is the call's result. The child:

- talks to the parent's backend, or to the model an agent definition names (trusted ones only);
- gets the parent's read-only tools by default, or the ones the call or its agent names, always
  among the parent's built-in tools (and ``web_search``): never ``task`` itself, never an MCP tool;
- runs in the parent's approval mode (``plan`` becomes ``read-only``) with the parent's rules and
  approver, so it is never allowed more than the parent; a person asked for approval sees which
  subagent asks, one question at a time;
- has its own turn limit (``[subagents] max_turns`` at most) and the parent's hooks;
- writes its own trajectory log in the same session store: ``session_started`` has ``mode``
  ``subagent``, ``parent_session_id``, ``parent_tool_call_id`` and the agent definition it
  follows (``subagent``); the parent's ``tool_result`` names it (``subagent_session_id``).

Interrupting the parent interrupts every child it runs. Task calls that follow each other in
one reply run side by side, up to ``[subagents] max_parallel``, when the backend can take
several calls at once (``concurrent``: a model server; the embedded llama.cpp model is not,
so there they run one after another). The child's events reach the front end as
:class:`~agent.events.SubagentEvent` under the call; they are logged only in the child's log.

Agent definitions are Markdown files with YAML front matter (:mod:`agent.front_matter`) in the
project's ``.limi/agents/`` and the user's ``$XDG_CONFIG_HOME/limi-cli/agents/`` (a project's
definition hides the user's of the same name)::

    ---
    name: reviewer                     # default: the file name
    description: Reviews a diff for bugs; give it the diff's range.
    tools: [read_file, grep, git_diff] # or "read_file, grep"; default: the read-only tools
    model: openai:gpt-4o-mini          # default: the parent's model
    max_turns: 8
    ---
    You review code changes ... (the child's system prompt)

A project comes with the workspace and is not trusted: until the person accepts a definition's
file (``limi-cli trust``, which remembers its sha256; a changed file is untrusted again) its
child gets read-only tools whatever it or the call asks for, and its ``model`` is ignored, with
a notice. A file that cannot be used (malformed front matter, an unknown key or tool name) is
left out with one line naming the file and line; the session goes on without it.
"""

from __future__ import annotations

import copy
import hashlib
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from agent.backends.base import Backend
from agent.backends.registry import make_backend
from agent.checkpoints import Checkpointer
from agent.compaction import Compactor, context_window_of
from agent.config import Config, is_trusted_or_false, user_config_path
from agent.driver import Driver
from agent.events import Event, SessionEnded, SubagentEvent, TextDelta
from agent.front_matter import FrontMatterError, parse_document, text_field
from agent.hooks import HookRunner
from agent.instructions import display_path
from agent.messages import ToolCall
from agent.policy import Approver, Decision, HeadlessApprover, Policy
from agent.session import Session
from agent.tools.base import Observation, Tool, ToolError, cut_middle
from agent.tools.registry import ALL_TOOLS
from agent.tools.safe_open import open_read
from agent.tools.task import TaskObservation, TaskTool
from agent.tools.workspace import OutsideWorkspace, Workspace
from agent.trajectory import TrajectoryWriter, new_session_id
from prompts import load as load_prompt

PROJECT_DIR = Path(".limi") / "agents"
MAX_FILE_BYTES = 256 * 1024
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
KEYS = ("name", "description", "tools", "model", "max_turns")
# the tools a subagent may be given (those of them its parent has): the built-ins and web_search
CHILD_TOOLS = (*ALL_TOOLS, "web_search")
# tool names as Claude Code's agent definitions write them
_CLAUDE_TOOLS = {"read": "read_file", "write": "write_file", "edit": "edit", "multiedit": "multi_edit", "bash": "shell",
                 "grep": "grep", "glob": "glob", "ls": "list_files", "webfetch": "web_fetch",
                 "websearch": "web_search", "todowrite": "todo"}
Scope = Literal["user", "project"]


# -- agent definitions -----------------------------------------------------------------


@dataclass(frozen=True)
class AgentDef:
    """One agent definition, as its child will be built from it."""

    name: str
    description: str
    prompt: str  # the child's system prompt (the subagent note is added after it)
    path: Path
    shown_as: str  # relative to the workspace, or the user's path with ~
    scope: Scope
    sha256: str
    trusted: bool  # the user's own, or a project file the person accepted
    tools: tuple[str, ...] | None = None  # None: the read-only tools
    model: str | None = None  # None: the parent's model (always None when not trusted)
    max_turns: int | None = None

    def record(self) -> dict[str, Any]:
        """What the child's ``session_started.subagent`` says about it."""
        return {"agent": self.name, "path": self.shown_as, "scope": self.scope, "sha256": self.sha256,
                "trusted": self.trusted}


@dataclass
class AgentCatalog:
    """The agent definitions a session can run, and what was wrong with the other files."""

    agents: dict[str, AgentDef] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)  # name (or file) -> one line: the file was left out
    notices: list[str] = field(default_factory=list)  # untrusted project definitions: what of them is ignored

    def listing(self) -> str:
        """The agents as the task tool's description lists them."""
        if not self.agents:
            return ""
        lines = [f"- {a.name}: {a.description}" for a in self.agents.values()]
        return "Agents you can name in `agent`:\n" + "\n".join(lines)

    def lines(self) -> list[str]:
        """Everything worth telling the person, one line each."""
        return [*self.problems.values(), *self.notices]


def user_agents_dir() -> Path:
    """Where the user's own agent definitions live: ``agents/`` beside the user config."""
    return user_config_path().parent / "agents"


def project_agent_files(workspace: Path) -> list[Path]:
    """The project's agent definition files (what ``limi-cli trust`` accepts)."""
    root = Path(workspace).resolve()
    return _agent_files(root / PROJECT_DIR, root)


def load_agents(workspace: Path, user_dir: Path | None = None, trust_store: Path | None = None) -> AgentCatalog:
    """The agent definitions of the user (``user_dir``, default :func:`user_agents_dir`) and of
    ``workspace`` (``.limi/agents/*.md``), a project's hiding the user's of the same name."""
    found = AgentCatalog()
    root = Path(workspace).resolve()
    user = Path(user_dir if user_dir is not None else user_agents_dir()).expanduser()
    for scope, base in (("user", user), ("project", root / PROJECT_DIR)):
        names: dict[str, str] = {}  # name -> file of this scope, for duplicates
        for path in _agent_files(base, root if scope == "project" else None):
            agent = _load_one(path, scope, root, trust_store, found)  # type: ignore[arg-type]
            if agent is None:
                continue
            if agent.name in names:
                found.problems[str(path)] = (f"{agent.shown_as}: the agent {agent.name!r} is defined in "
                                             f"{names[agent.name]} already; this file is left out (rename one)")
                continue
            names[agent.name] = agent.shown_as
            found.agents[agent.name] = agent
            found.problems.pop(agent.name, None)
    found.agents = dict(sorted(found.agents.items()))
    return found


def _agent_files(base: Path, workspace: Path | None) -> list[Path]:
    try:
        if workspace is not None:  # a project's: the folder itself must be inside the workspace
            Workspace(workspace).resolve(base)
        if not base.is_dir():
            return []
        return sorted(p for p in base.iterdir() if p.name.endswith(".md") and not p.name.startswith("."))
    except (OSError, OutsideWorkspace):
        return []


def _load_one(path: Path, scope: Scope, root: Path, trust_store: Path | None, found: AgentCatalog) -> AgentDef | None:
    shown = str(path.relative_to(root)) if scope == "project" else display_path(path)
    key = path.stem

    def problem(line: int | None, message: str) -> None:
        found.problems[key] = f"{shown}{f':{line}' if line else ''}: {message}; the agent is left out"

    try:
        with (open_read(Workspace(root), path) if scope == "project" else open(path, "rb")) as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except (OSError, OutsideWorkspace, ToolError) as e:
        problem(None, f"cannot read it ({_why(e)})")
        return None
    if len(raw) > MAX_FILE_BYTES:
        problem(None, f"over {MAX_FILE_BYTES // 1024} KiB (make it shorter)")
        return None
    text = raw.decode("utf-8", errors="replace")
    try:
        doc = parse_document(text)
        if not doc.meta:
            raise FrontMatterError(1, "no front matter: start the file with a '---' line, then 'name:', "
                                      "'description:' (and 'tools:', 'model:', 'max_turns:'), then a '---' line")
        unknown = [k for k in doc.meta if k not in KEYS]
        if unknown:
            raise FrontMatterError(_key_line(text, unknown[0]), f"unknown key {unknown[0]!r}; the keys are "
                                                                f"{', '.join(KEYS)}")
        name = text_field(doc.meta, "name", _key_line(text, "name")) or path.stem
        if not NAME_RE.match(name):
            raise FrontMatterError(_key_line(text, "name"), f"{name!r} is not an agent name (lower-case letters, "
                                                            "digits, '-' and '_')")
        key = name
        description = text_field(doc.meta, "description", _key_line(text, "description"))
        if not description:
            raise FrontMatterError(_key_line(text, "description") if "description" in doc.meta else 1,
                                   "no description: add 'description: when to use this agent' (the model reads it)")
        tools = _tool_list(doc.meta.get("tools"), _key_line(text, "tools"))
        model = text_field(doc.meta, "model", _key_line(text, "model"))
        max_turns = _positive(doc.meta.get("max_turns"), _key_line(text, "max_turns"))
    except FrontMatterError as e:
        problem(e.line, e.message)
        return None
    prompt = doc.body.strip()
    if not prompt:
        problem(doc.body_line, "no instructions after the front matter (they are the agent's system prompt)")
        return None
    trusted = scope == "user" or is_trusted_or_false(path, raw, trust_store)
    if not trusted:
        ignored = []
        if tools is not None and (wide := [t for t in tools if _kind(t) != "read"]):
            ignored.append(f"its tools {', '.join(wide)}")
            tools = tuple(t for t in tools if _kind(t) == "read")
        if model:
            ignored.append(f"its model {model!r}")
            model = None
        if ignored:
            found.notices.append(f"{shown}: {' and '.join(ignored)} {'are' if len(ignored) > 1 else 'is'} ignored "
                                 "(it runs with read-only tools on the session's model): this project's agents are "
                                 "not trusted; review the file, then run `limi-cli trust`")
    return AgentDef(name, description, prompt, path, shown, scope, hashlib.sha256(raw).hexdigest(), trusted,
                    tools, model, max_turns)


def _key_line(text: str, key: str) -> int:
    """The line of the file where the front matter sets ``key`` (2, the first line of it, when not found)."""
    lines = text.lstrip("\ufeff").splitlines()
    for i, line in enumerate(lines[1:], start=2):
        if line.strip() in ("---", "..."):
            break
        if re.match(rf"^\s*['\"]?{re.escape(key)}['\"]?\s*:", line):
            return i
    return 2


def _tool_list(value: Any, line: int) -> tuple[str, ...] | None:
    """``tools``: a YAML list or a comma-separated line of tool names (Claude Code's names too)."""
    if value is None:
        return None
    if isinstance(value, str):
        items = [v for v in re.split(r"[,\s]+", value) if v]
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        items = list(value)
    else:
        raise FrontMatterError(line, "'tools' must be a list of tool names, or names separated by commas")
    names = []
    for item in items:
        name = item if item in CHILD_TOOLS else _CLAUDE_TOOLS.get(item.lower(), item)
        if name not in CHILD_TOOLS:
            raise FrontMatterError(line, f"unknown tool {item!r} in 'tools'; the tools are: {', '.join(CHILD_TOOLS)}")
        if name not in names:
            names.append(name)
    return tuple(names)


def _positive(value: Any, line: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise FrontMatterError(line, f"'max_turns' must be a whole number of 1 or more, not {value!r}")
    return value


def _kind(tool: str) -> str:
    return ALL_TOOLS[tool].kind if tool in ALL_TOOLS else "read"  # web_search reads



def _why(e: BaseException) -> str:
    if isinstance(e, OSError) and e.strerror:
        return e.strerror.lower()
    return str(e).splitlines()[0] if str(e) else type(e).__name__


# -- offering the task tool ------------------------------------------------------------


def offers_task(config: Config, context_window: int | None) -> bool:
    """Whether a session offers ``task`` without being told to: its model's context window is at
    least ``[subagents] min_context`` (0: always), and ``tools`` does not list the tools itself."""
    if config.tools is not None:
        return False
    need = config.subagents.min_context
    return need == 0 or (context_window is not None and context_window >= need)


def with_task_tool(tools: list[Tool], config: Config, workspace: Path, context_window: int | None) -> list[Tool]:
    """``tools`` with the task tool ready: added when :func:`offers_task` says so, set up when
    ``tools`` names it; it lists the agent definitions of the user and of ``workspace``."""
    task = next((t for t in tools if isinstance(t, TaskTool)), None)
    if task is None:
        if not offers_task(config, context_window):
            return tools
        task = TaskTool()
        tools = [*tools, task]
    task.default_turns = config.subagents.max_turns
    if task.agents is None:
        task.agents = load_agents(workspace)
    return tools


def attach_subagents(session: Session, config: Config) -> SubagentRunner | None:
    """Give the session's task tool (if it has one) the runner of its children; the problems of
    its agent definitions become the session's notices. Returns the runner."""
    task = next((t for t in session.tools.values() if isinstance(t, TaskTool)), None)
    if task is None:
        return None
    if task.agents is None:
        task.agents = load_agents(session.workspace.root)
    session.notices = [*session.notices, *task.agents.lines()]
    task.runner = SubagentRunner(session, config, task.agents, task.default_turns)
    return task.runner


# -- running a child --------------------------------------------------------------------


def child_mode(parent_mode: str) -> str:
    """A child's approval mode: the parent's, never looser (plan mode's children only read)."""
    return "read-only" if parent_mode == "plan" else parent_mode


class _ChildPolicy(Policy):
    """A child's policy: the parent's rules and approver, and the parent's mode as it is at each
    call (:func:`child_mode`), so a mode the person changes while the child works holds for it
    at once (its log records the change as the parent's does)."""

    def __init__(self, parent: Policy, approver: Approver):
        self._parent = parent
        super().__init__(mode=child_mode(parent.mode), approver=approver, rules=parent.rules,  # type: ignore[arg-type]
                         workspace=parent.workspace, allowed_for_session=set(parent.allowed_for_session))

    @property  # type: ignore[override]
    def mode(self) -> Any:
        return child_mode(self._parent.mode)

    @mode.setter
    def mode(self, value: Any) -> None:
        """Ignored: the parent's mode decides (Policy's own __init__ sets it)."""


class _OneAtATime:
    """The parent's approver for a child: one question at a time (children may run side by side),
    each saying which subagent asks."""

    def __init__(self, approver: Approver, lock: threading.Lock, label: str):
        self.approver, self.lock, self.label = approver, lock, label

    def __call__(self, tool: Tool, call: ToolCall, summary: str, mode: Any) -> Decision:
        with self.lock:
            return self.approver(tool, call, f"[{self.label}] {summary}", mode)


@dataclass
class _Plan:
    """What a call asks for, checked: the child's brief, definition, tools, model and limit."""

    brief: str
    agent: AgentDef | None
    tools: list[Tool]
    backend: Backend
    max_turns: int


class SubagentRunner:
    """Builds and runs the children of one parent session (see the module docstring)."""

    def __init__(self, parent: Session, config: Config, agents: AgentCatalog, max_turns: int | None = None):
        self.parent, self.config, self.agents = parent, config, agents
        self.max_turns = max_turns or config.subagents.max_turns
        self._lock = threading.Lock()  # the children running now
        self._loading = threading.Lock()  # the backends of agents' models, made once
        self._approvals = threading.Lock()  # one question to the person at a time
        self._running: list[Session] = []
        self._backends: dict[str, Backend] = {}
        parent.on_interrupt.append(self.interrupt)
        if getattr(parent.backend, "concurrent", False) and config.subagents.max_parallel > 1:
            parent.call_batches = ParallelTasks(parent, config.subagents.max_parallel)

    def interrupt(self) -> None:
        """Interrupt every child running now (the parent was interrupted)."""
        with self._lock:
            children = list(self._running)
        for child in children:
            child.interrupt()

    def run(self, params: TaskTool.Params, call: ToolCall | None) -> Iterator[Event]:
        """Run one child to the end of its turn (for ``call``, when known): yields its events,
        returns its answer."""
        plan = self._plan(params)
        if self.parent.cancel.is_set():
            return Observation(output="[interrupted before the subagent started]", is_error=True,
                               error_kind="interrupted")
        child = self._build(plan, call)
        label = plan.agent.name if plan.agent else None

        def up(event: Any) -> SubagentEvent:
            return SubagentEvent(tool_call_id=call.id if call is not None else "", session_id=child.session_id,
                                 agent=label, event=event)

        driver = Driver(child)
        with self._lock:
            self._running.append(child)
        finished = False
        try:
            yield up(driver.start())
            for event in child.start_events:  # its session_start hooks
                yield up(event)
            for event in driver.turn(plan.brief):
                if self.parent.cancel.is_set() and not child.cancel.is_set():
                    child.interrupt()  # the parent was interrupted while the child was starting
                if not isinstance(event, TextDelta):
                    yield up(event)
            finished = True
        finally:
            with self._lock:
                self._running.remove(child)
            if not finished:  # stopped from outside (ctrl+c, the parent's turn closed): log it so
                driver.stop("interrupted")
            ended = driver.end()
        for event in child.end_events:  # its session_end hooks
            yield up(event)
        yield up(ended)
        return self._answer(child, ended, plan)

    # -- what the call asks for ---------------------------------------------------------

    def _plan(self, params: TaskTool.Params) -> _Plan:
        brief = params.brief.strip()
        if not brief:
            raise ToolError("brief is empty: say what the subagent should do and what it should answer with")
        agent = None
        if params.agent:
            agent = self.agents.agents.get(params.agent.strip())
            if agent is None:
                known = ", ".join(self.agents.agents) or "none are defined; leave agent out"
                broken = self.agents.problems.get(params.agent.strip())
                raise ToolError(f"no agent named {params.agent!r} (the agents: {known})"
                                + (f"; its file could not be used: {broken}" if broken else ""))
        available = {n: t for n, t in self.parent.tools.items() if n in CHILD_TOOLS}
        if params.tools is not None:
            wrong = [n for n in params.tools if n not in available]
            if wrong:
                raise ToolError(f"tools: {wrong[0]!r} is not a tool a subagent can get; pick from: "
                                f"{', '.join(available) or 'none'}")
            names = list(dict.fromkeys(params.tools))
        elif agent is not None and agent.tools is not None:
            names = [n for n in agent.tools if n in available]  # what this session has of them
        else:
            names = [n for n, t in available.items() if t.kind == "read"]
        if agent is not None and not agent.trusted:  # an untrusted project's agent only reads
            names = [n for n in names if available[n].kind == "read"]
        # fresh instances: a tool keeps its state in the session's context, and a child's ends with it
        tools = [copy.copy(available[n]) for n in names]
        asked = params.max_turns or (agent.max_turns if agent is not None else None) or self.max_turns
        model = agent.model if agent is not None and agent.trusted else None
        return _Plan(brief, agent, tools, self._backend(model), max(1, min(asked, self.max_turns)))

    def _backend(self, model: str | None) -> Backend:
        """The parent's backend, or one for the model an agent definition names (made once)."""
        if not model or model == self.parent.backend.model:
            return self.parent.backend
        with self._loading:
            if model not in self._backends:
                try:
                    self._backends[model] = make_backend(self.config.model_copy(update={"model": model}))
                except Exception as e:  # a BackendError, a bad path: the model reads why
                    raise ToolError(f"the agent's model {model!r} could not be loaded: {str(e).splitlines()[0]}") from None
            return self._backends[model]

    # -- the child session ----------------------------------------------------------------

    def _build(self, plan: _Plan, call: ToolCall | None) -> Session:
        p = self.parent
        root = p.workspace.root
        child_id = new_session_id()
        writer = TrajectoryWriter(p.writer.path.parent / f"{child_id}.jsonl") if p.writer is not None else None
        label = f"subagent {plan.agent.name}" if plan.agent else "subagent"
        approver = p.policy.approver
        if not isinstance(approver, HeadlessApprover):
            approver = _OneAtATime(approver, self._approvals, label)
        policy = _ChildPolicy(p.policy, approver)
        note = load_prompt("subagent.md").replace("{workspace}", str(root))
        base = plan.agent.prompt if plan.agent is not None else p.system_prompt
        started: dict[str, Any] = {
            "parent_session_id": p.session_id, "parent_tool_call_id": call.id if call is not None else None,
            "subagent": {**(plan.agent.record() if plan.agent else {"agent": None}), "max_turns": plan.max_turns},
        }
        if plan.agent is None:  # the parent's prompt, with the files it was made of
            started.update({k: p.started_fields[k] for k in ("instructions", "skills") if k in p.started_fields})
        hooks = None
        if p.hooks is not None:
            hooks = HookRunner(p.hooks.config, p.hooks.workspace, child_id, sandbox=p.hooks.sandbox,
                               log_path=writer.path if writer is not None else None)
        writes = any(t.kind != "read" for t in plan.tools)
        return Session(
            plan.backend, plan.tools, workspace=root, session_id=child_id, system_prompt=f"{base}\n\n{note}",
            policy=policy, writer=writer, sampling=p.sampling, max_turns=plan.max_turns,
            loop_limit=p.loop_guard.limit, shell_timeout_s=p.ctx.shell_timeout_s,
            max_output_chars=p.ctx.max_output_chars, mode="subagent",
            before_tool=Checkpointer(root, child_id) if writer is not None and writes else None,
            compactor=Compactor(context_window=context_window_of(plan.backend, self.config.context_window),
                                compact_at=p.compactor.compact_at),
            hooks=hooks, started_fields=started,
        )

    def _answer(self, child: Session, ended: SessionEnded, plan: _Plan) -> TaskObservation:
        """What the parent's model reads: the child's final answer, or why there is none."""
        last = next((m.content for m in reversed(child.messages) if m.role == "assistant" and m.content.strip()), "")
        said = f" What it said last:\n{last}" if last else " It wrote nothing."
        error_kind: str | None = None
        if ended.reason == "done":
            text = ended.final_text.strip() or "(the subagent finished without writing an answer)"
        elif ended.reason == "max_turns":
            text, error_kind = f"the subagent used its {plan.max_turns} turns before answering.{said}", "tool_error"
        elif ended.reason == "loop":
            text, error_kind = f"the subagent kept repeating the same call and was stopped.{said}", "tool_error"
        elif ended.reason == "interrupted":
            text, error_kind = f"[interrupted: the subagent was stopped after {ended.turns} turns]", "interrupted"
        else:
            text, error_kind = f"the subagent failed: {ended.error or 'an error'}", "tool_error"
        limit = self.parent.ctx.max_output_chars
        return TaskObservation(output=cut_middle(text, limit), is_error=error_kind is not None, error_kind=error_kind,
                               truncated=len(text) > limit, subagent_session_id=child.session_id)


# -- task calls side by side ------------------------------------------------------------


class ParallelTasks:
    """Runs the task calls that follow each other in one reply side by side, up to ``limit`` at a
    time. The session asks :meth:`takes` for each call; the first call of such a run starts them
    all, and each call's :meth:`outcome` passes the events of every child up as they come and
    returns that call's observation. Results still reach the conversation and the log in the
    order of the calls: the session writes them as it gets them, one call after the other."""

    def __init__(self, session: Session, limit: int):
        self.session, self.limit = session, limit
        self._batch: _Batch | None = None

    def takes(self, call: ToolCall) -> bool:
        if call.name != TaskTool.name or call.error:
            return False
        if self._batch is not None and call.id in self._batch.calls:
            return True
        pending = list(self.session._pending)  # this reply's calls still without a result, in order
        start = next((i for i, c in enumerate(pending) if c.id == call.id), None)
        if start is None:
            return False
        run: list[ToolCall] = []
        for c in pending[start:]:
            if c.name != TaskTool.name or c.error or self.session.loop_guard.verdict(c) != "run":
                break
            run.append(c)
        if len(run) < 2:
            return False
        self._batch = _Batch(self.session, run, self.limit)
        return True

    def outcome(self, call: ToolCall) -> Iterator[Event]:
        assert self._batch is not None
        return (yield from self._batch.outcome(call))

    def settle(self, call: ToolCall) -> tuple[Observation, float] | None:
        """The outcome of a call this batch started whose result the session did not take (the
        turn stopped first), once it is done; None for any other call, or one that failed."""
        if self._batch is None or call.id not in self._batch.calls:
            return None
        try:
            return _drain(self._batch.outcome(call), lambda event: None)  # the others' events: in their logs
        except Exception:
            return None


class _Batch:
    def __init__(self, session: Session, calls: list[ToolCall], limit: int):
        self.session = session
        self.calls = {c.id: c for c in calls}
        self.queue: queue.Queue[tuple[str | None, Any]] = queue.Queue()
        self.done: dict[str, Any] = {}
        pool = ThreadPoolExecutor(max_workers=min(limit, len(calls)), thread_name_prefix="limi-task")
        for c in calls:
            pool.submit(self._work, c)
        pool.shutdown(wait=False)  # the threads end with their calls

    def _work(self, call: ToolCall) -> None:
        t0 = time.perf_counter()
        try:
            # the session's own checks and run of one call (hooks, policy, the tool), in this thread
            obs = _drain(self.session._observe(call), lambda event: self.queue.put((None, event)))
            self.queue.put((call.id, (obs, time.perf_counter() - t0)))
        except BaseException as e:  # noqa: BLE001 - handed to the session's thread, which raises it
            self.queue.put((call.id, e))

    def outcome(self, call: ToolCall) -> Iterator[Event]:
        """The events of every call of the batch until ``call`` is done; returns (observation, seconds)."""
        try:
            while call.id not in self.done:
                cid, item = self.queue.get()
                if cid is None:
                    yield item
                else:
                    self.done[cid] = item
        except BaseException:  # ctrl+c, or the turn was closed: stop the others too
            self.session.interrupt()
            raise
        item = self.done.pop(call.id)
        if isinstance(item, BaseException):
            raise item
        return item


def _drain(events: Iterator[Any], sink: Callable[[Any], None]) -> Any:
    """Pass every event of a generator to ``sink``; its return value."""
    while True:
        try:
            event = next(events)
        except StopIteration as done:
            return done.value
        sink(event)

