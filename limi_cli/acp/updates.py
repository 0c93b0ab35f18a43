"""Session events as ACP ``session/update`` notifications.

:class:`UpdateMapper` turns what a session yields (and what its tools report while they run)
into updates, in order: text and reasoning deltas become message and thought chunks (redacted,
held back while a secret may be cut in two, as headless text output does), each tool call of an
assistant message a ``tool_call`` (pending, with its kind, title, locations and input), its start
an ``in_progress`` update, its result ``completed`` or ``failed`` with the output and, for an edit,
the diff; the todo list becomes the plan, a mode change a ``current_mode_update``, the context's fill
a ``usage_update`` after each model call.
:func:`replay` gives the same updates for the events of a logged session (``session/load``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from acp import helpers
from acp.schema import (
    AgentPlanUpdate,
    PlanEntry,
    ToolCallLocation,
    ToolCallProgress,
    ToolCallStart,
    ToolCallUpdate,
    UsageUpdate,
)

from agent.events import (
    ApprovalChanged,
    AssistantMessage,
    Compaction,
    HookRun,
    TextDelta,
    ToolResult,
    ToolResultsCleared,
    UserMessage,
)
from agent.messages import ToolCall
from agent.redact import Redactor
from agent.tools.base import Tool
from limi_cli.acp.tools import FileDiff

MAX_OUTPUT_CHARS = 20_000  # of a tool's output shown in the client (the model read what the log holds)

# the ACP kind of each built-in tool; others by limi-cli's own kind (read, edit, exec)
_KINDS = {
    "read_file": "read", "write_file": "edit", "edit": "edit", "multi_edit": "edit",
    "list_files": "search", "glob": "search", "grep": "search",
    "find_symbol": "search", "find_references": "search", "outline": "read",
    "shell": "execute", "web_fetch": "fetch", "web_search": "fetch", "todo": "think",
    "git_status": "read", "git_diff": "read", "git_log": "read", "git_show": "read", "git_commit": "execute",
    "present_plan": "switch_mode",
}
_BY_LIMI_KIND = {"read": "read", "edit": "edit", "exec": "execute"}
_TODO_STATUS = {"pending": "pending", "in_progress": "in_progress", "done": "completed", "completed": "completed"}


def acp_kind(name: str, tool: Tool | None) -> str:
    if name in _KINDS:
        return _KINDS[name]
    return _BY_LIMI_KIND.get(tool.kind, "other") if tool is not None else "other"


def title_of(call: ToolCall, tool: Tool | None) -> str:
    """The one line a client shows for a call: the tool's own summary of it."""
    if call.error:
        return "invalid tool call"
    if tool is not None:
        try:
            return tool.describe_call(tool.Params.model_validate(call.arguments))
        except Exception:  # bad arguments: the result will say so
            pass
    return call.name


def locations_of(call: ToolCall, workspace: Path) -> list[ToolCallLocation] | None:
    """The files a call touches, as absolute paths (ACP's rule), with the line a read starts at."""
    found = []
    for key in ("path", "file_path", "file"):
        value = call.arguments.get(key)
        if isinstance(value, str) and value.strip():
            path = Path(value).expanduser()
            path = path if path.is_absolute() else workspace / path
            offset = call.arguments.get("offset") if call.name == "read_file" else None
            line = offset if isinstance(offset, int) and not isinstance(offset, bool) and offset >= 1 else None
            found.append(ToolCallLocation(path=str(path), line=line))
    return found or None


def diff_content(diff: FileDiff):
    return helpers.tool_diff_content(str(diff.path), diff.after, diff.before)


def plan_of(todo: list[dict[str, str]]) -> AgentPlanUpdate:
    return helpers.update_plan(
        PlanEntry(content=item.get("content", ""), priority="medium",
                  status=_TODO_STATUS.get(item.get("status", ""), "pending"))  # type: ignore[arg-type]
        for item in todo
    )


class UpdateMapper:
    """One session's events -> updates, handed to ``emit`` as they come (called from the
    session's worker thread; ``emit`` must not block)."""

    def __init__(self, workspace: Path, tools: Callable[[], dict[str, Tool]], redactor: Redactor,
                 emit: Callable[[Any], None], on_mode: Callable[[str], Iterable[Any]] = lambda mode: (),
                 context: Callable[[], tuple[int, int] | None] = lambda: None):
        self.workspace, self.tools, self.redactor, self.emit, self.on_mode = workspace, tools, redactor, emit, on_mode
        self.context = context  # (tokens used, context window) of the conversation, None: unknown
        self.pending: list[ToolCall] = []  # calls of the last assistant message without a result, in order
        self.held = {False: "", True: ""}  # text, reasoning held back by the redaction
        self.diffs: dict[str, FileDiff] = {}

    # -- from the session's events -------------------------------------------

    def event(self, event) -> None:
        for update in self.updates(event):
            self.emit(update)

    def updates(self, event) -> Iterator[Any]:
        if isinstance(event, TextDelta):
            text = self.held[event.reasoning] + event.text
            cut = self.redactor.stream_cut(text)
            self.held[event.reasoning] = text[cut:]
            if cut:
                yield self._chunk(text[:cut], event.reasoning)
        elif isinstance(event, AssistantMessage):
            yield from self.flush()
            if not event.interrupted:
                self.pending = list(event.tool_calls)
                for call in event.tool_calls:
                    yield self.tool_call(call)
            if (fill := self.context()) is not None:
                yield UsageUpdate(session_update="usage_update", used=fill[0], size=fill[1])
        elif isinstance(event, ToolResult):
            self.pending = [c for c in self.pending if c.id != event.tool_call_id]
            yield self.tool_result(event, self.diffs.pop(event.tool_call_id, None))
            if event.todo is not None:
                yield plan_of(event.todo)
        elif isinstance(event, ApprovalChanged) and event.by != "user":  # the client knows what it set itself
            yield from self.on_mode(event.approval)
        elif isinstance(event, Compaction):
            yield helpers.update_agent_thought_text(
                f"\n[context compacted: {event.replaced} older messages summarised]\n")
        elif isinstance(event, ToolResultsCleared):
            yield helpers.update_agent_thought_text(
                f"\n[context: {len(event.indices)} older tool results cleared to fit the window]\n")
        elif isinstance(event, HookRun) and event.outcome != "ok":
            why = event.reason or event.error or event.outcome
            yield helpers.update_agent_thought_text(
                self.redactor.redact_text(f"\n[hook {event.hook} ({event.event}): {event.outcome}: {why}]\n"))

    def flush(self) -> Iterator[Any]:
        for reasoning in (True, False):
            if self.held[reasoning]:
                yield self._chunk(self.held[reasoning], reasoning)
                self.held[reasoning] = ""

    def _chunk(self, text: str, reasoning: bool):
        text = self.redactor.redact_text(text)
        return helpers.update_agent_thought_text(text) if reasoning else helpers.update_agent_message_text(text)

    # -- tool calls ------------------------------------------------------------

    def tool_call(self, call: ToolCall, status: str = "pending") -> ToolCallStart:
        tool = self.tools().get(call.name)
        return helpers.start_tool_call(
            call.id, self.redactor.redact_text(title_of(call, tool)), kind=acp_kind(call.name, tool),  # type: ignore[arg-type]
            status=status, locations=locations_of(call, self.workspace),  # type: ignore[arg-type]
            raw_input=self.redactor.redact_obj(call.arguments),
        )

    def started(self) -> None:
        """A tool began to run: it is the first call still without a result (calls run in order)."""
        if self.pending:
            self.emit(helpers.update_tool_call(self.pending[0].id, status="in_progress"))

    def diff(self, diff: FileDiff) -> None:
        """An edit tool changed a file (called while it runs, before its result)."""
        if self.pending:
            self.diffs[self.pending[0].id] = FileDiff(diff.path, *(self.redactor.redact_obj([diff.before, diff.after])))

    def tool_result(self, result: ToolResult, diff: FileDiff | None = None) -> ToolCallProgress:
        output = self.redactor.redact_text(result.output)
        if len(output) > MAX_OUTPUT_CHARS:
            output = output[:MAX_OUTPUT_CHARS] + f"\n[... {len(output) - MAX_OUTPUT_CHARS} more characters in the log]"
        content = [diff_content(diff)] if diff is not None else []
        content.append(helpers.tool_content(helpers.text_block(output)))
        raw: dict[str, Any] = {"is_error": result.is_error}
        if result.error_kind:
            raw["error_kind"] = result.error_kind
        if result.exit_code is not None:
            raw["exit_code"] = result.exit_code
        return helpers.update_tool_call(result.tool_call_id, status="failed" if result.is_error else "completed",
                                        content=content, raw_output=raw)

    def permission_call(self, call: ToolCall, tool: Tool, summary: str, diff: FileDiff | None) -> ToolCallUpdate:
        """The tool call a permission request shows: what would run, and the diff an edit would make."""
        content = [diff_content(FileDiff(diff.path, *self.redactor.redact_obj([diff.before, diff.after])))] if diff else []
        if tool.kind == "exec" and isinstance(call.arguments.get("command"), str):
            content.append(helpers.tool_content(helpers.text_block(self.redactor.redact_text(call.arguments["command"]))))
        return ToolCallUpdate(
            tool_call_id=call.id, title=self.redactor.redact_text(summary), kind=acp_kind(call.name, tool),  # type: ignore[arg-type]
            status="pending", locations=locations_of(call, self.workspace), raw_input=self.redactor.redact_obj(call.arguments),
            content=content or None,
        )


def replay(events: Iterable[Any], mapper: UpdateMapper) -> Iterator[Any]:
    """The updates that show a logged conversation again: what the person said, what the model
    answered and thought, each tool call with its result."""
    for event in events:
        if isinstance(event, UserMessage):
            yield helpers.update_user_message_text(mapper.redactor.redact_text(event.content))
        elif isinstance(event, AssistantMessage):
            if event.reasoning:
                yield mapper._chunk(event.reasoning, True)
            if event.content:
                yield mapper._chunk(event.content, False)
            for call in event.tool_calls:
                yield mapper.tool_call(call)
        elif isinstance(event, ToolResult):
            yield mapper.tool_result(event)
            if event.todo is not None:
                yield plan_of(event.todo)


__all__ = ["UpdateMapper", "replay", "acp_kind", "title_of", "locations_of"]
