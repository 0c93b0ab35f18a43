"""Session events as ``stream-json`` lines, close to the schema Claude Code and qwen-code share.

One JSON object a line: ``system``/``init`` first, ``assistant`` messages (text, thinking
and ``tool_use`` content blocks), ``user`` messages carrying ``tool_result`` blocks, and a
final ``result`` with usage. With partial messages on, ``stream_event`` lines carry the
text deltas as they stream. limi-cli's own extra fields sit under a ``limi`` key.

Every object passes through the session's :class:`~agent.redact.Redactor` (secrets out,
lone surrogates replaced by U+FFFD) before it is returned. Streamed text deltas are held
back to a word end (a line end where the line may hold a secret, a private key block until
its END line: :meth:`~agent.redact.Redactor.stream_cut`) so a secret split over two deltas
is still seen whole; what is held is sent before the message it belongs to.
"""

from __future__ import annotations

from typing import Any

from agent.events import AssistantMessage, SessionEnded, SessionStarted, SubagentEvent, TextDelta, ToolResult
from agent.messages import Usage
from agent.redact import Redactor, default_redactor

RESULT_SUBTYPES = {
    "done": "success",
    "max_turns": "error_max_turns",
    "loop": "error_max_turns",  # cut short before an answer, like the turn limit (the reason field says loop)
    "error": "error_during_execution",
    "interrupted": "error_interrupted",
}


def _usage(u: Usage) -> dict[str, int]:
    return {
        "input_tokens": u.prompt_tokens,
        "output_tokens": u.completion_tokens,
        "cache_read_input_tokens": u.cached_tokens,
    }


HOLD_LIMIT = 16384  # a held delta longer than this is sent anyway (a line that never ends)


class StreamJsonMapper:
    """Turns session events into redacted stream-json objects.

    :meth:`map_all` returns the objects for one event (none, one, or held text deltas
    followed by the event's own object).
    """

    def __init__(self, include_partial: bool = False, log_path: str | None = None, redactor: Redactor | None = None):
        self.include_partial = include_partial
        self.log_path = log_path
        self.redactor = redactor if redactor is not None else default_redactor()
        self.session_id = ""
        self.model = ""
        self.api_s = 0.0
        self._held: dict[bool, str] = {}  # reasoning? -> streamed text not sent yet

    def map_all(self, event: Any) -> list[dict[str, Any]]:
        if isinstance(event, TextDelta):
            if not self.include_partial:
                return []
            out = self._flush(not event.reasoning)  # the other stream ended
            text = self._held.pop(event.reasoning, "") + event.text
            cut = self.redactor.stream_cut(text, HOLD_LIMIT)
            if cut:
                out.append(self._delta(event.reasoning, text[:cut]))
            if cut < len(text):
                self._held[event.reasoning] = text[cut:]
            return out
        out = self._flush(True) + self._flush(False)
        obj = self._map(event)
        if obj is not None:
            out.append(self.redactor.redact_obj(obj))
        return out

    def _flush(self, reasoning: bool) -> list[dict[str, Any]]:
        text = self._held.pop(reasoning, "")
        return [self._delta(reasoning, text)] if text else []

    def _delta(self, reasoning: bool, text: str) -> dict[str, Any]:
        text = self.redactor.redact_text(text)
        delta = {"type": "thinking_delta", "thinking": text} if reasoning else {"type": "text_delta", "text": text}
        return {
            "type": "stream_event",
            "session_id": self.session_id,
            "event": {"type": "content_block_delta", "index": 0, "delta": delta},
        }

    def _map(self, event: Any) -> dict[str, Any] | None:
        if isinstance(event, SessionStarted):
            self.session_id, self.model = event.session_id, event.model
            return {
                "type": "system",
                "subtype": "init",
                "session_id": event.session_id,
                "cwd": event.cwd,
                "model": event.model,
                "tools": [t["function"]["name"] for t in event.tools],
                "permissionMode": event.approval,
                "limi": {"version": event.limi_version, "backend": event.backend, "log_path": self.log_path},
            }
        if isinstance(event, AssistantMessage):
            self.api_s += event.latency_s
            content: list[dict[str, Any]] = []
            if event.reasoning:
                content.append({"type": "thinking", "thinking": event.reasoning})
            if event.content:
                content.append({"type": "text", "text": event.content})
            for call in event.tool_calls:
                content.append({"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments})
            return {
                "type": "assistant",
                "session_id": self.session_id,
                "parent_tool_use_id": None,
                "message": {
                    "id": f"msg_{self.session_id}_{event.turn}",
                    "type": "message",
                    "role": "assistant",
                    "model": self.model,
                    "content": content,
                    "stop_reason": "tool_use" if event.tool_calls else "end_turn",
                    "usage": _usage(event.usage),
                },
            }
        if isinstance(event, ToolResult):
            return {
                "type": "user",
                "session_id": self.session_id,
                "parent_tool_use_id": None,
                "message": {
                    "role": "user",
                    "content": [
                        {"type": "tool_result", "tool_use_id": event.tool_call_id, "content": event.output, "is_error": event.is_error}
                    ],
                },
                "limi": {
                    "name": event.name,
                    "exit_code": event.exit_code,
                    "duration_s": event.duration_s,
                    "error_kind": event.error_kind,
                    "truncated": event.truncated,
                },
            }
        if isinstance(event, SessionEnded):
            return result_object(event, self.session_id, self.api_s, self.log_path)
        if isinstance(event, SubagentEvent) and isinstance(event.event, (AssistantMessage, ToolResult)):
            # a subagent's messages, as Claude Code writes them: under the task call that ran it
            obj = self._map(event.event)
            assert obj is not None
            obj["parent_tool_use_id"] = event.tool_call_id
            if isinstance(event.event, AssistantMessage):
                obj["message"]["id"] = f"msg_{event.session_id}_{event.event.turn}"
            obj.setdefault("limi", {})["subagent_session_id"] = event.session_id
            return obj
        return None


def result_object(event: SessionEnded, session_id: str, api_s: float = 0.0, log_path: str | None = None) -> dict[str, Any]:
    return {
        "type": "result",
        "subtype": RESULT_SUBTYPES[event.reason],
        "is_error": event.reason != "done",
        "duration_ms": int(event.duration_s * 1000),
        "duration_api_ms": int(api_s * 1000),
        "num_turns": event.turns,
        "result": event.final_text if event.reason != "error" else (event.error or ""),
        "session_id": session_id,
        "total_cost_usd": 0.0,
        "usage": _usage(event.usage),
        "limi": {
            "reason": event.reason,
            "error": event.error,
            "tool_calls": event.tool_calls,
            "tool_errors": event.tool_errors,
            "invalid_tool_calls": event.invalid_tool_calls,
            "log_path": log_path,
        },
    }
