"""``limi-cli acp``: limi-cli as an Agent Client Protocol agent over stdio.

An editor or terminal front end (Zed, JetBrains, Neovim plugins, Toad) starts the process and
speaks JSON-RPC on its stdin and stdout, through the SDK (``agent-client-protocol``). Each ACP
session is one limi-cli :class:`~agent.session.Session`, built by
:func:`agent.session_builder.build_session` (mode ``acp``) and driven by an
:class:`~agent.driver.Driver` like every other front end: its log is an ordinary session log
(``session_started`` with mode ``acp``), so ``limi-cli export`` turns it into training rows.

Threads: the protocol runs on the asyncio loop of the main thread; a prompt's turn runs in a
worker thread of its own (``Session.send`` blocks on the model and the tools). What the turn
yields is mapped to ``session/update`` notifications (:mod:`limi_cli.acp.updates`) and queued
to the loop in order, together with what the worker needs from the client (a permission
request, a file read or write), so a request never overtakes the updates before it. The
prompt's response goes out after the last update of its turn.

The ACP session id is the limi-cli session id, so ``session/load`` of an id reopens its log
(``build_session(..., resume=path)``) and replays the conversation to the client.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

from acp import PROTOCOL_VERSION, RequestError, run_agent
from acp import helpers
from acp.schema import (
    AgentCapabilities,
    AllowedOutcome,
    AuthenticateResponse,
    ClientCapabilities,
    EmbeddedResourceContentBlock,
    Implementation,
    InitializeResponse,
    ListSessionsResponse,
    LoadSessionResponse,
    NewSessionResponse,
    PermissionOption,
    PromptCapabilities,
    PromptResponse,
    ResourceContentBlock,
    SessionCapabilities,
    SessionConfigOptionSelect,
    SessionConfigSelectOption,
    SessionInfo,
    SessionListCapabilities,
    SessionMode,
    SessionModeState,
    SetSessionConfigOptionResponse,
    SetSessionModeResponse,
    TextContentBlock,
    TextResourceContents,
    ToolCallUpdate,
    Usage,
)

from agent import __version__
from agent.backends.base import BackendError
from agent.backends.registry import resolve_backend
from agent.config import Config, ConfigError, load_config
from agent.driver import Driver
from agent.events import AssistantMessage
from agent.messages import ToolCall
from agent.policy import APPROVAL_MODES, ApprovalMode, Decision
from agent.redact import default_redactor
from agent.session import Session
from agent.session_builder import build_session
from agent.session_store import SessionLookupError, find_session, list_sessions
from agent.tools.base import Tool, ToolError
from agent.tools.plan import PlanReview
from agent.tools.workspace import OutsideWorkspace, Workspace
from agent.trajectory import sessions_dir
from limi_cli.acp.stdio import StdioTransport, take_stdout
from limi_cli.acp.tools import ClientFiles, FileDiff, local_text, edited_path, preview, watch
from limi_cli.acp.updates import UpdateMapper, replay
from limi_cli.chat.outcomes import chat_line
from limi_cli.tui.approver import ApprovalRequest, PlanRequest
from limi_cli.tui.mentions import MAX_ATTACH_CHARS

log = logging.getLogger("limi_cli.acp")

MODE_TEXT: dict[str, tuple[str, str]] = {
    "read-only": ("Read only", "Read tools run; edits and commands are refused"),
    "plan": ("Plan", "Read-only exploration that ends with a plan for you to accept or reject"),
    "ask": ("Ask", "Ask before every edit and command"),
    "auto-edit": ("Auto edit", "Edit files without asking; ask before commands"),
    "yolo": ("Yolo", "Run everything without asking"),
}
PERMISSION_OPTIONS = [
    PermissionOption(option_id="allow", name="Allow", kind="allow_once"),
    PermissionOption(option_id="allow_always", name="Always allow in this session", kind="allow_always"),
    PermissionOption(option_id="reject", name="Reject", kind="reject_once"),
]
PLAN_OPTIONS = [
    PermissionOption(option_id="accept_auto_edit", name="Yes, and auto-accept edits", kind="allow_always"),
    PermissionOption(option_id="accept_ask", name="Yes, and approve each edit", kind="allow_once"),
    PermissionOption(option_id="reject", name="No, keep planning", kind="reject_once"),
]
STOP_REASONS = {"done": "end_turn", "max_turns": "max_turn_requests", "loop": "end_turn", "interrupted": "cancelled"}
POLL_S = 0.05  # how often a worker waiting on the client looks at the cancel flag
SHUTDOWN_WAIT_S = 20.0  # for running turns to stop when the client goes away
_DONE = object()


def fail(e: BaseException, code: int = -32603) -> RequestError:
    """A JSON-RPC error whose message is the one line a person should read."""
    if isinstance(e, RequestError):
        return e
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    known = (ConfigError, BackendError, SessionLookupError, FileNotFoundError, OutsideWorkspace, ValueError)
    message = text if isinstance(e, known) else f"{type(e).__name__}: {text}"
    return RequestError(code, default_redactor().redact_text(message), {"kind": type(e).__name__})


class LimiAcpAgent:
    """The ACP agent (the SDK's ``Agent`` protocol): sessions, prompts, modes, models."""

    def __init__(self, overrides: dict, default_workspace: Path):
        self.overrides, self.default_workspace = overrides, default_workspace
        self.conn: Any = None
        self.client = ClientCapabilities()
        self.sessions: dict[str, AcpSession] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self.closing = False  # the client closed its end: nothing new starts, nobody can be asked

    def on_connect(self, conn) -> None:
        self.conn = conn

    # -- setup ------------------------------------------------------------------

    async def initialize(self, protocol_version: int, client_capabilities: ClientCapabilities | None = None,
                         client_info: Implementation | None = None, **kwargs: Any) -> InitializeResponse:
        self.loop = asyncio.get_running_loop()
        self.client = client_capabilities or ClientCapabilities()
        return InitializeResponse(
            protocol_version=PROTOCOL_VERSION,
            agent_capabilities=AgentCapabilities(
                load_session=True,
                prompt_capabilities=PromptCapabilities(image=False, audio=False, embedded_context=True),
                session_capabilities=SessionCapabilities(list=SessionListCapabilities()),
            ),
            agent_info=Implementation(name="limi-cli", title="limi-cli", version=__version__),
        )

    async def authenticate(self, method_id: str, **kwargs: Any) -> AuthenticateResponse:
        raise RequestError.invalid_params({"details": "limi-cli needs no authentication; there is no method to use"})

    async def new_session(self, cwd: str, mcp_servers: list | None = None, additional_directories: list[str] | None = None,
                          **kwargs: Any) -> NewSessionResponse:
        workspace = self._workspace(cwd)
        self._note_mcp(mcp_servers)
        state = await self._open(workspace, None)
        return NewSessionResponse(session_id=state.id, modes=state.modes(), config_options=state.config_options())

    async def load_session(self, cwd: str, session_id: str, mcp_servers: list | None = None,
                           additional_directories: list[str] | None = None, **kwargs: Any) -> LoadSessionResponse:
        workspace = self._workspace(cwd)
        self._note_mcp(mcp_servers)
        if (open_state := self.sessions.get(session_id)) is not None:
            if open_state.busy:
                raise RequestError.invalid_request({"details": f"session {session_id} is running a prompt; "
                                                               "cancel it before loading it again"})
            await asyncio.to_thread(open_state.end)
            del self.sessions[session_id]
        try:
            config = load_config(workspace, self.overrides)
            path = find_session(sessions_dir(workspace, config.sessions_dir), session_id)
        except SessionLookupError as e:
            raise RequestError.resource_not_found(session_id) if "no session" in str(e) else fail(e, -32602) from None
        except ConfigError as e:
            raise fail(e) from None
        state = await self._open(workspace, path)
        for update in replay(state.session.restored_events, state.mapper):
            await self.conn.session_update(session_id=state.id, update=update)
        return LoadSessionResponse(modes=state.modes(), config_options=state.config_options())

    async def list_sessions(self, cwd: str | None = None, cursor: str | None = None, **kwargs: Any) -> ListSessionsResponse:
        workspace = self._workspace(cwd) if cwd else self.default_workspace
        try:
            config = load_config(workspace, self.overrides)
        except ConfigError as e:
            raise fail(e) from None
        found = await asyncio.to_thread(list_sessions, sessions_dir(workspace, config.sessions_dir))
        return ListSessionsResponse(sessions=[
            SessionInfo(session_id=s.id, cwd=str(workspace), title=s.first_user_message or None,
                        updated_at=_iso(s.path.stat().st_mtime) if s.path.exists() else None)
            for s in found
        ])

    def _workspace(self, cwd: str) -> Path:
        path = Path(cwd)
        if not path.is_absolute():
            raise RequestError.invalid_params({"details": f"cwd {cwd!r} must be an absolute path"})
        if not path.is_dir():
            raise RequestError.invalid_params({"details": f"cwd {cwd} is not a directory"})
        return path.resolve()

    def _note_mcp(self, servers: list | None) -> None:
        if servers:
            log.warning("limi-cli acp: MCP servers from the client are not used yet (%d given); "
                        "configure them in limi-cli's config ([mcp_servers])", len(servers))

    async def _open(self, workspace: Path, resume: Path | None) -> AcpSession:
        try:
            config = load_config(workspace, self.overrides)
        except ConfigError as e:
            raise fail(e) from None
        state = AcpSession(self, workspace, config)
        try:
            await asyncio.to_thread(state.build, resume)
        except Exception as e:
            raise fail(e) from None
        self.sessions[state.id] = state
        return state

    def _state(self, session_id: str) -> AcpSession:
        state = self.sessions.get(session_id)
        if state is None:
            raise RequestError.invalid_params({"details": f"no session {session_id!r} is open; "
                                                          "create one (session/new) or load it (session/load)"})
        return state

    # -- modes and models -------------------------------------------------------

    async def set_session_mode(self, session_id: str, mode_id: str, **kwargs: Any) -> SetSessionModeResponse:
        state = self._state(session_id)
        state.set_mode(mode_id)
        await self.conn.session_update(session_id=session_id, update=state.config_update())
        return SetSessionModeResponse()

    async def set_config_option(self, config_id: str, session_id: str, value: str | bool,
                                **kwargs: Any) -> SetSessionConfigOptionResponse:
        state = self._state(session_id)
        if not isinstance(value, str):
            raise RequestError.invalid_params({"details": f"option {config_id!r} takes a string"})
        if config_id == "mode":
            state.set_mode(value)
            await self.conn.session_update(session_id=session_id, update=helpers.update_current_mode(value))
        elif config_id == "model":
            await state.switch_model(value)
        else:
            raise RequestError.invalid_params({"details": f"unknown option {config_id!r}; the options are mode and model"})
        return SetSessionConfigOptionResponse(config_options=state.config_options())

    # -- prompts ----------------------------------------------------------------

    async def prompt(self, prompt: list, session_id: str, **kwargs: Any) -> PromptResponse:
        state = self._state(session_id)
        text = prompt_text(prompt, state.workspace)
        if state.switching:
            raise RequestError.invalid_request({"details": f"session {session_id} is switching its model; "
                                                           "send the prompt when session/set_config_option has answered"})
        if state.busy:
            if not state.cancel_requested:
                raise RequestError.invalid_request({"details": f"a prompt is already running in session {session_id}; "
                                                               "wait for its response, or send session/cancel first"})
            await state.idle.wait()  # a cancelled turn is winding down: this prompt comes next
            if state.busy:
                raise RequestError.invalid_request({"details": f"another prompt started first in session {session_id}"})
        if self.closing:  # read before the client closed its end, and nobody is there to see it run
            return PromptResponse(stop_reason="cancelled")
        return await state.run_turn(text)

    async def cancel(self, session_id: str, **kwargs: Any) -> None:
        state = self.sessions.get(session_id)
        if state is not None:
            state.cancel()

    async def ext_method(self, method: str, params: dict) -> dict:
        raise RequestError.method_not_found(f"_{method}")

    async def ext_notification(self, method: str, params: dict) -> None:
        return None

    # -- the end ----------------------------------------------------------------

    def cancel_all(self) -> None:
        """The connection is closing: stop every running turn."""
        self.closing = True
        for state in list(self.sessions.values()):
            state.cancel()

    async def shutdown(self) -> None:
        """The client went away: stop running turns, then end every session (its session_ended is logged)."""
        states = list(self.sessions.values())
        for state in states:
            if state.busy:
                state.cancel()
        deadline = time.monotonic() + SHUTDOWN_WAIT_S
        for state in states:
            if state.thread is not None:
                await asyncio.to_thread(state.thread.join, max(0.0, deadline - time.monotonic()))
        for state in states:
            await asyncio.to_thread(state.end)
        self.sessions.clear()


class AcpSession:
    """One ACP session: a limi-cli session, its driver, and the turn running in it."""

    def __init__(self, agent: LimiAcpAgent, workspace: Path, config: Config):
        self.agent, self.workspace, self.config = agent, workspace, config
        self.loop = asyncio.get_running_loop()
        self.session: Session = None  # type: ignore[assignment]
        self.driver: Driver = None  # type: ignore[assignment]
        self.mapper: UpdateMapper = None  # type: ignore[assignment]
        self.queue: asyncio.Queue | None = None  # the running turn's updates and client calls, in order
        self.thread: threading.Thread | None = None
        self.busy = False
        self.switching = False  # the model is being changed: the session is being rebuilt
        self.cancel_requested = False
        self.idle = asyncio.Event()
        self.idle.set()
        self.asks: list[ApprovalRequest | PlanRequest] = []  # questions open in the client
        self.tasks: set[asyncio.Task] = set()  # client calls in flight

    @property
    def id(self) -> str:
        return self.session.session_id

    # -- building (in a worker thread) --------------------------------------------

    def build(self, resume: Path | None) -> None:
        session = build_session(self.config, self.workspace, approver=AcpApprover(self), mode="acp", resume=resume)
        redactor = session.writer.redactor if session.writer is not None else default_redactor()
        self.mapper = UpdateMapper(self.workspace, lambda: self.session.tools, redactor, self.emit, self.mode_updates,
                                   self.context_fill)
        fs = self.agent.client.fs
        files = ClientFiles(self.read_via_client, self.write_via_client) if fs and fs.read_text_file and fs.write_text_file else None
        session.tools = watch(session.tools, self.mapper.started, self.mapper.diff, files)
        self.session, self.driver = session, Driver(session)
        self.driver.start()

    def context_fill(self) -> tuple[int, int] | None:
        """(tokens in the conversation, the context window) for the client's usage display."""
        window = self.session.compactor.context_window
        return (self.session.context.estimate(self.session.messages), window) if window else None

    def end(self) -> None:
        if self.driver is not None:
            self.driver.end()

    # -- the running turn ----------------------------------------------------------

    async def run_turn(self, text: str) -> PromptResponse:
        self.busy, self.cancel_requested = True, False
        self.idle.clear()
        queue: asyncio.Queue = asyncio.Queue()
        self.queue = queue
        usage = {"prompt": 0, "completion": 0, "cached": 0}
        failure: list[BaseException] = []

        def work() -> None:
            try:
                for event in self.driver.turn(text):
                    self.mapper.event(event)
                    if isinstance(event, AssistantMessage):
                        usage["prompt"] += event.usage.prompt_tokens
                        usage["completion"] += event.usage.completion_tokens
                        usage["cached"] += event.usage.cached_tokens
                for update in self.mapper.flush():
                    self.emit(update)
            except BaseException as e:  # the driver catches a turn's errors; this is a bug in the mapping
                failure.append(e)
                log.exception("limi-cli acp: the turn's worker failed")
            finally:
                self.loop.call_soon_threadsafe(queue.put_nowait, _DONE)

        self.thread = threading.Thread(target=work, name=f"acp-turn-{self.id}", daemon=True)
        self.thread.start()
        try:
            while (item := await queue.get()) is not _DONE:
                if callable(item):
                    task = asyncio.ensure_future(item())
                    self.tasks.add(task)
                    task.add_done_callback(self.tasks.discard)
                else:
                    await self._send(item)
        except asyncio.CancelledError:  # the connection is closing under the prompt: stop the turn
            self.cancel()
            raise
        finally:
            await asyncio.to_thread(self.thread.join)
            self.queue, self.busy = None, False
            self.idle.set()
        outcome = self.driver.last
        if failure and outcome.outcome != "interrupted":
            raise fail(failure[0])
        if self.cancel_requested or outcome.outcome == "interrupted":
            stop = "cancelled"
        elif outcome.outcome == "error":
            line = chat_line("error", outcome.error)
            raise RequestError(-32603, self.mapper.redactor.redact_text(line[0] if line else outcome.error or "error"),
                               {"outcome": "error"})
        else:
            stop = STOP_REASONS.get(outcome.outcome, "end_turn")
            if outcome.outcome in ("max_turns", "loop") and (line := chat_line(outcome.outcome, outcome.error)):
                await self._send(helpers.update_agent_message_text(f"\n\n[{line[0]}]"))
        total = usage["prompt"] + usage["completion"]
        return PromptResponse(stop_reason=stop, usage=Usage(  # type: ignore[arg-type]
            input_tokens=usage["prompt"], output_tokens=usage["completion"], total_tokens=total,
            cached_read_tokens=usage["cached"] or None))

    async def _send(self, update) -> None:
        try:
            await self.agent.conn.session_update(session_id=self.id, update=update)
        except (ConnectionError, OSError):
            pass  # the client is gone: the turn is being cancelled

    def emit(self, item) -> bool:
        """From the worker: an update to send, or a coroutine function to start, after what came
        before; False when no turn is running to take it."""
        queue = self.queue
        if queue is None:
            return False
        self.loop.call_soon_threadsafe(queue.put_nowait, item)
        return True

    def cancel(self) -> None:
        """session/cancel: answer the open questions, stop the generation or the tool (its process group dies)."""
        if not self.busy:
            return
        self.cancel_requested = True
        for request in list(self.asks):
            request.deny("interrupted by the user")
        self.session.interrupt()

    # -- calls to the client from the worker -----------------------------------------

    def call_client(self, make: Callable[[], Any]) -> Any:
        """Run ``make()`` (a coroutine) on the loop after the updates queued before it and wait for
        its result, giving up when the turn is cancelled."""
        future: concurrent.futures.Future = concurrent.futures.Future()

        async def run() -> None:
            try:
                result = await make()
            except BaseException as e:
                if not future.done():
                    future.set_exception(e)
            else:
                if not future.done():
                    future.set_result(result)

        if self.agent.closing or not self.emit(run):
            raise ToolError("the client cannot be asked: the connection is closing, or no prompt is running")
        while True:
            try:
                return future.result(timeout=POLL_S)
            except concurrent.futures.TimeoutError:
                if self.session.cancel.is_set():
                    future.cancel()
                    raise ToolError("interrupted while waiting for the client") from None

    def read_via_client(self, path: Path) -> str:
        response = self.call_client(lambda: self.agent.conn.read_text_file(session_id=self.id, path=str(path)))
        return response.content

    def write_via_client(self, path: Path, text: str) -> None:
        self.call_client(lambda: self.agent.conn.write_text_file(session_id=self.id, path=str(path), content=text))

    def ask(self, request: ApprovalRequest | PlanRequest, tool_call: ToolCallUpdate,
            options: list[PermissionOption], answer: Callable[[str | None], None]) -> None:
        """From the worker: put a permission request to the client; ``answer`` gets the chosen option id (None: cancelled)."""
        if self.session.cancel.is_set():
            request.deny("interrupted by the user")
            return
        if self.agent.closing:
            request.deny("nobody can approve it: the client closed the connection")
            return
        async def run() -> None:
            try:
                response = await self.agent.conn.request_permission(session_id=self.id, tool_call=tool_call, options=options)
            except Exception as e:
                request.deny(f"the permission request failed: {fail(e)}")
                return
            finally:
                if request in self.asks:
                    self.asks.remove(request)
            outcome = response.outcome
            answer(outcome.option_id if isinstance(outcome, AllowedOutcome) else None)

        self.asks.append(request)
        if not self.emit(run):
            self.asks.remove(request)
            request.deny("nobody can be asked: no prompt is running")

    # -- modes and models --------------------------------------------------------------

    def set_mode(self, mode: str) -> None:
        if mode not in APPROVAL_MODES:
            raise RequestError.invalid_params({"details": f"unknown mode {mode!r}; the modes are {', '.join(APPROVAL_MODES)}"})
        self.session.policy.mode = mode  # type: ignore[assignment]  # logged as approval_changed when the session next looks

    def mode_updates(self, mode: str):
        yield helpers.update_current_mode(mode)
        yield self.config_update()

    def modes(self) -> SessionModeState:
        return SessionModeState(current_mode_id=self.session.policy.mode, available_modes=[
            SessionMode(id=m, name=MODE_TEXT.get(m, (m, ""))[0], description=MODE_TEXT.get(m, ("", None))[1])
            for m in APPROVAL_MODES
        ])

    def config_options(self) -> list:
        current = self.config.model
        models = list(dict.fromkeys([current, "embedded", "embedded-base"]))
        return [
            SessionConfigOptionSelect(type="select", id="mode", name="Approval mode", category="mode",
                                      current_value=self.session.policy.mode,
                                      options=[SessionConfigSelectOption(value=m, name=MODE_TEXT.get(m, (m, ""))[0],
                                                                         description=MODE_TEXT.get(m, ("", None))[1])
                                               for m in APPROVAL_MODES]),
            SessionConfigOptionSelect(type="select", id="model", name="Model", category="model", current_value=current,
                                      options=[SessionConfigSelectOption(value=m, name=m) for m in models]),
        ]

    def config_update(self):
        from acp.schema import ConfigOptionUpdate

        return ConfigOptionUpdate(session_update="config_option_update", config_options=self.config_options())

    async def switch_model(self, model: str) -> None:
        """End the session and reopen its log with ``model`` (as the chat's ``/model`` does); back to
        the old model, with the error, when the new one does not load."""
        if self.busy or self.switching:
            raise RequestError.invalid_request({"details": "the model cannot change while a prompt runs"})
        if model == self.config.model:
            return
        new = self.config.model_copy(update={"model": model})
        try:
            resolve_backend(new)
        except (BackendError, ConfigError) as e:
            raise fail(e, -32602) from None
        if self.session.writer is None:
            raise RequestError.invalid_request({"details": "this session has no log to go on with"})
        path, mode, old = self.session.writer.path, self.session.policy.mode, self.config

        def reopen() -> None:
            self.driver.end()
            try:
                self.config = new.model_copy(update={"approval": mode})
                self.build(path)
            except Exception as e:
                self.config = old.model_copy(update={"approval": mode})
                self.build(path)
                raise fail(e, -32602) from None

        self.switching = True
        try:
            await asyncio.to_thread(reopen)
        finally:
            self.switching = False


class AcpApprover:
    """The session's approver: asks the client (``session/request_permission``) and waits."""

    def __init__(self, state: AcpSession):
        self.state = state

    def __call__(self, tool: Tool, call: ToolCall, summary: str, mode: ApprovalMode) -> Decision:
        state = self.state
        request = ApprovalRequest(tool.name, tool.kind, summary, dict(call.arguments), mode)
        update = state.mapper.permission_call(call, tool, summary, self._diff(tool, call))

        def answer(option: str | None) -> None:
            if option == "allow":
                request.allow()
            elif option == "allow_always":
                request.allow(remember=True)
            elif option is None:
                request.deny("interrupted by the user")
            else:
                request.deny()

        state.ask(request, update, PERMISSION_OPTIONS, answer)
        return request.answer.result()

    def review_plan(self, plan: str, mode: ApprovalMode) -> PlanReview:
        state = self.state
        request = PlanRequest(plan, mode)
        call_id = state.mapper.pending[0].id if state.mapper.pending else "present_plan"
        text = state.mapper.redactor.redact_text(plan)
        update = ToolCallUpdate(tool_call_id=call_id, title="The plan: carry it out?", kind="switch_mode", status="pending",
                                content=[helpers.tool_content(helpers.text_block(text))])

        def answer(option: str | None) -> None:
            if option == "accept_auto_edit":
                request.accept("auto-edit")
            elif option == "accept_ask":
                request.accept("ask")
            else:
                request.deny("interrupted by the user" if option is None else None)

        state.ask(request, update, PLAN_OPTIONS, answer)
        return request.answer.result()

    def _diff(self, tool: Tool, call: ToolCall) -> FileDiff | None:
        """The change an edit call would make, for the person to see before saying yes."""
        given = edited_path(tool, call.arguments)
        if given is None:
            return None
        state = self.state
        try:
            path = Workspace(state.workspace).resolve(given)
            before: str | None = None
            if path.is_file():
                fs = state.agent.client.fs
                before = state.read_via_client(path) if fs and fs.read_text_file else local_text(state.session.ctx, path)
            after = preview(tool.name, call.arguments, before)
        except (OutsideWorkspace, ToolError, OSError, RequestError, ConnectionError):
            return None
        return FileDiff(path, before, after) if after is not None else None


def prompt_text(blocks: list, workspace: Path) -> str:
    """The user message a prompt's content blocks make: the text, with the files it brings
    attached as the chat attaches ``@path`` mentions (``<file path="...">``)."""
    ws = Workspace(workspace)
    text: list[str] = []
    files: list[str] = []
    for block in blocks:
        if isinstance(block, TextContentBlock):
            text.append(block.text)
        elif isinstance(block, ResourceContentBlock):
            shown = _shown_path(block.uri, ws)
            text.append(f"@{shown}" if shown else block.uri)
            path = _file_of(block.uri, ws)
            if path is not None:
                content = path.read_text(encoding="utf-8", errors="replace")
                files.append(_attach(shown or block.uri, content))
        elif isinstance(block, EmbeddedResourceContentBlock):
            if not isinstance(block.resource, TextResourceContents):
                raise RequestError.invalid_params({"details": "binary resources are not supported; attach text files"})
            files.append(_attach(_shown_path(block.resource.uri, ws) or block.resource.uri, block.resource.text))
        else:
            raise RequestError.invalid_params({"details": f"{getattr(block, 'type', 'this')} content is not supported; "
                                                          "limi-cli takes text and text files"})
    message = "".join(text).strip()
    if files:
        message = (message + "\n\n" if message else "") + "\n\n".join(files)
    if not message:
        raise RequestError.invalid_params({"details": "the prompt is empty"})
    return message


def _attach(shown: str, content: str) -> str:
    cut = len(content) > MAX_ATTACH_CHARS
    content = content[:MAX_ATTACH_CHARS] + ("\n[... cut]" if cut else "")
    return f'<file path="{shown}">\n{content}\n</file>'


def _uri_path(uri: str) -> Path | None:
    from urllib.parse import unquote, urlparse

    parsed = urlparse(uri)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if not parsed.scheme and uri.startswith("/"):
        return Path(uri)
    return None


def _shown_path(uri: str, ws: Workspace) -> str | None:
    path = _uri_path(uri)
    if path is None:
        return None
    try:
        return ws.relative(ws.resolve(path))
    except OutsideWorkspace:
        return str(path)


def _file_of(uri: str, ws: Workspace) -> Path | None:
    path = _uri_path(uri)
    if path is None:
        return None
    try:
        resolved = ws.resolve(path)
    except OutsideWorkspace:
        return None  # outside the workspace: named, not read
    return resolved if resolved.is_file() else None


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


async def _serve(agent: LimiAcpAgent, out_fd: int) -> None:
    loop = asyncio.get_running_loop()
    agent.loop = loop
    transport = await StdioTransport.open(0, out_fd, on_eof=agent.cancel_all)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # no signal handlers here (not the main thread, or a platform without them): EOF still stops it
    server = asyncio.ensure_future(run_agent(agent, transport))
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({server, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        await agent.shutdown()  # every session ends with its session_ended logged
        stopper.cancel()
        if not server.done():
            await transport.close()
            server.cancel()
        await asyncio.gather(server, return_exceptions=True)


def serve(overrides: dict, default_workspace: Path) -> int:
    """Run the agent on stdin/stdout until the client closes the connection; the exit code."""
    out_fd = take_stdout()
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(message)s")
    agent = LimiAcpAgent(overrides, default_workspace)
    asyncio.run(_serve(agent, out_fd))
    return 0


__all__ = ["LimiAcpAgent", "AcpSession", "serve", "prompt_text"]
