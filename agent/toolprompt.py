"""The text tool protocol: for models and servers without native tool calling.

Tools are described in the system prompt and the model answers with
``<tool_call>{"name": ..., "arguments": {...}}</tool_call>`` blocks (the Hermes/Qwen
convention); tool results go back as ``<tool_response>`` blocks in a user turn.

This module is the one renderer for that protocol. Inference backends use it to build
prompts and to parse replies; ``training/`` uses the same :func:`render_messages` so
training and inference see identical text.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any, Iterable, Literal

from agent.messages import Message, ToolCall, ToolSpec

ToolPromptStyle = Literal["full", "brief"]
BRIEF_UP_TO = 8192  # tokens of context; at or below it "auto" describes tools briefly

OPEN, CLOSE = "<tool_call>", "</tool_call>"
_BLOCK = re.compile(r"<tool_call>(.*?)(?:</tool_call>|\Z)", re.DOTALL)


def new_call_id() -> str:
    return "call_" + uuid.uuid4().hex[:12]


def prompt_style_for(setting: str, context_window: int | None) -> ToolPromptStyle:
    """The tool-description style for a ``tool_prompt`` setting: ``auto`` is brief for models
    with a context of at most :data:`BRIEF_UP_TO` tokens (the full JSON schemas of the core
    tools alone take ~2.3k tokens) and full otherwise. Training resolves it the same way from
    the model's context, so a model is tuned on the prompt it is later run with."""
    if setting in ("full", "brief"):
        return setting  # type: ignore[return-value]
    return "brief" if context_window and context_window <= BRIEF_UP_TO else "full"


def tools_block(tools: Iterable[ToolSpec | dict[str, Any]], style: ToolPromptStyle = "full") -> str:
    """The system-prompt section that describes the tools (empty when there are none).

    ``full``: one JSON schema per line. ``brief``: one signature line per tool with the first
    line of its description, e.g. ``edit(path: string, old: string, new: string) - Replace ...``.
    """
    from prompts import load

    specs = [t.openai() if isinstance(t, ToolSpec) else t for t in tools]
    if not specs:
        return ""
    if style == "brief":
        listing = "\n".join(brief_signature(s) for s in specs)
    else:
        listing = "\n".join(json.dumps(s, ensure_ascii=False) for s in specs)
    return load("tool_protocol.md").replace("{tools}", listing)


def brief_signature(spec: dict[str, Any]) -> str:
    """``name(arg: type, opt?: type) - first line of the description`` for an OpenAI tool spec."""
    fn = spec.get("function", spec)
    params = fn.get("parameters") or {}
    required = set(params.get("required") or [])
    args = []
    for name, schema in (params.get("properties") or {}).items():
        args.append(f"{name}{'' if name in required else '?'}: {_type_name(schema)}")
    summary = (fn.get("description") or "").strip().split("\n", 1)[0]
    return f"{fn['name']}({', '.join(args)})" + (f" - {summary}" if summary else "")


def _type_name(schema: dict[str, Any]) -> str:
    if "type" in schema:
        t = schema["type"]
        if t == "array":
            return f"{_type_name(schema.get('items') or {})}[]"
        return t if isinstance(t, str) else "|".join(t)
    options = [_type_name(s) for s in schema.get("anyOf", []) if s.get("type") != "null"]
    return "|".join(options) or "any"


def render_tool_call(name: str, arguments: dict[str, Any]) -> str:
    return f"{OPEN}\n{json.dumps({'name': name, 'arguments': arguments}, ensure_ascii=False)}\n{CLOSE}"


def render_assistant(content: str, tool_calls: Iterable[ToolCall | dict[str, Any]], reasoning: str | None = None) -> str:
    parts = []
    if reasoning:
        parts.append(f"<think>\n{reasoning}\n</think>")
    if content:
        parts.append(content)
    for call in tool_calls:
        if isinstance(call, ToolCall):
            parts.append(call.raw if call.error and call.raw is not None else render_tool_call(call.name, call.arguments))
        else:
            fn = call["function"]
            args = fn.get("arguments", {})
            parts.append(render_tool_call(fn["name"], json.loads(args) if isinstance(args, str) else args))
    return "\n".join(parts)


def render_messages(
    messages: Iterable[Message | dict[str, Any]],
    tools: Iterable[ToolSpec | dict[str, Any]] = (),
    style: ToolPromptStyle = "full",
) -> list[dict[str, str]]:
    """Flatten a tool-using conversation into plain system/user/assistant string messages.

    Accepts internal :class:`Message` objects or OpenAI/LIMI dict messages. The tool list
    is appended to the system message (one is created if the conversation has none and
    there are tools); consecutive tool results merge into one user turn of
    ``<tool_response>`` blocks. Any chat template can then render the result.
    """
    block = tools_block(tools, style)
    out: list[dict[str, str]] = []
    for raw in messages:
        m = raw if isinstance(raw, Message) else _message_from_dict(raw)
        if m.role == "system":
            out.append({"role": "system", "content": f"{m.content}\n\n{block}".strip() if block else m.content})
            block = ""
        elif m.role == "tool":
            response = f"<tool_response>\n{m.content}\n</tool_response>"
            if out and out[-1]["role"] == "user" and out[-1].get("_tool"):
                out[-1]["content"] += "\n" + response
            else:
                out.append({"role": "user", "content": response, "_tool": "1"})
        elif m.role == "assistant":
            out.append({"role": "assistant", "content": render_assistant(m.content, m.tool_calls, m.reasoning)})
        else:
            out.append({"role": m.role, "content": m.content})
    if block:
        out.insert(0, {"role": "system", "content": block})
    for m in out:
        m.pop("_tool", None)
    return out


def _message_from_dict(d: dict[str, Any]) -> Message:
    calls = []
    for c in d.get("tool_calls") or []:
        fn = c["function"]
        args = fn.get("arguments", {})
        if isinstance(args, str):
            args = json.loads(args) if args.strip() else {}
        calls.append(ToolCall(id=c.get("id") or new_call_id(), name=fn["name"], arguments=args))
    return Message(
        role=d["role"],
        content=d.get("content") or "",
        reasoning=d.get("reasoning_content") or d.get("reasoning"),
        tool_calls=calls,
        tool_call_id=d.get("tool_call_id"),
        name=d.get("name"),
    )


def parse_call(block: str) -> ToolCall:
    """Parse the inside of one ``<tool_call>`` block. Problems are recorded on the call, not raised."""
    text = block.strip()
    # tolerate a fenced block inside the tags
    if text.startswith("```"):
        text = re.sub(r"^```(?:json)?\s*|\s*```$", "", text)
    raw = f"{OPEN}{block}{CLOSE}"
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        return ToolCall(id=new_call_id(), name=_guess_name(text), error=f"tool call is not valid JSON: {e.msg} at char {e.pos}", raw=raw)
    if not isinstance(obj, dict) or not isinstance(obj.get("name"), str):
        return ToolCall(id=new_call_id(), name="", error='tool call must be a JSON object with a string "name"', raw=raw)
    args = obj.get("arguments", obj.get("parameters", {}))
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
        except json.JSONDecodeError as e:
            return ToolCall(id=new_call_id(), name=obj["name"], error=f"arguments are not valid JSON: {e.msg}", raw=raw)
    if not isinstance(args, dict):
        return ToolCall(id=new_call_id(), name=obj["name"], error='"arguments" must be a JSON object', raw=raw)
    return ToolCall(id=new_call_id(), name=obj["name"], arguments=args)


def _guess_name(text: str) -> str:
    m = re.search(r'"name"\s*:\s*"([^"]+)"', text)
    return m.group(1) if m else ""


def parse_reply(text: str) -> tuple[str, list[ToolCall]]:
    """Split a whole reply into its visible text and its tool calls.

    An unclosed last block (the model hit its token limit) is parsed as far as it goes.
    """
    calls = [parse_call(m.group(1)) for m in _BLOCK.finditer(text)]
    visible = _BLOCK.sub("", text).strip()
    return visible, calls


class StreamingReplyParser:
    """Feeds on streamed text; hands back only the text outside ``<tool_call>`` blocks.

    Text that could be the start of an opening tag is held back until it is decided.
    :meth:`finish` returns the visible text and the parsed calls of the whole reply.
    """

    def __init__(self) -> None:
        self.buffer = ""
        self._emitted = 0  # chars of visible text already handed out
        self._in_block = False

    def feed(self, delta: str) -> str:
        self.buffer += delta
        return self._drain()

    def _drain(self) -> str:
        out = []
        while True:
            if self._in_block:
                end = self.buffer.find(CLOSE, self._emitted)
                if end < 0:
                    return "".join(out)
                self._emitted = end + len(CLOSE)
                self._in_block = False
                continue
            start = self.buffer.find(OPEN, self._emitted)
            if start >= 0:
                out.append(self.buffer[self._emitted:start])
                self._emitted = start
                self._in_block = True
                continue
            # hold back a tail that may be a partial "<tool_call>"
            safe = len(self.buffer)
            for k in range(min(len(OPEN) - 1, len(self.buffer) - self._emitted), 0, -1):
                if OPEN.startswith(self.buffer[-k:]):
                    safe = len(self.buffer) - k
                    break
            out.append(self.buffer[self._emitted:safe])
            self._emitted = safe
            return "".join(out)

    def finish(self) -> tuple[str, str, list[ToolCall]]:
        """Return (the held-back tail of visible text, the whole visible text, the calls)."""
        tail = "" if self._in_block else self.buffer[self._emitted:]
        self._emitted = len(self.buffer)
        visible, calls = parse_reply(self.buffer)
        return tail, visible, calls
