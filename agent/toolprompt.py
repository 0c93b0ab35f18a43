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
_TAG = re.compile(re.escape(OPEN) + "|" + re.escape(CLOSE))


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


# -- reading what the model wrote ---------------------------------------------------
#
# The model's output is not trusted: a reply may be huge, nest brackets 100k deep, hold lone
# surrogates or put "</tool_call>" inside a JSON string. Parsing never raises and stays linear
# in the length of the reply; a call past a limit becomes a call with an ``error`` (the model
# is told, the run goes on).

MAX_CALL_CHARS = 1_000_000  # the text of one tool call; a larger call is refused with a tool error
MAX_CALL_DEPTH = 64  # nesting of arrays and objects in one call
_TOO_DEEP = "it nests arrays/objects deeper than"
_RAW_KEEP = 2000  # characters of a refused (oversize or too deep) call kept as its raw text

_SURROGATE = re.compile("[\ud800-\udfff]")
# one JSON token that matters for nesting: a bracket, or a whole string (skipped; "? so an
# unterminated string matches at once instead of being retried at every later position)
_JSON_TOKEN = re.compile(r'[\[{\]}]|"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_IN_STRING_STOP = re.compile(r'[\\"\n]')  # a raw newline cannot be in a JSON string: it ends a broken one
_OUT_STRING_STOP = re.compile(r'["<]')


def clean_text(text: str) -> str:
    """``text`` with lone surrogates replaced by U+FFFD: they cannot be encoded, printed or logged."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def _clean_obj(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_clean_obj(v) for v in value]
    if isinstance(value, dict):
        return {clean_text(k): _clean_obj(v) for k, v in value.items()}
    return value


def _too_deep(text: str, limit: int = MAX_CALL_DEPTH) -> bool:
    """Whether the arrays/objects of the JSON ``text`` nest deeper than ``limit`` (brackets in strings do not count)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for m in _JSON_TOKEN.finditer(text):
        c = text[m.start()]
        if c in "[{":
            depth += 1
            if depth > limit:
                return True
        elif c in "]}":
            depth -= 1
    return False


def load_model_json(text: str) -> tuple[Any, str | None]:
    """``json.loads`` for JSON the model wrote: (value, None), or (None, what is wrong) — never raises.

    Refuses nesting deeper than :data:`MAX_CALL_DEPTH` (which would otherwise raise
    RecursionError here or further on) and replaces lone surrogates in strings.
    """
    if _too_deep(text):
        return None, f"{_TOO_DEEP} {MAX_CALL_DEPTH} levels"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        return None, f"{e.msg} at char {e.pos}"
    except RecursionError:
        return None, f"{_TOO_DEEP} {MAX_CALL_DEPTH} levels"
    except ValueError as e:  # e.g. an integer of more than 4300 digits
        return None, " ".join(str(e).split())[:200]
    if _SURROGATE_ESCAPE.search(text):
        value = _clean_obj(value)
    return value, None


def oversize_call(size: int, head: str, name: str = "") -> ToolCall:
    """The call for a tool call of ``size`` characters, over :data:`MAX_CALL_CHARS`; ``head`` is its start."""
    return ToolCall(
        id=new_call_id(),
        name=name or _guess_name(head[:10_000]),
        error=f"tool call is {size:,} characters, over the limit of {MAX_CALL_CHARS:,}; write large content in smaller parts",
        raw=f"{OPEN}{head[:_RAW_KEEP]}… [cut: {size:,} characters]{CLOSE}",
    )


def parse_call(block: str) -> ToolCall:
    """Parse the inside of one ``<tool_call>`` block. Problems are recorded on the call, not raised."""
    if len(block) > MAX_CALL_CHARS:
        return oversize_call(len(block), block)
    block = clean_text(block)
    text = block.strip()
    if text.startswith("```"):  # tolerate a fenced block inside the tags
        text = text[3:]
        text = text[4:] if text.startswith("json") else text
        text = text[:-3] if text.endswith("```") else text
        text = text.strip()
    raw = f"{OPEN}{block}{CLOSE}"
    obj, problem = load_model_json(text)
    if problem is not None:
        if problem.startswith(_TOO_DEEP):  # not replayed to the model in full
            raw = f"{OPEN}{block[:_RAW_KEEP]}… [cut: {len(block):,} characters]{CLOSE}"
            return ToolCall(id=new_call_id(), name=_guess_name(text), error=f"tool call refused: {problem}", raw=raw)
        return ToolCall(id=new_call_id(), name=_guess_name(text), error=f"tool call is not valid JSON: {problem}", raw=raw)
    if not isinstance(obj, dict) or not isinstance(obj.get("name"), str):
        return ToolCall(id=new_call_id(), name="", error='tool call must be a JSON object with a string "name"', raw=raw)
    args = obj.get("arguments", obj.get("parameters", {}))
    if isinstance(args, str):
        args, problem = load_model_json(args) if args.strip() else ({}, None)
        if problem is not None:
            what = "tool call refused" if problem.startswith(_TOO_DEEP) else "arguments are not valid JSON"
            return ToolCall(id=new_call_id(), name=obj["name"], error=f"{what}: {problem}", raw=raw)
    if not isinstance(args, dict):
        return ToolCall(id=new_call_id(), name=obj["name"], error='"arguments" must be a JSON object', raw=raw)
    return ToolCall(id=new_call_id(), name=obj["name"], arguments=args)


def _guess_name(text: str) -> str:
    m = re.search(r'"name"\s*:\s*"([^"]{1,200})"', text)
    return m.group(1) if m else ""


def parse_reply(text: str) -> tuple[str, list[ToolCall]]:
    """Split a whole reply into its visible text and its tool calls.

    An unclosed last block (the model hit its token limit) is parsed as far as it goes.
    """
    parser = StreamingReplyParser()
    parser.feed(text)
    _, visible, calls = parser.finish()
    return visible, calls


def _partial_at_end(text: str, start: int, tag: str) -> int:
    """Where a proper prefix of ``tag`` that ends ``text[start:]`` begins (``len(text)`` if none)."""
    for k in range(min(len(tag) - 1, len(text) - start), 0, -1):
        if text.endswith(tag[:k]):
            return len(text) - k
    return len(text)


class StreamingReplyParser:
    """Feeds on streamed text; hands back only the text outside ``<tool_call>`` blocks (a
    ``</tool_call>`` outside any block, which small models write after their text, is dropped).

    Text that could be the start of an opening tag is held back until it is decided.
    :meth:`finish` returns the visible text and the parsed calls of the whole reply.

    Inside a block the closing tag is looked for outside JSON strings, so a call whose
    arguments contain the text ``</tool_call>`` (a file about this protocol) stays whole;
    a raw newline ends a string (JSON strings cannot hold one), and a block whose JSON
    is broken falls back to ending at its first closing tag. Each character is looked at
    a bounded number of times: :attr:`scanned` counts them.
    """

    def __init__(self, _fallback: bool = True) -> None:
        self.scanned = 0  # characters examined so far (stays linear in the reply; tests check it)
        self.calls: list[ToolCall] = []
        self._fallback = _fallback
        self._visible: list[str] = []
        self._hold = ""  # undecided text: a possible partial tag
        self._in_block = False
        self._block: list[str] = []  # the current block's text, up to MAX_CALL_CHARS + 1 characters
        self._block_len = 0
        self._in_string = False
        self._escape = False

    def feed(self, delta: str) -> str:
        text = self._hold + clean_text(delta)
        self._hold = ""
        self.scanned += len(text)
        out: list[str] = []
        i, n = 0, len(text)
        while i < n:
            if self._in_block:
                i = self._scan_block(text, i)
                continue
            m = _TAG.search(text, i)
            if m is not None:
                out.append(text[i : m.start()])
                i = m.end()
                # a closing tag with no block open is a protocol token written out, not text: dropped
                self._in_block = m.group() == OPEN
                continue
            # hold back a tail that may be a partial "<tool_call>" or "</tool_call>"
            k = min(_partial_at_end(text, i, OPEN), _partial_at_end(text, i, CLOSE))
            out.append(text[i:k])
            self._hold = text[k:]
            i = n
        shown = "".join(out)
        if shown:
            self._visible.append(shown)
        return shown

    def _scan_block(self, text: str, i: int) -> int:
        """Scan ``text[i:]`` inside a block; close it at a closing tag outside strings. Returns where scanning stopped."""
        start, n = i, len(text)
        while i < n:
            if self._escape:
                self._escape = False
                i += 1
            elif self._in_string:
                m = _IN_STRING_STOP.search(text, i)
                if m is None:
                    break
                j = m.start()
                if text[j] == "\\":
                    self._escape = True
                else:
                    self._in_string = False
                i = j + 1
            else:
                m = _OUT_STRING_STOP.search(text, i)
                if m is None:
                    break
                j = m.start()
                if text[j] == '"':
                    self._in_string = True
                elif text.startswith(CLOSE, j):
                    self._add(text[start:j])
                    self._close_block()
                    return j + len(CLOSE)
                elif n - j < len(CLOSE) and CLOSE.startswith(text[j:]):
                    self._add(text[start:j])  # a partial closing tag: decided by the next delta
                    self._hold = text[j:]
                    return n
                i = j + 1
        self._add(text[start:n])
        return n

    def _add(self, piece: str) -> None:
        room = MAX_CALL_CHARS + 1 - min(self._block_len, MAX_CALL_CHARS + 1)
        if room > 0 and piece:
            self._block.append(piece[:room])
        self._block_len += len(piece)

    def _close_block(self) -> None:
        content = "".join(self._block)
        self.calls.append(oversize_call(self._block_len, content) if self._block_len > MAX_CALL_CHARS else parse_call(content))
        self._in_block, self._block, self._block_len = False, [], 0
        self._in_string = self._escape = False

    def finish(self) -> tuple[str, str, list[ToolCall]]:
        """Return (the held-back tail of visible text, the whole visible text, the calls)."""
        tail = ""
        if not self._in_block:
            tail, self._hold = self._hold, ""
        else:  # an unclosed last block: the model stopped (token limit) or its JSON is broken
            self._add(self._hold)
            self._hold = ""
            content = "".join(self._block)
            self.scanned += len(content)
            cut = content.find(CLOSE) if self._fallback and self._block_len <= MAX_CALL_CHARS else -1
            if cut >= 0 and parse_call(content).error:
                # the JSON left a string open, so its closing tag was taken for string text: end the block
                # at the first closing tag after all and read the rest as more of the reply
                self._block, self._block_len = [content[:cut]], cut
                self._close_block()
                rest = StreamingReplyParser(_fallback=False)
                tail = rest.feed(content[cut + len(CLOSE) :])
                more, _, calls = rest.finish()
                tail += more
                self.calls.extend(calls)
                self.scanned += rest.scanned
            else:
                self._close_block()  # parsed as far as it goes
        if tail:
            self._visible.append(tail)
        return tail, "".join(self._visible).strip(), list(self.calls)
